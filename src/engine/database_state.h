// DatabaseState: the open DuckDB database behind a Database and its connections.
//
// Internal to the engine module. Shared (via shared_ptr) by the Database and every Connection,
// so the database closes only after the last of them is gone. Immutable after construction;
// DuckDB's database handle is safe to use from many threads.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "duckdb.h"

namespace lakehouse::engine {

struct DatabaseState {
  duckdb_database handle = nullptr;  //!< owned; closed in the destructor
  std::string extension_dir;         //!< where extensions are loaded from (resolved)
  //! DuckDB's SQL keywords, which must be quoted when they name a STRUCT field in a type name.
  std::set<std::string, std::less<>> keywords;

  DatabaseState() = default;
  DatabaseState(const DatabaseState&) = delete;
  DatabaseState& operator=(const DatabaseState&) = delete;
  ~DatabaseState() {
    if (handle != nullptr) duckdb_close(&handle);
  }
};

}  // namespace lakehouse::engine
