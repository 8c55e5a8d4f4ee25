#include "engine/duckdb_error.h"

#include <string>

namespace lakehouse::engine {
namespace {

struct ErrorTypeName {
  duckdb_error_type type;
  std::string_view name;
};

// The names DuckDB prints before " Error: " for each error type.
constexpr ErrorTypeName kErrorTypeNames[] = {
    {DUCKDB_ERROR_OUT_OF_RANGE, "Out of Range"},
    {DUCKDB_ERROR_CONVERSION, "Conversion"},
    {DUCKDB_ERROR_UNKNOWN_TYPE, "Unknown Type"},
    {DUCKDB_ERROR_DECIMAL, "Decimal"},
    {DUCKDB_ERROR_MISMATCH_TYPE, "Mismatch Type"},
    {DUCKDB_ERROR_DIVIDE_BY_ZERO, "Divide by Zero"},
    {DUCKDB_ERROR_OBJECT_SIZE, "Object Size"},
    {DUCKDB_ERROR_INVALID_TYPE, "Invalid type"},
    {DUCKDB_ERROR_SERIALIZATION, "Serialization"},
    {DUCKDB_ERROR_TRANSACTION, "TransactionContext"},
    {DUCKDB_ERROR_NOT_IMPLEMENTED, "Not implemented"},
    {DUCKDB_ERROR_EXPRESSION, "Expression"},
    {DUCKDB_ERROR_CATALOG, "Catalog"},
    {DUCKDB_ERROR_PARSER, "Parser"},
    {DUCKDB_ERROR_PLANNER, "Planner"},
    {DUCKDB_ERROR_SCHEDULER, "Scheduler"},
    {DUCKDB_ERROR_EXECUTOR, "Executor"},
    {DUCKDB_ERROR_CONSTRAINT, "Constraint"},
    {DUCKDB_ERROR_INDEX, "Index"},
    {DUCKDB_ERROR_STAT, "Stat"},
    {DUCKDB_ERROR_CONNECTION, "Connection"},
    {DUCKDB_ERROR_SYNTAX, "Syntax"},
    {DUCKDB_ERROR_SETTINGS, "Settings"},
    {DUCKDB_ERROR_BINDER, "Binder"},
    {DUCKDB_ERROR_NETWORK, "Network"},
    {DUCKDB_ERROR_OPTIMIZER, "Optimizer"},
    {DUCKDB_ERROR_NULL_POINTER, "NullPointer"},
    {DUCKDB_ERROR_IO, "IO"},
    {DUCKDB_ERROR_INTERRUPT, "INTERRUPT"},
    {DUCKDB_ERROR_FATAL, "FATAL"},
    {DUCKDB_ERROR_INTERNAL, "INTERNAL"},
    {DUCKDB_ERROR_INVALID_INPUT, "Invalid Input"},
    {DUCKDB_ERROR_OUT_OF_MEMORY, "Out of Memory"},
    {DUCKDB_ERROR_PERMISSION, "Permission"},
    {DUCKDB_ERROR_PARAMETER_NOT_RESOLVED, "Parameter Not Resolved"},
    {DUCKDB_ERROR_PARAMETER_NOT_ALLOWED, "Parameter Not Allowed"},
    {DUCKDB_ERROR_DEPENDENCY, "Dependency"},
    {DUCKDB_ERROR_HTTP, "HTTP"},
    {DUCKDB_ERROR_MISSING_EXTENSION, "Missing Extension"},
    {DUCKDB_ERROR_AUTOLOAD, "Extension Autoloading"},
    {DUCKDB_ERROR_SEQUENCE, "Sequence"},
    {DUCKDB_INVALID_CONFIGURATION, "Invalid Configuration"},
    {DUCKDB_ERROR_INVALID, "Invalid"},
};

StatusCode CodeFor(duckdb_error_type type) {
  switch (type) {
    case DUCKDB_ERROR_INTERRUPT: return StatusCode::kDeadlineExceeded;
    case DUCKDB_ERROR_OUT_OF_MEMORY:
    case DUCKDB_ERROR_OBJECT_SIZE: return StatusCode::kResourceExhausted;
    case DUCKDB_ERROR_IO:
    case DUCKDB_ERROR_HTTP: return StatusCode::kIOError;
    case DUCKDB_ERROR_PERMISSION: return StatusCode::kPermissionDenied;
    case DUCKDB_ERROR_TRANSACTION:
    case DUCKDB_ERROR_MISSING_EXTENSION:
    case DUCKDB_ERROR_AUTOLOAD: return StatusCode::kFailedPrecondition;
    case DUCKDB_ERROR_NETWORK:
    case DUCKDB_ERROR_CONNECTION: return StatusCode::kUnavailable;
    case DUCKDB_ERROR_INVALID:
    case DUCKDB_ERROR_SCHEDULER:
    case DUCKDB_ERROR_EXECUTOR:
    case DUCKDB_ERROR_STAT:
    case DUCKDB_ERROR_OPTIMIZER:
    case DUCKDB_ERROR_NULL_POINTER:
    case DUCKDB_ERROR_SERIALIZATION:
    case DUCKDB_ERROR_FATAL:
    case DUCKDB_ERROR_INTERNAL: return StatusCode::kInternal;
    default: return StatusCode::kInvalidArgument;
  }
}

// LOAD and INSTALL name the file they could not find in the extension directory.
bool IsMissingExtensionFile(std::string_view message) {
  return message.find(".duckdb_extension\" not found") != std::string_view::npos ||
         message.find("Failed to install local extension") != std::string_view::npos;
}

}  // namespace

Status StatusFromDuckDBError(duckdb_error_type type, std::string_view message) {
  std::string text =
      message.empty() ? std::string("DuckDB reported an error without a message") : std::string(message);
  if (type == DUCKDB_ERROR_INTERRUPT) text = "query interrupted: " + text;
  return {CodeFor(type), std::move(text)};
}

duckdb_error_type ErrorTypeFromMessage(std::string_view message) {
  for (const ErrorTypeName& entry : kErrorTypeNames) {
    if (message.size() > entry.name.size() + 7 && message.substr(0, entry.name.size()) == entry.name &&
        message.substr(entry.name.size(), 8) == " Error: ") {
      return entry.type;
    }
  }
  return DUCKDB_ERROR_INVALID;
}

Status StatusFromDuckDBMessage(std::string_view message) {
  const duckdb_error_type type = ErrorTypeFromMessage(message);
  // A message without a recognised prefix comes from the C API's own argument checks.
  if (type == DUCKDB_ERROR_INVALID) return Status::InvalidArgument(std::string(message));
  return StatusFromDuckDBError(type, message);
}

Status WithExtensionHint(Status status, duckdb_error_type type, std::string_view extension_dir) {
  if (status.ok()) return status;
  const bool missing = type == DUCKDB_ERROR_MISSING_EXTENSION || type == DUCKDB_ERROR_AUTOLOAD ||
                       IsMissingExtensionFile(status.message());
  if (!missing) return status;
  std::string message = status.message();
  message += "\n(Lakehouse loads DuckDB extensions only from '";
  message += extension_dir;
  message +=
      "' and never downloads them: run scripts/bootstrap to place the pinned extension files there, or point "
      "extension_dir at a directory that has them.)";
  return Status::FailedPrecondition(std::move(message));
}

Status StatusFromException(std::string_view what, const std::exception& e) {
  return Status::Internal(std::string(what) + " failed inside DuckDB: " + e.what());
}

}  // namespace lakehouse::engine
