// StatementRunner: executes prepared DuckDB statements for Connection and PreparedStatement.
//
// Internal to the engine module. Use from the connection's thread only.
#pragma once

#include <memory>

#include "common/status.h"
#include "duckdb.h"
#include "engine/connection_state.h"
#include "engine/query_result.h"

namespace lakehouse::engine {

class StatementRunner {
 public:
  //! Starts `statement` with streaming output. The statement may be destroyed afterwards; the
  //! result keeps what it needs. Errors map to Status as described in duckdb_error.h.
  static Result<QueryResult> Stream(duckdb_prepared_statement statement,
                                    const std::shared_ptr<ConnectionState>& connection);

  //! Runs `statement` to completion, fetching and discarding any rows it returns.
  static Status RunToCompletion(duckdb_prepared_statement statement,
                                const std::shared_ptr<ConnectionState>& connection);

  //! The Status for a failed duckdb_prepare / duckdb_prepare_extracted_statement.
  static Status PrepareError(duckdb_prepared_statement statement, const ConnectionState& connection);
};

}  // namespace lakehouse::engine
