// ConnectionState: one DuckDB connection, shared by a Connection and everything made from it.
//
// Internal to the engine module. Prepared statements, query results and appenders hold a
// shared_ptr to it, so the DuckDB connection is closed only after the last of them is gone.
// `handle` may be used by one thread at a time, except duckdb_interrupt, which any thread may call.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "duckdb.h"
#include "engine/database_state.h"

namespace lakehouse::engine {

struct ConnectionState {
  std::shared_ptr<DatabaseState> database;  //!< keeps the database open
  duckdb_connection handle = nullptr;       //!< owned; disconnected in the destructor
  //! Counts statements started on this connection. DuckDB closes an unfinished streaming result
  //! when the next statement starts; a result compares this count with its own to explain that.
  std::atomic<std::uint64_t> statements_started{0};

  ConnectionState() = default;
  ConnectionState(const ConnectionState&) = delete;
  ConnectionState& operator=(const ConnectionState&) = delete;
  ~ConnectionState() {
    if (handle != nullptr) duckdb_disconnect(&handle);
  }
};

}  // namespace lakehouse::engine
