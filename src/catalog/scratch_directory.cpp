#include "catalog/scratch_directory.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <string_view>

#include "common/log.h"

namespace lakehouse::catalog {
namespace {

constexpr const char* kLockFile = ".lock";

Result<std::filesystem::path> ParentPath(const std::string& parent) {
  std::error_code ec;
  std::filesystem::path base =
      parent.empty() ? std::filesystem::temp_directory_path(ec) : std::filesystem::path(parent);
  if (ec) return Status::IOError(fmt::format("cannot find the temp directory: {}", ec.message()));
  return base;
}

bool AllOf(std::string_view text, std::string_view allowed) {
  return !text.empty() && text.find_first_not_of(allowed) == std::string_view::npos;
}

// The pid in a name made by Create ("lakehouse-{tag}-{pid}-{n}-{8 hex}"), or -1 for any other name.
long OwnerPid(std::string_view name) {
  if (!name.starts_with("lakehouse-")) return -1;
  name.remove_prefix(10);
  std::string_view parts[3];  // from the end: random, counter, pid
  for (auto& part : parts) {
    auto dash = name.rfind('-');
    if (dash == std::string_view::npos) return -1;
    part = name.substr(dash + 1);
    name = name.substr(0, dash);
  }
  if (parts[0].size() != 8 || !AllOf(parts[0], "0123456789abcdef") || !AllOf(parts[1], "0123456789") ||
      !AllOf(parts[2], "0123456789") || parts[2].size() > 9 ||
      !AllOf(name, "abcdefghijklmnopqrstuvwxyz0123456789-_")) {
    return -1;
  }
  return std::stol(std::string(parts[2]));
}

// The newest modification time of `dir` and the entries in it (not recursive: scratch directories
// are flat).
std::filesystem::file_time_type NewestChange(const std::filesystem::path& dir) {
  std::error_code ec;
  auto newest = std::filesystem::last_write_time(dir, ec);
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto t = entry.last_write_time(ec);
    if (!ec && t > newest) newest = t;
  }
  return newest;
}

}  // namespace

Result<std::unique_ptr<ScratchDirectory>> ScratchDirectory::Create(const std::string& parent,
                                                                   const std::string& tag) {
  static std::atomic<std::uint64_t> counter{0};
  LH_ASSIGN_OR_RETURN(auto base, ParentPath(parent));
  std::random_device random;
  auto dir = base / fmt::format("lakehouse-{}-{}-{}-{:08x}", tag, getpid(), counter.fetch_add(1), random());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot create scratch directory {}: {}; check engine.temp_dir and free space",
                    dir.string(), ec.message()));
  }
  // O_CLOEXEC: a child process started later must not keep the directory looking alive.
  int fd = ::open((dir / kLockFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_SH) != 0) {
    int error = errno;
    if (fd >= 0) ::close(fd);
    std::filesystem::remove_all(dir, ec);
    return Status::IOError(fmt::format("cannot lock scratch directory {}: {}; check engine.temp_dir",
                                       dir.string(), std::strerror(error)));
  }
  return std::unique_ptr<ScratchDirectory>(new ScratchDirectory(std::filesystem::absolute(dir).string(), fd));
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

int ScratchDirectory::RemoveAbandoned(const std::string& parent, std::chrono::seconds unlocked_grace) {
  auto base = ParentPath(parent);
  if (!base.ok()) return 0;
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(*base, ec)) {
    const std::string name = entry.path().filename().string();
    const long pid = OwnerPid(name);
    std::error_code type_ec;
    if (pid < 0 || !entry.is_directory(type_ec) || entry.is_symlink(type_ec)) continue;
    bool abandoned = false;
    int fd = ::open((entry.path() / kLockFile).c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
      abandoned = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    } else if (errno == ENOENT) {
      const bool owner_gone = pid == 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
      abandoned = owner_gone &&
                  std::filesystem::file_time_type::clock::now() - NewestChange(entry.path()) > unlocked_grace;
    }
    if (abandoned) {
      std::error_code remove_ec;
      std::filesystem::remove_all(entry.path(), remove_ec);
      if (!remove_ec) {
        ++removed;
        log::Info("removed scratch directory left by a process that died", {{"path", entry.path().string()}});
      }
    }
    if (fd >= 0) ::close(fd);
  }
  return removed;
}

}  // namespace lakehouse::catalog
