#include "query/query_service.h"

#include <fmt/format.h>

#include <utility>

#include "engine/database.h"

namespace lakehouse::query {
namespace {

QueryError Invalid(std::string message) {
  return QueryError{Status::InvalidArgument(std::move(message)), "", std::nullopt};
}

}  // namespace

QueryService::QueryService(QueryOptions options, TableProvider provider)
    : options_(std::move(options)), provider_(std::move(provider)) {}

Result<std::shared_ptr<SandboxDatabase>> QueryService::CurrentSandbox() {
  auto tables = provider_ ? provider_() : Result<std::vector<TableSource>>(std::vector<TableSource>{});
  if (!tables.ok()) return tables.status().WithContext("cannot list the lakehouse's tables");
  std::lock_guard lock(mu_);
  if (!sandbox_ || sandbox_->tables() != *tables) {
    LH_ASSIGN_OR_RETURN(sandbox_, SandboxDatabase::Open(*tables, options_.sandbox));
  }
  return sandbox_;
}

StartedQuery QueryService::Start(const QueryRequest& request) {
  if (request.sql.find_first_not_of(" \t\r\n;") == std::string::npos) {
    return {nullptr, Invalid("sql is empty; send one read-only query, e.g. {\"sql\": \"SELECT 1\"}")};
  }
  if (request.sql.size() > kMaxSqlBytes) {
    return {nullptr,
            Invalid(fmt::format("sql is {} bytes; the limit is {} bytes", request.sql.size(), kMaxSqlBytes))};
  }
  const std::int64_t timeout_ms = request.timeout_ms.value_or(options_.timeout_ms);
  if (timeout_ms <= 0 || timeout_ms > options_.max_timeout_ms) {
    return {nullptr, Invalid(fmt::format("timeout_ms must be between 1 and {} (query.max_timeout_ms); got {}",
                                         options_.max_timeout_ms, timeout_ms))};
  }
  auto encoder = ResultEncoder::For(request.format);
  if (!encoder) {
    return {nullptr, Invalid("format arrow is not supported yet; use json, ndjson or csv")};
  }
  auto sandbox = request.tables ? SandboxDatabase::Open(*request.tables, options_.sandbox) : CurrentSandbox();
  if (!sandbox.ok()) return {nullptr, QueryError{sandbox.status(), "", std::nullopt}};
  auto connection = (*sandbox)->Connect();
  if (!connection.ok()) return {nullptr, QueryError{connection.status(), "", std::nullopt}};
  auto stream = std::make_unique<QueryStream>(std::move(sandbox).value(), std::move(connection).value(),
                                              std::move(encoder), std::chrono::milliseconds(timeout_ms),
                                              options_.max_result_rows);
  if (auto error = stream->Begin(request.sql)) return {nullptr, std::move(error)};
  return {std::move(stream), std::nullopt};
}

Result<Json> QueryService::Health() {
  LH_ASSIGN_OR_RETURN(auto sandbox, CurrentSandbox());
  LH_ASSIGN_OR_RETURN(auto connection, sandbox->Connect());
  LH_ASSIGN_OR_RETURN(auto result, connection.Query("SELECT 42"));
  LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
  if (!chunk || chunk->size() != 1) return Status::Internal("the query engine did not answer SELECT 42");
  return Json{
      {"engine", "duckdb"}, {"version", engine::Database::Version()}, {"tables", sandbox->tables().size()}};
}

}  // namespace lakehouse::query
