#include "engine/prepared_statement.h"

#include <exception>
#include <iterator>
#include <string>
#include <utility>

#include "engine/duckdb_error.h"
#include "engine/duckdb_handles.h"
#include "engine/prepared_statement_impl.h"
#include "engine/statement_runner.h"
#include "engine/value_writer.h"

namespace lakehouse::engine {
namespace {

Status Moved() { return Status::FailedPrecondition("the prepared statement was moved from"); }

}  // namespace

PreparedStatement::PreparedStatement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PreparedStatement::PreparedStatement(PreparedStatement&& other) noexcept = default;
PreparedStatement& PreparedStatement::operator=(PreparedStatement&& other) noexcept = default;
PreparedStatement::~PreparedStatement() = default;

std::size_t PreparedStatement::parameter_count() const { return impl_ ? duckdb_nparams(impl_->handle) : 0; }

std::string_view PreparedStatement::statement_type() const {
  // Indexed by duckdb_statement_type, whose values are stable in DuckDB's C API.
  static constexpr std::string_view kNames[] = {
      "INVALID",      "SELECT",       "INSERT",      "UPDATE", "EXPLAIN",       "DELETE",
      "PREPARE",      "CREATE",       "EXECUTE",     "ALTER",  "TRANSACTION",   "COPY",
      "ANALYZE",      "VARIABLE_SET", "CREATE_FUNC", "DROP",   "EXPORT",        "PRAGMA",
      "VACUUM",       "CALL",         "SET",         "LOAD",   "RELATION",      "EXTENSION",
      "LOGICAL_PLAN", "ATTACH",       "DETACH",      "MULTI",  "COPY_DATABASE", "UPDATE_EXTENSIONS",
      "MERGE_INTO"};
  if (!impl_) return kNames[0];
  const auto type = static_cast<std::size_t>(duckdb_prepared_statement_type(impl_->handle));
  return type < std::size(kNames) ? kNames[type] : kNames[0];
}

Status PreparedStatement::Bind(std::size_t index, const Value& value) {
  if (!impl_) return Moved();
  const std::size_t count = parameter_count();
  if (index < 1 || index > count) {
    return Status::InvalidArgument("parameter index " + std::to_string(index) +
                                   " is out of range: the statement has " + std::to_string(count) +
                                   " parameter(s), numbered from 1");
  }
  try {
    const OwnedDuckDBValue converted = ValueWriter::ToDuckDB(value);
    if (!converted) {
      return Status::InvalidArgument(
          "parameter " + std::to_string(index) + ": a " + std::string(TypeIdName(value.type())) +
          " value cannot be bound; bind scalar values (nested values are only text here)");
    }
    if (duckdb_bind_value(impl_->handle, index, converted.get()) != DuckDBSuccess) {
      return Status::InvalidArgument("parameter " + std::to_string(index) + ": DuckDB did not accept the " +
                                     std::string(TypeIdName(value.type())) + " value " + value.ToString());
    }
  } catch (const std::exception& e) {
    return StatusFromException("binding a parameter", e);
  }
  return Status::OK();
}

Status PreparedStatement::ClearBindings() {
  if (!impl_) return Moved();
  if (duckdb_clear_bindings(impl_->handle) != DuckDBSuccess) {
    return Status::Internal("DuckDB could not clear the statement's bindings");
  }
  return Status::OK();
}

Result<QueryResult> PreparedStatement::Execute() {
  if (!impl_) return Moved();
  return StatementRunner::Stream(impl_->handle, impl_->connection);
}

}  // namespace lakehouse::engine
