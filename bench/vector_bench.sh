#!/usr/bin/env bash
# Vector search against the original design and its peers, in one run: bench/vector_bench (ours:
# HNSW over hnswlib in the vector module) and bench/vector_peers.py (hnswlib, FAISS HNSWFlat and
# LanceDB IVF_PQ from PyPI) on the same 100K x 768 vectors, queries and exact ground truth; ours
# also on the real-text set, the demo resumes embedded with all-MiniLM-L6-v2 from the cache.
#
#   bench/vector_bench.sh [BUILD_DIR] [vector_bench flags...]   (default build/release; needs
#                                                                its bench/vector_bench)
#
# The peers are installed into a bench-only venv outside the repository
# ($LAKEHOUSE_CACHE/vector-peers-venv, pinned by bench/requirements-vector-peers.txt); CI never
# needs them. Rewrites the "vector-bench" section of docs/benchmarks.md.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build/release}
shift || true
bench=$build/bench/vector_bench
cache=${LAKEHOUSE_CACHE:-$HOME/.cache/lakehouse}
venv=$cache/vector-peers-venv
req=$repo/bench/requirements-vector-peers.txt
[ -x "$bench" ] || { echo "bench: $bench is not built; build the vector_bench target of $build (LAKEHOUSE_BUILD_BENCH=ON)" >&2; exit 1; }

if [ ! -f "$venv/requirements.sha256" ] || [ "$(cat "$venv/requirements.sha256")" != "$(sha256sum <"$req")" ]; then
  echo "bench: preparing $venv (hnswlib, faiss-cpu, lancedb from PyPI; once)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$req"
  sha256sum <"$req" >"$venv/requirements.sha256"
fi

dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
cd "$repo"
# The real-text set: the demo resumes embedded with the model bootstrap placed in the cache.
real=()
model=$cache/models/all-MiniLM-L6-v2.f32.gguf
if [ -f "$model" ]; then real=(--real "$model"); else echo "bench: $model is missing (run bootstrap); synthetic set only" >&2; fi
"$bench" --n 100000 --dims 768 --queries 1000 --m 16 --efc 80 "${real[@]}" --dump "$dump" \
  --peers "$venv/bin/python $repo/bench/vector_peers.py" --docs "$repo/docs/benchmarks.md" "$@"
