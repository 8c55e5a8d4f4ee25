#include "storage/local_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "storage/object_key.h"

namespace lakehouse {
namespace {

namespace fs = std::filesystem;

// A temp file is an orphan only if no writer holds its lock; the age check closes the short
// window between a writer creating its file and locking it.
constexpr auto kOrphanAge = std::chrono::minutes(1);
// Small appends (HTTP body chunks) are batched so a large ingest costs few write(2) calls.
constexpr std::size_t kWriterBufferBytes = std::size_t{256} << 10;
// A concurrent Delete may remove a parent folder between our mkdir and our rename.
constexpr int kPublishAttempts = 8;
constexpr mode_t kFileMode = 0644;
constexpr mode_t kFolderMode = 0755;

//! An owned file descriptor, closed on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { Reset(); }

  int get() const { return fd_; }
  //! Gives up ownership, e.g. to fdopendir(3).
  int Release() { return std::exchange(fd_, -1); }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

// The low-level helpers below return 0 or an errno value, so that each caller can turn a
// failure into a message that names the bucket, the key and the action.

int OpenFile(const std::string& path, int flags, FileDescriptor& out, mode_t mode = 0) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  out = FileDescriptor(fd);
  return 0;
}

int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// Reads up to `length` bytes at `offset`; stops early only at end of file.
int ReadAt(int fd, uint64_t offset, std::size_t length, std::string& out) {
  out.resize(length);
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return 0;
}

int SyncFile(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// A rename, link or unlink is durable only once the directory holding the entry is synced.
int SyncFolder(const std::string& folder) {
  FileDescriptor fd;
  if (const int err = OpenFile(folder, O_RDONLY | O_DIRECTORY, fd)) return err;
  return SyncFile(fd.get());
}

std::string ParentOf(const std::string& path) { return path.substr(0, path.rfind('/')); }

// Syncs the folder holding `path`. A concurrent Delete may have removed that folder once it
// was empty; then the removal is recorded in an ancestor, which is synced instead.
int SyncParentFolder(const std::string& root, const std::string& path) {
  for (std::string folder = ParentOf(path);; folder = ParentOf(folder)) {
    const int err = SyncFolder(folder);
    if (err != ENOENT || folder.size() <= root.size()) return err;
  }
}

std::string TempFolderOf(const std::string& root) { return root + "/" + std::string(kReservedKeySegment); }

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::chrono::system_clock::time_point ModificationTime(const struct stat& st) {
  const auto since_epoch =
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
}

std::string Hint(int err, const std::string& root) {
  switch (err) {
    case EACCES:
    case EPERM:
    case EROFS: return fmt::format("; check that the lakehouse process may read and write {}", root);
    case ENOSPC:
    case EDQUOT: return fmt::format("; free disk space under {}", root);
    case EMFILE:
    case ENFILE: return "; raise the open-file limit (ulimit -n)";
    case EXDEV: return fmt::format("; {} must be on the same filesystem as {}", TempFolderOf(root), root);
    default: return "";
  }
}

Status IoError(const LocalObjectStore& store, int err, std::string_view action, std::string_view key,
               std::string_view path) {
  return Status::IOError(fmt::format("bucket '{}': cannot {} object '{}' (file {}): {}{}", store.name(),
                                     action, key, path, std::generic_category().message(err),
                                     Hint(err, store.root())));
}

Status NotFound(const LocalObjectStore& store, std::string_view key, std::string_view why = "") {
  return Status::NotFound(fmt::format("bucket '{}' has no object '{}'{}", store.name(), key, why));
}

// `blocker` names the object in the way, e.g. "object 'a'".
Status FolderConflict(const LocalObjectStore& store, std::string_view key, std::string_view blocker) {
  return Status::FailedPrecondition(fmt::format(
      "bucket '{}': cannot store object '{}' because {} exists; in a local bucket a key cannot also be "
      "a folder of other keys, so delete one of them or choose another key",
      store.name(), key, blocker));
}

// The validated key's file. The validator already rules out "..", "." and "//"; checking the
// normalized path again means a future validator bug cannot turn into a write outside the root.
Result<std::string> PathOf(const LocalObjectStore& store, std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string path = store.root() + "/" + std::string(key);
  const std::string normal = fs::path(path).lexically_normal().string();
  if (normal != path || !StartsWith(normal, store.root() + "/")) {
    return Status::Internal(fmt::format(
        "bucket '{}': object key '{}' resolves outside the bucket root {}; this is a bug, please report it",
        store.name(), key, store.root()));
  }
  return path;
}

//! A file under <root>/.lakehouse-tmp/ that becomes an object when published; deleted otherwise.
//! Holds an exclusive flock so that orphan cleanup in any process leaves it alone.
class TempFile {
 public:
  TempFile() = default;
  TempFile(TempFile&& other) noexcept
      : fd_(std::move(other.fd_)), path_(std::exchange(other.path_, std::string())) {}
  TempFile& operator=(TempFile&& other) noexcept {
    if (this != &other) {
      Discard();
      fd_ = std::move(other.fd_);
      path_ = std::exchange(other.path_, std::string());
    }
    return *this;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { Discard(); }

  static Result<TempFile> Create(const LocalObjectStore& store, std::string_view key) {
    static std::atomic<uint64_t> counter{0};
    const std::string folder = TempFolderOf(store.root());
    int err = 0;
    for (int attempt = 0; attempt < kPublishAttempts; ++attempt) {
      TempFile temp;
      temp.path_ = fmt::format("{}/{}-{}-{}.tmp", folder, ::getpid(), counter.fetch_add(1),
                               std::chrono::steady_clock::now().time_since_epoch().count());
      err = OpenFile(temp.path_, O_WRONLY | O_CREAT | O_EXCL, temp.fd_, kFileMode);
      if (err == 0) {
        while (::flock(temp.fd_.get(), LOCK_EX) != 0) {
          if (errno != EINTR) return IoError(store, errno, "lock the temporary file of", key, temp.path_);
        }
        return temp;
      }
      temp.path_.clear();
      // Someone removed the temp folder (or a name collided): recreate it and try again.
      if (err == ENOENT && ::mkdir(folder.c_str(), kFolderMode) != 0 && errno != EEXIST) err = errno;
      if (err != ENOENT && err != EEXIST) break;
    }
    return IoError(store, err, "create a temporary file for", key, folder);
  }

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

  //! Moves the file at `source` to this temporary file's name (its bytes become this file's) and
  //! holds the lock on it. Returns 0, or the errno of the failure (EXDEV: another filesystem),
  //! after which `source` is untouched and this file is discarded.
  int TakeOver(const std::string& source) {
    // Orphan cleanup spares files changed in the last minute: the one moment the moved file is
    // not yet locked, it must look new.
    if (::utimensat(AT_FDCWD, source.c_str(), nullptr, 0) != 0 ||
        ::rename(source.c_str(), path_.c_str()) != 0) {
      const int err = errno;
      Discard();
      return err;
    }
    FileDescriptor moved;
    if (const int err = OpenFile(path_, O_RDONLY, moved)) {
      Discard();
      return err;
    }
    while (::flock(moved.get(), LOCK_EX) != 0) {
      if (errno != EINTR) {
        const int err = errno;
        Discard();
        return err;
      }
    }
    fd_ = std::move(moved);
    return 0;
  }

  //! The file was renamed into place: it is the object now, so only close it.
  void Release() {
    fd_.Reset();
    path_.clear();
  }

  //! Closes and deletes the file.
  void Discard() {
    fd_.Reset();
    if (!path_.empty()) ::unlink(path_.c_str());
    path_.clear();
  }

 private:
  FileDescriptor fd_;
  std::string path_;
};

// Creates the folders above `key`'s file, syncing each new folder's parent so that the new
// entries survive a crash. Returns FailedPrecondition if an object sits where a folder must go.
Status CreateParentFolders(const LocalObjectStore& store, std::string_view key) {
  for (std::size_t slash = key.find('/'); slash != std::string_view::npos; slash = key.find('/', slash + 1)) {
    const std::string folder = store.root() + "/" + std::string(key.substr(0, slash));
    if (::mkdir(folder.c_str(), kFolderMode) == 0) {
      const int err = SyncFolder(ParentOf(folder));
      if (err == ENOENT) return Status::OK();  // a concurrent Delete removed it again; the caller retries
      if (err != 0) return IoError(store, err, "create the folder of", key, folder);
      continue;
    }
    const int err = errno;
    if (err == EEXIST) {
      struct stat st {};
      if (::lstat(folder.c_str(), &st) != 0) return Status::OK();  // vanished; the caller retries
      if (S_ISDIR(st.st_mode)) continue;
      if (S_ISREG(st.st_mode)) {
        return FolderConflict(store, key, fmt::format("object '{}'", key.substr(0, slash)));
      }
      return IoError(store, ELOOP, "create the folder of", key, folder);
    }
    // ENOENT: a concurrent Delete removed a folder we just made; the caller retries.
    if (err == ENOENT) return Status::OK();
    if (err == ENOTDIR) return FolderConflict(store, key, "an object above it");
    return IoError(store, err, "create the folder of", key, folder);
  }
  return Status::OK();
}

// Makes a fully written temp file the object at `path`: rename replaces any existing object,
// link fails if one exists. Either is atomic, so readers never see a partial object.
Status Publish(const LocalObjectStore& store, TempFile& temp, std::string_view key, const std::string& path,
               bool replace) {
  const std::string_view action = replace ? "write" : "create";
  if (const int err = SyncFile(temp.fd())) return IoError(store, err, action, key, temp.path());
  for (int attempt = 1;; ++attempt) {
    const int rc =
        replace ? ::rename(temp.path().c_str(), path.c_str()) : ::link(temp.path().c_str(), path.c_str());
    if (rc == 0) break;
    const int err = errno;
    if (err == ENOENT && attempt < kPublishAttempts) {
      LH_RETURN_IF_ERROR(CreateParentFolders(store, key));
      continue;
    }
    struct stat st {};
    const bool is_folder = ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (err == EISDIR || ((err == EEXIST || err == ENOTEMPTY) && is_folder)) {
      return Status::FailedPrecondition(fmt::format(
          "bucket '{}': cannot store object '{}' because objects exist under '{}/'; in a local bucket a "
          "key cannot also be a folder of other keys, so choose another key",
          store.name(), key, key));
    }
    if (err == EEXIST && !replace) {
      return Status::AlreadyExists(fmt::format("bucket '{}' already has object '{}'", store.name(), key));
    }
    if (err == ENOTDIR) {
      LH_RETURN_IF_ERROR(CreateParentFolders(store, key));  // reports which object is in the way
    }
    return IoError(store, err, action, key, path);
  }
  if (replace) {
    temp.Release();
  } else {
    temp.Discard();
  }
  if (const int err = SyncParentFolder(store.root(), path)) {
    return IoError(store, err, "make durable (the object is visible but may not survive a crash)", key, path);
  }
  return Status::OK();
}

// Opens an object's file for reading; a folder or symlink at the path is not an object.
Status OpenObject(const LocalObjectStore& store, std::string_view key, const std::string& path,
                  FileDescriptor& fd, struct stat& st) {
  const int err = OpenFile(path, O_RDONLY | O_NOFOLLOW, fd);
  if (err == ENOENT || err == ENOTDIR) return NotFound(store, key);
  if (err == ELOOP)
    return NotFound(store, key, " (the file is a symbolic link, which a local bucket does not follow)");
  if (err != 0) return IoError(store, err, "open", key, path);
  if (::fstat(fd.get(), &st) != 0) return IoError(store, errno, "stat", key, path);
  if (S_ISDIR(st.st_mode))
    return NotFound(store, key, fmt::format(" ('{}/' is a folder of other objects)", key));
  if (!S_ISREG(st.st_mode)) return NotFound(store, key, " (the file is not a regular file)");
  return Status::OK();
}

class LocalObjectWriter final : public ObjectWriter {
 public:
  LocalObjectWriter(const LocalObjectStore& store, std::string key, std::string path, TempFile temp)
      : store_(store), key_(std::move(key)), path_(std::move(path)), temp_(std::move(temp)) {}
  ~LocalObjectWriter() override { Abort(); }

  Status Append(std::string_view data) override {
    LH_RETURN_IF_ERROR(CheckOpen("append to"));
    bytes_written_ += data.size();
    if (buffer_.size() + data.size() <= kWriterBufferBytes) {
      buffer_.append(data);
      return Status::OK();
    }
    LH_RETURN_IF_ERROR(Flush());
    if (data.size() >= kWriterBufferBytes) return WriteOrAbort(data);
    buffer_.append(data);
    return Status::OK();
  }

  Status Commit() override {
    LH_RETURN_IF_ERROR(CheckOpen("commit"));
    LH_RETURN_IF_ERROR(Flush());
    Status status = Publish(store_, temp_, key_, path_, /*replace=*/true);
    if (!status.ok()) {
      Abort();
      return status;
    }
    state_ = State::kCommitted;
    return Status::OK();
  }

  void Abort() override {
    if (state_ != State::kOpen) return;
    temp_.Discard();
    buffer_.clear();
    buffer_.shrink_to_fit();
    state_ = State::kAborted;
  }

  const std::string& key() const override { return key_; }
  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  enum class State { kOpen, kCommitted, kAborted };

  Status CheckOpen(std::string_view action) const {
    if (state_ == State::kOpen) return Status::OK();
    return Status::FailedPrecondition(fmt::format(
        "bucket '{}': cannot {} the writer of object '{}' because it was already {}; start a new writer",
        store_.name(), action, key_, state_ == State::kCommitted ? "committed" : "aborted"));
  }

  Status Flush() {
    if (buffer_.empty()) return Status::OK();
    LH_RETURN_IF_ERROR(WriteOrAbort(buffer_));
    buffer_.clear();
    return Status::OK();
  }

  Status WriteOrAbort(std::string_view data) {
    if (const int err = WriteAll(temp_.fd(), data)) {
      Status status = IoError(store_, err, "write", key_, temp_.path());
      Abort();
      return status;
    }
    return Status::OK();
  }

  const LocalObjectStore& store_;
  std::string key_;
  std::string path_;
  TempFile temp_;
  std::string buffer_;
  uint64_t bytes_written_ = 0;
  State state_ = State::kOpen;
};

Status WriteObject(const LocalObjectStore& store, std::string_view key, std::string_view data, bool replace) {
  LH_ASSIGN_OR_RETURN(const std::string path, PathOf(store, key));
  LH_ASSIGN_OR_RETURN(TempFile temp, TempFile::Create(store, key));
  if (const int err = WriteAll(temp.fd(), data)) return IoError(store, err, "write", key, temp.path());
  return Publish(store, temp, key, path, replace);
}

// Lists the objects in `folder` (a key prefix ending in '/', or "" for the root) and below it
// whose keys start with `prefix`. Entries that vanish meanwhile (a concurrent Delete) are
// skipped; so are the temp folder, symlinks and files whose names are not valid keys.
Status ListFolder(const LocalObjectStore& store, const std::string& folder, std::string_view prefix,
                  std::vector<ObjectInfo>& out) {
  const std::string dir_path = folder.empty() ? store.root() : store.root() + "/" + folder;
  FileDescriptor fd;
  const int err = OpenFile(dir_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, fd);
  if (err == ENOENT || err == ENOTDIR || err == ELOOP) return Status::OK();
  if (err != 0) return IoError(store, err, "list", folder, dir_path);
  DirHandle dir(::fdopendir(fd.get()));
  if (dir == nullptr) return IoError(store, errno, "list", folder, dir_path);
  fd.Release();

  std::vector<std::string> subfolders;
  // readdir(3) is safe here: each DIR stream is used by one thread only.
  while (const dirent* entry = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe)
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string key = folder + std::string(name);
    struct stat st {};
    if (::fstatat(::dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (folder.empty() && name == kReservedKeySegment) continue;
      key += '/';
      if (StartsWith(key, prefix)) subfolders.push_back(std::move(key));
    } else if (S_ISREG(st.st_mode) && StartsWith(key, prefix) && ValidateObjectKey(key).ok()) {
      out.push_back(ObjectInfo{std::move(key), static_cast<uint64_t>(st.st_size), ModificationTime(st)});
    }
  }
  dir.reset();
  for (const std::string& subfolder : subfolders) {
    LH_RETURN_IF_ERROR(ListFolder(store, subfolder, prefix, out));
  }
  return Status::OK();
}

// Best effort: a temp file that cannot be removed now is retried at the next Open.
void RemoveOrphanedTempFiles(const std::string& root) {
  const std::string folder = TempFolderOf(root);
  FileDescriptor fd;
  if (OpenFile(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, fd) != 0) return;
  DirHandle dir(::fdopendir(fd.get()));
  if (dir == nullptr) return;
  fd.Release();
  std::vector<std::string> names;
  // readdir(3) is safe here: each DIR stream is used by one thread only.
  while (const dirent* entry = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe)
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const auto now = std::chrono::system_clock::now();
  for (const std::string& name : names) {
    const int file =
        ::openat(::dirfd(dir.get()), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (file < 0) continue;
    const FileDescriptor owned(file);
    struct stat st {};
    if (::flock(file, LOCK_EX | LOCK_NB) != 0) continue;  // a live writer holds it
    if (::fstat(file, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (now - ModificationTime(st) < kOrphanAge) continue;
    ::unlinkat(::dirfd(dir.get()), name.c_str(), 0);
  }
}

}  // namespace

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(std::string name, std::string root_dir) {
  if (root_dir.empty()) {
    return Status::InvalidArgument(fmt::format("bucket '{}' needs a root directory; set its path", name));
  }
  std::error_code ec;
  fs::create_directories(root_dir, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("bucket '{}': cannot create root directory {}: {}; check the path and its "
                    "permissions",
                    name, root_dir, ec.message()));
  }
  const fs::path root_path = fs::canonical(root_dir, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("bucket '{}': cannot resolve root directory {}: {}", name, root_dir, ec.message()));
  }
  if (!fs::is_directory(root_path, ec)) {
    return Status::IOError(fmt::format(
        "bucket '{}': root {} is not a directory; point the bucket at a directory", name, root_dir));
  }
  if (root_path == root_path.root_path()) {
    return Status::InvalidArgument(fmt::format(
        "bucket '{}': refusing to use the filesystem root as a bucket; choose a directory", name));
  }
  std::unique_ptr<LocalObjectStore> store(new LocalObjectStore(std::move(name), root_path.string()));
  const std::string temp_folder = TempFolderOf(store->root_);
  if (::mkdir(temp_folder.c_str(), kFolderMode) != 0 && errno != EEXIST) {
    const int err = errno;
    return Status::IOError(fmt::format("bucket '{}': cannot create {}: {}{}", store->name_, temp_folder,
                                       std::generic_category().message(err), Hint(err, store->root_)));
  }
  RemoveOrphanedTempFiles(store->root_);
  return store;
}

Status LocalObjectStore::Put(std::string_view key, std::string_view data) {
  return WriteObject(*this, key, data, /*replace=*/true);
}

Status LocalObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  return WriteObject(*this, key, data, /*replace=*/false);
}

Result<std::string> LocalObjectStore::Get(std::string_view key) {
  LH_ASSIGN_OR_RETURN(const std::string path, PathOf(*this, key));
  FileDescriptor fd;
  struct stat st {};
  LH_RETURN_IF_ERROR(OpenObject(*this, key, path, fd, st));
  std::string data;
  if (const int err = ReadAt(fd.get(), 0, static_cast<std::size_t>(st.st_size), data)) {
    return IoError(*this, err, "read", key, path);
  }
  return data;
}

Result<std::string> LocalObjectStore::GetRange(std::string_view key, uint64_t offset, uint64_t length) {
  LH_ASSIGN_OR_RETURN(const std::string path, PathOf(*this, key));
  FileDescriptor fd;
  struct stat st {};
  LH_RETURN_IF_ERROR(OpenObject(*this, key, path, fd, st));
  const auto size = static_cast<uint64_t>(st.st_size);
  if (offset > size) {
    return Status::InvalidArgument(
        fmt::format("bucket '{}': offset {} is beyond the end of object '{}' ({} bytes); "
                    "ask for an offset of at most {}",
                    name_, offset, key, size, size));
  }
  std::string data;
  if (const int err =
          ReadAt(fd.get(), offset, static_cast<std::size_t>(std::min(length, size - offset)), data)) {
    return IoError(*this, err, "read", key, path);
  }
  return data;
}

Result<ObjectInfo> LocalObjectStore::Head(std::string_view key) {
  LH_ASSIGN_OR_RETURN(const std::string path, PathOf(*this, key));
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return NotFound(*this, key);
    return IoError(*this, err, "stat", key, path);
  }
  if (S_ISDIR(st.st_mode))
    return NotFound(*this, key, fmt::format(" ('{}/' is a folder of other objects)", key));
  if (!S_ISREG(st.st_mode)) return NotFound(*this, key, " (the file is not a regular file)");
  return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size), ModificationTime(st)};
}

Result<std::vector<ObjectInfo>> LocalObjectStore::List(std::string_view prefix) {
  LH_RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
  const std::size_t last_slash = prefix.rfind('/');
  const std::string folder(last_slash == std::string_view::npos ? std::string_view()
                                                                : prefix.substr(0, last_slash + 1));
  std::vector<ObjectInfo> objects;
  LH_RETURN_IF_ERROR(ListFolder(*this, folder, prefix, objects));
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

Status LocalObjectStore::Delete(std::string_view key) {
  LH_ASSIGN_OR_RETURN(const std::string path, PathOf(*this, key));
  if (::unlink(path.c_str()) != 0) {
    const int err = errno;
    // EISDIR: the key is a folder of other objects, so no object has this key.
    if (err == ENOENT || err == ENOTDIR || err == EISDIR) return Status::OK();
    return IoError(*this, err, "delete", key, path);
  }
  if (const int err = SyncParentFolder(root_, path)) {
    return IoError(*this, err, "make durable the deletion of", key, path);
  }
  // Best effort: a folder that is not empty (or was just refilled by a Put) stays.
  for (std::string folder = ParentOf(path); folder.size() > root_.size(); folder = ParentOf(folder)) {
    if (::rmdir(folder.c_str()) != 0) break;
  }
  return Status::OK();
}

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::NewWriter(std::string_view key) {
  LH_ASSIGN_OR_RETURN(std::string path, PathOf(*this, key));
  LH_ASSIGN_OR_RETURN(TempFile temp, TempFile::Create(*this, key));
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<LocalObjectWriter>(*this, std::string(key), std::move(path), std::move(temp)));
}

Result<bool> LocalObjectStore::AdoptFile(std::string_view key, const std::string& path) {
  LH_ASSIGN_OR_RETURN(std::string target, PathOf(*this, key));
  LH_ASSIGN_OR_RETURN(TempFile temp, TempFile::Create(*this, key));
  if (const int err = temp.TakeOver(path)) {
    if (err == EXDEV) return false;
    return IoError(*this, err, "move a local file into", key, path);
  }
  LH_RETURN_IF_ERROR(Publish(*this, temp, key, target, /*replace=*/true));
  return true;
}

Result<std::string> LocalObjectStore::Uri(std::string_view key) const { return PathOf(*this, key); }

}  // namespace lakehouse
