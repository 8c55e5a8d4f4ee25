// Database: an embedded DuckDB database, in memory or in a file.
//
// Thread-safety: a Database is safe to share across threads; open one Connection per thread.
// The database stays open until the Database and every Connection (and every prepared statement,
// result and appender made from them) are destroyed.
//
// Extensions are never fetched from the network: DuckDB's auto-install is off, INSTALL resolves
// against the local extension directory only, and known extensions auto-load from that directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace lakehouse::engine {

struct DatabaseState;

//! How to open a Database. Every field has a usable default.
struct DatabaseOptions {
  //! Database file; empty opens a private in-memory database.
  std::string path;
  //! DuckDB memory limit, e.g. "4GB"; empty keeps DuckDB's default (80% of RAM).
  std::string memory_limit;
  //! Worker threads; 0 keeps DuckDB's default (one per core).
  std::uint32_t threads = 0;
  //! Root of the extension files (<dir>/v<version>/<platform>/<name>.duckdb_extension); empty means
  //! LAKEHOUSE_DEFAULT_EXTENSION_DIR, where scripts/bootstrap puts the pinned extensions.
  std::string extension_dir;
  //! Where DuckDB spills data that does not fit in memory; empty keeps DuckDB's default.
  std::string temp_dir;
  //! Allow loading extensions without a valid signature. Off by default; leave it off.
  bool allow_unsigned_extensions = false;
};

class Database {
 public:
  //! Opens (or creates) the database described by `options`. Returns InvalidArgument for a bad
  //! option value (the message names the option), IOError if the file cannot be opened or locked.
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);

  //! The DuckDB library version, e.g. "v1.5.5".
  static std::string Version();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  //! The options the database was opened with, extension_dir resolved to the directory in use.
  const DatabaseOptions& options() const { return options_; }

 private:
  friend class Connection;  // attaches connections to state_

  Database(DatabaseOptions options, std::shared_ptr<DatabaseState> state);

  DatabaseOptions options_;
  std::shared_ptr<DatabaseState> state_;
};

}  // namespace lakehouse::engine
