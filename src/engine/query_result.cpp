#include "engine/query_result.h"

#include <exception>
#include <string>
#include <utility>

#include "engine/data_chunk_impl.h"
#include "engine/duckdb_error.h"
#include "engine/duckdb_handles.h"
#include "engine/query_result_impl.h"

namespace lakehouse::engine {
namespace {

const std::vector<Column>& NoColumns() {
  static const std::vector<Column> kNone;
  return kNone;
}

}  // namespace

QueryResult::QueryResult(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QueryResult::QueryResult(QueryResult&& other) noexcept = default;
QueryResult& QueryResult::operator=(QueryResult&& other) noexcept = default;
QueryResult::~QueryResult() = default;

const std::vector<Column>& QueryResult::columns() const { return impl_ ? impl_->columns : NoColumns(); }

Result<std::optional<DataChunk>> QueryResult::Next() {
  if (!impl_ || impl_->done) return std::optional<DataChunk>();
  try {
    while (true) {
      duckdb_data_chunk raw = duckdb_fetch_chunk(impl_->result);
      if (raw == nullptr) break;
      OwnedDataChunk chunk(raw);
      if (duckdb_data_chunk_get_size(chunk.get()) == 0) continue;
      return std::optional<DataChunk>(
          DataChunk(std::make_unique<DataChunk::Impl>(std::move(chunk), impl_->types)));
    }
  } catch (const std::exception& e) {
    impl_->done = true;
    return StatusFromException("fetching query results", e);
  }
  impl_->done = true;
  const char* error = duckdb_result_error(&impl_->result);
  if (error == nullptr) return std::optional<DataChunk>();
  const duckdb_error_type type = duckdb_result_error_type(&impl_->result);
  if (impl_->connection->statements_started.load() != impl_->statement_number &&
      type != DUCKDB_ERROR_INTERRUPT) {
    return Status::FailedPrecondition(
        std::string(
            "the query result was closed because another statement started on the same connection before "
            "all rows were read; read a result to the end (or destroy it) before running the next "
            "statement, or use a second connection (DuckDB: ") +
        error + ")");
  }
  return WithExtensionHint(StatusFromDuckDBError(type, error), type,
                           impl_->connection->database->extension_dir);
}

Result<std::int64_t> QueryResult::RowsChanged() const {
  if (!impl_ || !impl_->changes_rows) {
    return Status::FailedPrecondition(
        "the statement does not change rows, so it has no count of changed rows");
  }
  return impl_->rows_changed;
}

}  // namespace lakehouse::engine
