#include "engine/statement_runner.h"

#include <exception>
#include <string>
#include <utility>

#include "engine/duckdb_error.h"
#include "engine/duckdb_handles.h"
#include "engine/query_result_impl.h"

namespace lakehouse::engine {
namespace {

Status ResultError(duckdb_result* result, const ConnectionState& connection) {
  const duckdb_error_type type = duckdb_result_error_type(result);
  const char* message = duckdb_result_error(result);
  return WithExtensionHint(StatusFromDuckDBError(type, message == nullptr ? "" : message), type,
                           connection.database->extension_dir);
}

Status PendingError(duckdb_pending_result pending, const ConnectionState& connection) {
  const char* message = pending != nullptr ? duckdb_pending_error(pending) : nullptr;
  const std::string text = message == nullptr ? "could not start the statement" : message;
  return WithExtensionHint(StatusFromDuckDBMessage(text), ErrorTypeFromMessage(text),
                           connection.database->extension_dir);
}

// Starts `statement` with streaming output into `*result`, which the caller destroys whatever
// happens. For a streaming result DuckDB returns once the first rows can be fetched; the rest of
// the work happens as chunks are fetched.
Status StartStreaming(duckdb_prepared_statement statement, ConnectionState& connection,
                      duckdb_result* result) {
  duckdb_pending_result raw_pending = nullptr;
  const duckdb_state started = duckdb_pending_prepared_streaming(statement, &raw_pending);
  const OwnedPending pending(raw_pending);
  if (started != DuckDBSuccess) return PendingError(pending.get(), connection);
  if (duckdb_execute_pending(pending.get(), result) != DuckDBSuccess) return ResultError(result, connection);
  return Status::OK();
}

// Reads names and types of the result's columns. A column whose type the engine cannot decode
// fails the statement up front rather than yielding wrong values later.
Status DescribeColumns(QueryResult::Impl* impl) {
  const idx_t count = duckdb_column_count(&impl->result);
  auto types = std::make_shared<std::vector<ColumnTypeInfo>>();
  types->reserve(count);
  impl->columns.reserve(count);
  for (idx_t i = 0; i < count; ++i) {
    const OwnedLogicalType logical(duckdb_column_logical_type(&impl->result, i));
    ColumnTypeInfo info =
        ColumnTypeInfo::FromLogicalType(logical.get(), impl->connection->database->keywords);
    const char* name = duckdb_column_name(&impl->result, i);
    Column column{name == nullptr ? std::string() : std::string(name), info.id, info.sql_name};
    if (const ColumnTypeInfo* unsupported = info.FindUnsupported()) {
      return Status::InvalidArgument("result column '" + column.name + "' has type " + column.type_name +
                                     ", and the engine cannot read values of type " + unsupported->sql_name +
                                     "; cast it in the query, e.g. CAST(" + column.name + " AS VARCHAR)");
    }
    impl->columns.push_back(std::move(column));
    types->push_back(std::move(info));
  }
  impl->types = std::move(types);
  return Status::OK();
}

}  // namespace

Result<QueryResult> StatementRunner::Stream(duckdb_prepared_statement statement,
                                            const std::shared_ptr<ConnectionState>& connection) {
  try {
    auto impl = std::make_unique<QueryResult::Impl>();
    impl->connection = connection;
    impl->statement_number = ++connection->statements_started;

    LH_RETURN_IF_ERROR(StartStreaming(statement, *connection, &impl->result));
    impl->changes_rows = duckdb_result_return_type(impl->result) == DUCKDB_RESULT_TYPE_CHANGED_ROWS;
    if (impl->changes_rows)
      impl->rows_changed = static_cast<std::int64_t>(duckdb_rows_changed(&impl->result));
    LH_RETURN_IF_ERROR(DescribeColumns(impl.get()));
    return QueryResult(std::move(impl));
  } catch (const std::exception& e) {
    return StatusFromException("running a statement", e);
  }
}

Status StatementRunner::RunToCompletion(duckdb_prepared_statement statement,
                                        const std::shared_ptr<ConnectionState>& connection) {
  try {
    ++connection->statements_started;
    // Rows are fetched and dropped one chunk at a time, so even a large SELECT runs in bounded
    // memory; the result's schema is never decoded, so any column type is fine here.
    duckdb_result result{};
    Status status = StartStreaming(statement, *connection, &result);
    if (status.ok()) {
      while (duckdb_data_chunk raw = duckdb_fetch_chunk(result)) duckdb_destroy_data_chunk(&raw);
      if (duckdb_result_error(&result) != nullptr) status = ResultError(&result, *connection);
    }
    duckdb_destroy_result(&result);
    return status;
  } catch (const std::exception& e) {
    return StatusFromException("running a statement", e);
  }
}

Status StatementRunner::PrepareError(duckdb_prepared_statement statement, const ConnectionState& connection) {
  const char* message = statement == nullptr ? nullptr : duckdb_prepare_error(statement);
  const std::string text = message == nullptr ? "could not prepare the statement" : message;
  return WithExtensionHint(StatusFromDuckDBMessage(text), ErrorTypeFromMessage(text),
                           connection.database->extension_dir);
}

}  // namespace lakehouse::engine
