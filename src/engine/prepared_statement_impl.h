// PreparedStatement::Impl: a DuckDB prepared statement and the connection it belongs to.
//
// Internal to the engine module.
#pragma once

#include <memory>

#include "duckdb.h"
#include "engine/connection_state.h"
#include "engine/prepared_statement.h"

namespace lakehouse::engine {

struct PreparedStatement::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (handle != nullptr) duckdb_destroy_prepare(&handle);
  }

  std::shared_ptr<ConnectionState> connection;  //!< keeps the connection open
  duckdb_prepared_statement handle = nullptr;   //!< owned
};

}  // namespace lakehouse::engine
