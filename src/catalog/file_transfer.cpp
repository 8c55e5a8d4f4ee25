#include "catalog/file_transfer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>
#include <vector>

#include "common/sha256.h"

namespace lakehouse::catalog {
namespace {
constexpr std::size_t kChunkBytes = 4 << 20;

// Reads `in` (the file at `path`) to its end in pieces, handing each to `each` (a Status-returning
// callable); stops at the first error.
template <typename Each>
Status ForEachPiece(std::ifstream& in, const std::string& path, Each&& each) {
  std::vector<char> buffer(kChunkBytes);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    LH_RETURN_IF_ERROR(each(std::string_view(buffer.data(), got)));
  }
  if (in.bad()) return Status::IOError(fmt::format("reading {} failed part way", path));
  return Status::OK();
}

}  // namespace

Result<UploadedFile> UploadFile(const std::string& path, ObjectStore& store, const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  LH_ASSIGN_OR_RETURN(auto writer, store.NewWriter(key));
  UploadedFile uploaded;
  Sha256 hash;
  Status streamed = ForEachPiece(in, path, [&](std::string_view piece) {
    hash.Update(piece);
    uploaded.size += piece.size();
    return writer->Append(piece);
  });
  if (!streamed.ok()) {
    writer->Abort();
    return streamed;
  }
  LH_RETURN_IF_ERROR(writer->Commit());
  uploaded.sha256 = hash.HexDigest();
  return uploaded;
}

struct GrowingFile::State {
  int fd = -1;
  Status failed;  // the first error of Advance, returned ever after
  std::uint64_t hashed = 0;
  Sha256 hash;
  std::vector<char> buffer;
  ~State() {
    if (fd >= 0) ::close(fd);
  }
};

GrowingFile::GrowingFile(std::string path) : path_(std::move(path)), state_(std::make_unique<State>()) {}

GrowingFile::~GrowingFile() = default;

Status GrowingFile::Open() {
  if (state_->fd >= 0) return Status::OK();
  state_->fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (state_->fd < 0) return Status::IOError(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
  return Status::OK();
}

Status GrowingFile::Advance() { return HashAppended(/*flush=*/true); }

Status GrowingFile::HashAppended(bool flush) {
  if (!state_->failed.ok()) return state_->failed;
  Status advanced = HashAppendedOnce(flush);
  if (!advanced.ok()) state_->failed = advanced;  // an error is for good (see the header)
  return advanced;
}

Status GrowingFile::HashAppendedOnce(bool flush) {
  if (state_->fd < 0) {
    state_->fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (state_->fd < 0 && errno == ENOENT) return Status::OK();  // not written yet
    if (state_->fd < 0)
      return Status::IOError(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(state_->fd, &info) != 0) {
    return Status::IOError(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size < state_->hashed) {
    return Status::IOError(
        fmt::format("{} shrank from {} to {} bytes while it was being written", path_, state_->hashed, size));
  }
  if (size == state_->hashed) return Status::OK();
  if (state_->buffer.empty()) state_->buffer.resize(kChunkBytes);
  while (state_->hashed < size) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBytes, size - state_->hashed));
    const ssize_t got = ::pread(state_->fd, state_->buffer.data(), want, static_cast<off_t>(state_->hashed));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return Status::IOError(fmt::format("reading {} failed at byte {}: {}", path_, state_->hashed,
                                         got == 0 ? "the file ended early" : std::strerror(errno)));
    }
    state_->hash.Update(std::string_view(state_->buffer.data(), static_cast<std::size_t>(got)));
    state_->hashed += static_cast<std::uint64_t>(got);
  }
  // To disk now, while the writer still computes: the store's fsync then has almost nothing left
  // (on ext4 the first fsync after a large write waits for all of it, whichever file it is for).
  // A failure here may be the only report of a lost write, so it is an error for good. (Finish
  // leaves the last bytes to the store's own fsync.)
  while (flush && ::fdatasync(state_->fd) != 0) {
    if (errno != EINTR) {
      return Status::IOError(fmt::format("writing {} to disk failed: {}", path_, std::strerror(errno)));
    }
  }
  return Status::OK();
}

std::uint64_t GrowingFile::hashed_bytes() const { return state_->hashed; }

Result<UploadedFile> GrowingFile::Finish() {
  LH_RETURN_IF_ERROR(Open());
  LH_RETURN_IF_ERROR(HashAppended(/*flush=*/false));
  return UploadedFile{state_->hashed, state_->hash.HexDigest()};
}

Result<UploadedFile> MoveFileInto(GrowingFile& followed, ObjectStore& store, const std::string& key) {
  if (!store.adopts_files()) return UploadFile(followed.path(), store, key);
  // Open before the move: the hash reads the same file wherever it goes, while the store syncs it.
  LH_RETURN_IF_ERROR(followed.Open());
  auto hashing = std::async(std::launch::async | std::launch::deferred, [&] { return followed.Finish(); });
  Result<bool> adopted = store.AdoptFile(key, followed.path());
  Result<UploadedFile> hashed = hashing.get();
  if (!adopted.ok()) return adopted.status();
  if (!*adopted) return UploadFile(followed.path(), store, key);
  if (!hashed.ok()) {
    (void)store.Delete(key);
    return hashed.status();
  }
  return hashed;
}

Result<UploadedFile> MoveFileInto(const std::string& path, ObjectStore& store, const std::string& key) {
  GrowingFile file(path);
  return MoveFileInto(file, store, key);
}

Status DownloadFile(ObjectStore& store, const std::string& key, const std::string& path) {
  LH_ASSIGN_OR_RETURN(auto info, store.Head(key));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  for (std::uint64_t offset = 0; offset < info.size; offset += kChunkBytes) {
    LH_ASSIGN_OR_RETURN(auto piece, store.GetRange(key, offset, kChunkBytes));
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  }
  out.close();
  if (!out) return Status::IOError(fmt::format("writing {} failed; check free space", path));
  return Status::OK();
}

}  // namespace lakehouse::catalog
