#include "catalog/file_transfer.h"

#include <fmt/format.h>

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

Result<UploadedFile> MoveFileInto(const std::string& path, ObjectStore& store, const std::string& key) {
  if (!store.adopts_files()) return UploadFile(path, store, key);
  // Open before the move: the hash reads the same file wherever it goes, while the store syncs it.
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  UploadedFile read;
  auto hashing = std::async(std::launch::async | std::launch::deferred, [&] {
    Sha256 hash;
    Status status = ForEachPiece(in, path, [&](std::string_view piece) {
      hash.Update(piece);
      read.size += piece.size();
      return Status::OK();
    });
    if (status.ok()) read.sha256 = hash.HexDigest();
    return status;
  });
  Result<bool> adopted = store.AdoptFile(key, path);
  Status hashed = hashing.get();
  if (!adopted.ok()) return adopted.status();
  if (!*adopted) return UploadFile(path, store, key);
  if (!hashed.ok()) {
    (void)store.Delete(key);
    return hashed;
  }
  return read;
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
