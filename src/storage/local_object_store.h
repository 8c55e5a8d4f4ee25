// LocalObjectStore: a bucket kept in a directory of the local filesystem.
//
// The object with key "a/b/c" is the file <root>/a/b/c. Writes go to a temporary file under
// <root>/.lakehouse-tmp/, are fsynced, then renamed (Put, ObjectWriter) or hard-linked
// (PutIfAbsent) into place, and the parent directory is fsynced; so a crash leaves either the
// old object or the new one, plus at worst an orphaned temporary file. Temporary files are never
// listed. Open() removes orphaned ones: those older than a minute that no live writer holds
// (every writer keeps an flock(2) on its temporary file, so one in another process is spared).
// Delete removes directories left empty, up to the root.
//
// Limits of the filesystem mapping: a key cannot be both an object and a folder, so "a" and
// "a/b" cannot exist together (the second write gets FailedPrecondition). Files placed under the
// root by hand whose paths are not valid keys, and symbolic links, are not objects: they are not
// listed and not followed.
//
// Thread-safety: safe for concurrent use, also by several processes on the same root.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace lakehouse {

class LocalObjectStore final : public ObjectStore {
 public:
  //! Opens the bucket `name` rooted at `root_dir`, creating the directory (and its parents) if
  //! missing, and removes orphaned temporary files. A relative `root_dir` is taken relative to
  //! the working directory. Returns InvalidArgument for an empty root or "/", IOError if the root
  //! cannot be created or is not a writable directory.
  static Result<std::unique_ptr<LocalObjectStore>> Open(std::string name, std::string root_dir);

  //! The absolute, symlink-free root directory of the bucket.
  const std::string& root() const { return root_; }

  // The ObjectStore contract; see object_store.h.
  const std::string& name() const override { return name_; }
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  bool adopts_files() const override { return true; }
  //! Renames the file into the temporary folder, fsyncs it, then publishes it as Put does; false
  //! when `path` is on another filesystem than the root.
  Result<bool> AdoptFile(std::string_view key, const std::string& path) override;
  //! The absolute path of the object's file.
  Result<std::string> Uri(std::string_view key) const override;

 private:
  LocalObjectStore(std::string name, std::string root) : name_(std::move(name)), root_(std::move(root)) {}

  std::string name_;
  std::string root_;
};

}  // namespace lakehouse
