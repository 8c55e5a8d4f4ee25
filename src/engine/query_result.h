// QueryResult: the streaming result of one SQL statement.
//
// Rows are produced on demand, one DataChunk (up to 2048 rows) per Next() call, so a result of
// any size is never held in memory at once. The result belongs to its connection's thread: use
// it from one thread at a time, together with the connection. Starting another statement on the
// same connection closes an unfinished result (DuckDB runs one statement per connection); its
// Next() then returns FailedPrecondition. A result keeps its connection alive.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/data_chunk.h"
#include "engine/type_id.h"

namespace lakehouse::engine {

//! A result column.
struct Column {
  std::string name;                //!< column name as DuckDB reports it
  TypeId type = TypeId::kInvalid;  //!< logical type
  std::string type_name;           //!< SQL spelling, e.g. "DECIMAL(15,2)", "VARCHAR", "INTEGER[]", "JSON"

  bool operator==(const Column& other) const = default;
};

class QueryResult {
 public:
  //! Internal: the DuckDB result and its schema; defined in query_result_impl.h.
  struct Impl;
  //! Internal: results are made by Connection::Query and PreparedStatement::Execute.
  explicit QueryResult(std::unique_ptr<Impl> impl);

  QueryResult(QueryResult&& other) noexcept;
  QueryResult& operator=(QueryResult&& other) noexcept;
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  ~QueryResult();

  //! The result's columns, in order. Statements without a result set have none or a single
  //! "Count" column (INSERT, UPDATE, DELETE).
  const std::vector<Column>& columns() const;

  //! The next chunk of rows, or nullopt once all rows have been read (and on every call after).
  //! Errors raised while computing rows surface here: DeadlineExceeded if interrupted, and
  //! FailedPrecondition if another statement on the connection closed this result.
  Result<std::optional<DataChunk>> Next();

  //! Rows inserted, updated or deleted by the statement. FailedPrecondition for statements that
  //! do not change rows (SELECT, CREATE, ...).
  Result<std::int64_t> RowsChanged() const;

 private:
  friend class ArrowExport;  // reads the DuckDB handles (engine/arrow_export.h)
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse::engine
