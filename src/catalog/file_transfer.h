// Moving whole files between the local disk (where DuckDB reads and writes Parquet) and an
// ObjectStore, streaming so that large files never sit whole in memory.
//
// Pure functions; safe from any thread for distinct files and keys.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "storage/object_store.h"

namespace lakehouse::catalog {

//! What UploadFile stored.
struct UploadedFile {
  std::uint64_t size = 0;  //!< bytes
  std::string sha256;      //!< hex SHA-256 of the bytes
};

//! Streams the local file at `path` into `store` under `key` (published only when complete).
//! IOError if the file cannot be read; the store's error if it cannot be written.
Result<UploadedFile> UploadFile(const std::string& path, ObjectStore& store, const std::string& key);

//! Like UploadFile, but the file is moved into the object when the store can take it so
//! (ObjectStore::AdoptFile: a local bucket on the same filesystem), which spares copying its bytes;
//! its SHA-256 is computed meanwhile. Otherwise it is uploaded and `path` stays for the caller to
//! remove. Meant for scratch files made to become objects.
Result<UploadedFile> MoveFileInto(const std::string& path, ObjectStore& store, const std::string& key);

//! Writes the whole object `key` of `store` to the local file `path`.
Status DownloadFile(ObjectStore& store, const std::string& key, const std::string& path);

}  // namespace lakehouse::catalog
