// ObjectStore: one bucket of immutable, atomically published objects.
//
// Every durable byte of Lakehouse lives in an ObjectStore. Objects are replaced whole, never
// modified in place: a reader sees either the old or the new content of a key, never a mix or a
// prefix. Keys are checked with ValidateObjectKey (storage/object_key.h) by every method before
// anything else happens; an invalid key gives InvalidArgument and touches nothing. A failed
// write publishes nothing, except a failure of the very last durability step, whose message
// then says that the object is visible but may not survive a crash.
//
// Thread-safety: implementations are safe for concurrent use by many threads without external
// locking. An ObjectWriter is not: it belongs to the one thread that is writing it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lakehouse {

//! What a bucket knows about one object without reading it.
struct ObjectInfo {
  std::string key;                                      //!< the object's full key
  uint64_t size = 0;                                    //!< length in bytes
  std::chrono::system_clock::time_point last_modified;  //!< when the current content was published
};

//! Streams one large object into a store without holding it in memory. Nothing is visible under
//! the key until Commit() succeeds; then the whole object appears at once, replacing any object
//! that had the key. Not thread-safe. The store that made the writer must outlive it.
class ObjectWriter {
 public:
  ObjectWriter() = default;
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;
  //! Aborts the write unless Commit() succeeded.
  virtual ~ObjectWriter() = default;

  //! Adds `data` to the end of the object. Returns IOError if the bytes could not be stored; the
  //! writer is then aborted and every later call returns FailedPrecondition.
  virtual Status Append(std::string_view data) = 0;

  //! Durably publishes everything appended so far under the key. Returns OK on success. On
  //! failure nothing is published and the writer is aborted. Returns FailedPrecondition if the
  //! writer was already committed or aborted.
  virtual Status Commit() = 0;

  //! Discards everything appended; nothing becomes visible. Safe to call more than once and after
  //! Commit() (then it does nothing).
  virtual void Abort() = 0;

  //! The key this writer publishes to.
  virtual const std::string& key() const = 0;

  //! Bytes appended so far.
  virtual uint64_t bytes_written() const = 0;
};

//! A bucket: a flat namespace of objects addressed by '/'-separated keys.
class ObjectStore {
 public:
  ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;
  virtual ~ObjectStore() = default;

  //! The bucket's name, e.g. "primary"; used in every error message.
  virtual const std::string& name() const = 0;

  //! Stores `data` under `key`, atomically replacing any object that had the key. When OK is
  //! returned the object is durable. Returns a non-OK status on error; the old object (if any)
  //! is then still intact.
  virtual Status Put(std::string_view key, std::string_view data) = 0;

  //! Like Put, but only if no object has `key`; of any number of concurrent callers (threads or
  //! processes) at most one succeeds. Returns AlreadyExists if the key exists. Meant for leases
  //! and other create-once markers.
  virtual Status PutIfAbsent(std::string_view key, std::string_view data) = 0;

  //! Returns the whole object. Returns NotFound if no object has `key`. For objects too large
  //! to hold in memory use GetRange, or Uri and let the engine read it.
  virtual Result<std::string> Get(std::string_view key) = 0;

  //! Returns up to `length` bytes starting at byte `offset`; a range running past the end is
  //! cut at the end, and offset == size gives an empty string. Returns InvalidArgument if
  //! `offset` is beyond the end of the object, NotFound if no object has `key`.
  virtual Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) = 0;

  //! Returns the object's size and modification time without reading it. Returns NotFound if
  //! no object has `key`.
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  //! Returns every object whose key starts with `prefix` (at any depth), sorted by key bytewise.
  //! The empty prefix lists the whole bucket. Writes still in progress are never listed. A prefix
  //! matching nothing gives an empty list, not an error. Returns InvalidArgument for a prefix
  //! that ValidateObjectPrefix rejects.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;

  //! Removes the object with `key`. Returns OK on success; it is not an error if the key did not
  //! exist.
  virtual Status Delete(std::string_view key) = 0;

  //! Starts a streaming write of `key`; see ObjectWriter. Returns IOError if the store cannot
  //! start a write (e.g. its root is not writable).
  virtual Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) = 0;

  //! Whether AdoptFile can move local files in (the store keeps its objects as local files).
  virtual bool adopts_files() const { return false; }

  //! Makes the local file at `path` the object `key` (durably, replacing any object that had the
  //! key) by moving the file, without copying its bytes. Returns true when done (`path` is gone),
  //! false when the store cannot take this file so (it keeps objects elsewhere, or `path` is on
  //! another filesystem); `path` is then untouched. Errors as Put.
  virtual Result<bool> AdoptFile(std::string_view key, const std::string& path) {
    (void)key;
    (void)path;
    return false;
  }

  //! Returns where an engine can read the object: an absolute file path for a local bucket, an
  //! s3:// URI for S3. The object need not exist. Returns InvalidArgument for an invalid key.
  virtual Result<std::string> Uri(std::string_view key) const = 0;
};

}  // namespace lakehouse
