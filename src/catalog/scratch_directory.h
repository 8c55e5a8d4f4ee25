// ScratchDirectory: a private temporary directory, removed with everything in it on destruction.
//
// Used where DuckDB needs a real file (Parquet is written and read through files) before the
// bytes move to or from an ObjectStore. Not thread-safe to create files with the same name from
// two threads; distinct names are fine.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace lakehouse::catalog {

class ScratchDirectory {
 public:
  //! Creates a fresh directory under `parent` (empty: the system temp directory). IOError if it
  //! cannot be created.
  static Result<std::unique_ptr<ScratchDirectory>> Create(const std::string& parent, const std::string& tag);

  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  //! Removes the directory and its contents; errors are ignored (it is temporary).
  ~ScratchDirectory();

  //! The directory's absolute path.
  const std::string& path() const { return path_; }
  //! `path()/name`.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit ScratchDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace lakehouse::catalog
