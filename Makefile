# The two commands a new user needs:
#   make run    install dependencies, build, and serve on embedded defaults (127.0.0.1:3100)
#   make test   install dependencies, build, and run the whole test suite (also under ASan+UBSan)
# Others: make build, make bench, make test-tsan, make format, make lint, make clean.

JOBS ?= $(shell nproc)
ARGS ?=

.PHONY: bootstrap build run test test-debug test-asan test-tsan bench format format-check lint clean

bootstrap:
	@scripts/bootstrap

build/%/build.ninja: CMakeLists.txt CMakePresets.json
	cmake --preset $* >/dev/null

build: bootstrap build/release/build.ninja
	cmake --build build/release -j $(JOBS)

run: bootstrap build/release/build.ninja
	cmake --build build/release -j $(JOBS) --target lakehouse
	build/release/src/cli/lakehouse serve --demo $(ARGS)

test: bootstrap format-check test-debug test-asan

test-debug: build/debug/build.ninja
	cmake --build build/debug -j $(JOBS)
	ctest --preset debug -j $(JOBS)

test-asan: build/asan/build.ninja
	cmake --build build/asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# The concurrency tests under ThreadSanitizer (not part of `make test`: TSan's build and runs are slow).
test-tsan: bootstrap build/tsan/build.ninja
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

bench: build
	bench/http_health.sh build/release/src/cli/lakehouse
	bench/tpch.py --lakehouse build/release/src/cli/lakehouse --docs docs/benchmarks.md

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror \
	  || (echo "Some files are not clang-formatted: run 'make format'." >&2; exit 1)

lint: build/debug/build.ninja
	git ls-files 'src/*.cpp' | xargs clang-tidy -p build/debug --quiet --extra-arg=-Wno-unknown-warning-option

clean:
	rm -rf build
