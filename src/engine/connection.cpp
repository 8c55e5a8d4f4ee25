#include "engine/connection.h"

#include <exception>
#include <string>
#include <utility>

#include "duckdb.h"
#include "engine/connection_state.h"
#include "engine/database_state.h"
#include "engine/duckdb_error.h"
#include "engine/duckdb_handles.h"
#include "engine/prepared_statement_impl.h"
#include "engine/statement_runner.h"

namespace lakehouse::engine {
namespace {

Status Closed() { return Status::FailedPrecondition("the connection was moved from"); }

// The statements of a SQL script, split by DuckDB's parser.
struct Script {
  OwnedExtracted extracted;
  idx_t count = 0;
};

Result<Script> Split(ConnectionState& connection, std::string_view sql) {
  const std::string text(sql);
  duckdb_extracted_statements raw = nullptr;
  Script script;
  script.count = duckdb_extract_statements(connection.handle, text.c_str(), &raw);
  script.extracted.reset(raw);
  if (script.count == 0) {
    const char* error = script.extracted ? duckdb_extract_statements_error(script.extracted.get()) : nullptr;
    if (error != nullptr) return StatusFromDuckDBMessage(error);
    return Status::InvalidArgument("the SQL text contains no statement");
  }
  return script;
}

Result<OwnedPrepared> PrepareExtracted(const std::shared_ptr<ConnectionState>& connection,
                                       const Script& script, idx_t index) {
  ++connection->statements_started;
  duckdb_prepared_statement raw = nullptr;
  const duckdb_state state =
      duckdb_prepare_extracted_statement(connection->handle, script.extracted.get(), index, &raw);
  OwnedPrepared statement(raw);
  if (state != DuckDBSuccess) return StatementRunner::PrepareError(statement.get(), *connection);
  return statement;
}

// Runs statements [0, end) of `script` to completion.
Status RunStatements(const std::shared_ptr<ConnectionState>& connection, const Script& script, idx_t end) {
  for (idx_t i = 0; i < end; ++i) {
    LH_ASSIGN_OR_RETURN(OwnedPrepared statement, PrepareExtracted(connection, script, i));
    LH_RETURN_IF_ERROR(StatementRunner::RunToCompletion(statement.get(), connection));
  }
  return Status::OK();
}

}  // namespace

Connection::Connection(std::shared_ptr<ConnectionState> state) : state_(std::move(state)) {}
Connection::Connection(Connection&& other) noexcept = default;
Connection& Connection::operator=(Connection&& other) noexcept = default;
Connection::~Connection() = default;

Result<Connection> Connection::Open(Database& database) {
  auto state = std::make_shared<ConnectionState>();
  state->database = database.state_;
  if (duckdb_connect(state->database->handle, &state->handle) != DuckDBSuccess) {
    state->handle = nullptr;
    return Status::Internal("DuckDB could not open a connection to the database");
  }
  return Connection(std::move(state));
}

Result<QueryResult> Connection::Query(std::string_view sql) {
  if (!state_) return Closed();
  try {
    LH_ASSIGN_OR_RETURN(Script script, Split(*state_, sql));
    LH_RETURN_IF_ERROR(RunStatements(state_, script, script.count - 1));
    LH_ASSIGN_OR_RETURN(OwnedPrepared last, PrepareExtracted(state_, script, script.count - 1));
    return StatementRunner::Stream(last.get(), state_);
  } catch (const std::exception& e) {
    return StatusFromException("running a query", e);
  }
}

Status Connection::Execute(std::string_view sql) {
  if (!state_) return Closed();
  try {
    LH_ASSIGN_OR_RETURN(Script script, Split(*state_, sql));
    return RunStatements(state_, script, script.count);
  } catch (const std::exception& e) {
    return StatusFromException("executing SQL", e);
  }
}

Result<PreparedStatement> Connection::Prepare(std::string_view sql) {
  if (!state_) return Closed();
  try {
    ++state_->statements_started;
    const std::string text(sql);
    auto impl = std::make_unique<PreparedStatement::Impl>();
    impl->connection = state_;
    if (duckdb_prepare(state_->handle, text.c_str(), &impl->handle) != DuckDBSuccess) {
      return StatementRunner::PrepareError(impl->handle, *state_);
    }
    return PreparedStatement(std::move(impl));
  } catch (const std::exception& e) {
    return StatusFromException("preparing a statement", e);
  }
}

void Connection::Interrupt() {
  if (state_) duckdb_interrupt(state_->handle);
}

}  // namespace lakehouse::engine
