#include "catalog/scratch_directory.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>

namespace lakehouse::catalog {

Result<std::unique_ptr<ScratchDirectory>> ScratchDirectory::Create(const std::string& parent,
                                                                   const std::string& tag) {
  static std::atomic<std::uint64_t> counter{0};
  std::error_code ec;
  std::filesystem::path base =
      parent.empty() ? std::filesystem::temp_directory_path(ec) : std::filesystem::path(parent);
  if (ec) return Status::IOError(fmt::format("cannot find the temp directory: {}", ec.message()));
  std::random_device random;
  auto dir = base / fmt::format("lakehouse-{}-{}-{}-{:08x}", tag, getpid(), counter.fetch_add(1), random());
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot create scratch directory {}: {}; check engine.temp_dir and free space",
                    dir.string(), ec.message()));
  }
  return std::unique_ptr<ScratchDirectory>(new ScratchDirectory(std::filesystem::absolute(dir).string()));
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace lakehouse::catalog
