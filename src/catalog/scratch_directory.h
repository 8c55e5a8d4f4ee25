// ScratchDirectory: a private temporary directory, removed with everything in it on destruction.
//
// A process that dies without running destructors (a crash, SIGKILL) leaves its directories
// behind; RemoveAbandoned, run at server start, removes them. To tell them from directories still
// in use -- by another server sharing the same temp directory, say -- each directory holds a
// ".lock" file that its owner keeps flock()ed (shared) for the directory's life: the kernel drops
// the lock when the owner dies, however it dies.
//
// Used where DuckDB needs a real file (Parquet is written and read through files) before the
// bytes move to or from an ObjectStore. Not thread-safe to create files with the same name from
// two threads; distinct names are fine.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace lakehouse::catalog {

class ScratchDirectory {
 public:
  //! Creates a fresh directory "lakehouse-{tag}-{pid}-{n}-{random}" under `parent` (empty: the
  //! system temp directory) and locks it. IOError if it cannot be created.
  static Result<std::unique_ptr<ScratchDirectory>> Create(const std::string& parent, const std::string& tag);

  //! Removes the scratch directories under `parent` (empty: the system temp directory) that
  //! their owner left behind by dying, and returns how many. Only names of the pattern above are
  //! considered, and one is abandoned when its lock can be taken exclusively (no living owner);
  //! one without a lock file (made by an older build, or being created right now) only when the
  //! process named in it is not running and nothing in it changed for `unlocked_grace`.
  //! Never fails: what cannot be examined or removed is left alone.
  static int RemoveAbandoned(const std::string& parent,
                             std::chrono::seconds unlocked_grace = std::chrono::minutes(10));

  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  //! Removes the directory and its contents; errors are ignored (it is temporary).
  ~ScratchDirectory();

  //! The directory's absolute path.
  const std::string& path() const { return path_; }
  //! `path()/name`.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  ScratchDirectory(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace lakehouse::catalog
