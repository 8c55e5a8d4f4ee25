// QueryResult::Impl: a DuckDB streaming result plus its decoded schema.
//
// Internal to the engine module.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "duckdb.h"
#include "engine/column_type_info.h"
#include "engine/connection_state.h"
#include "engine/query_result.h"

namespace lakehouse::engine {

struct QueryResult::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { duckdb_destroy_result(&result); }

  std::shared_ptr<ConnectionState> connection;  //!< keeps the connection open
  std::uint64_t statement_number = 0;           //!< connection->statements_started when this began
  duckdb_result result{};                       //!< owned; destroyed with the Impl
  std::vector<Column> columns;
  std::shared_ptr<const std::vector<ColumnTypeInfo>> types;  //!< shared with the chunks
  bool changes_rows = false;      //!< the statement reports a count of changed rows
  std::int64_t rows_changed = 0;  //!< that count
  bool done = false;              //!< no more chunks will be fetched
};

}  // namespace lakehouse::engine
