// Moving whole files between the local disk (where DuckDB reads and writes Parquet) and an
// ObjectStore, streaming so that large files never sit whole in memory.
//
// Pure functions; safe from any thread for distinct files and keys.
#pragma once

#include <cstdint>
#include <memory>
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

//! Follows a local file that another writer (DuckDB writing Parquet) only appends to: each
//! Advance() hashes the bytes added since the last one and flushes them to disk (fdatasync). Once
//! the writer has closed the file, MoveFileInto(..., &followed) hashes only the bytes after the
//! last Advance(), and the store's fsync has almost nothing left to wait for.
//!
//! The file must only grow: a writer that rewrote bytes already hashed would leave a wrong
//! checksum (tests/ingest/ingester_test.cpp checks that DuckDB's Parquet writer appends). A file
//! found shorter than what was hashed, or a failed read or flush, is an IOError that every later
//! Advance() and Finish() returns again (a failed flush may be the only report of a lost write).
//! One thread at a time.
class GrowingFile {
 public:
  explicit GrowingFile(std::string path);
  ~GrowingFile();
  GrowingFile(const GrowingFile&) = delete;
  GrowingFile& operator=(const GrowingFile&) = delete;

  //! Opens the file if it is not open yet (Advance does so too); from then on it may be renamed.
  //! IOError if it cannot be opened.
  Status Open();
  //! Hashes what was appended since the last call. A file that does not exist yet is not an error.
  Status Advance();
  //! After the writer is done: hashes the rest (without flushing it: storing the file syncs it) and
  //! returns the size and SHA-256 of the whole file.
  Result<UploadedFile> Finish();

  const std::string& path() const { return path_; }
  //! Bytes hashed so far.
  std::uint64_t hashed_bytes() const;

 private:
  //! Hashes the bytes appended since the last call; `flush`: and fdatasyncs them.
  Status HashAppended(bool flush);
  Status HashAppendedOnce(bool flush);

  struct State;
  std::string path_;
  std::unique_ptr<State> state_;
};

//! MoveFileInto for a file `followed` has hashed up to its last Advance() (the same path).
Result<UploadedFile> MoveFileInto(GrowingFile& followed, ObjectStore& store, const std::string& key);

//! Writes the whole object `key` of `store` to the local file `path`.
Status DownloadFile(ObjectStore& store, const std::string& key, const std::string& path);

}  // namespace lakehouse::catalog
