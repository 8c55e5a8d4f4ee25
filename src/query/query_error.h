// QueryError: why a query failed, in terms a caller can act on.
//
// A Status (code and message) plus what DuckDB reported about the failure: its error type and
// the position in the SQL text. Plain value; safe to copy and share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/json.h"
#include "common/status.h"

namespace lakehouse::query {

struct QueryError {
  //! kInvalidArgument for SQL errors, kPermissionDenied for anything the sandbox forbids,
  //! kDeadlineExceeded on timeout, kResourceExhausted for too many rows or too little memory.
  Status status;
  std::string duckdb_error_type;         //!< DuckDB's exception type, e.g. "Parser"; empty if none
  std::optional<std::int64_t> position;  //!< 0-based character offset in the SQL, if DuckDB gave one

  //! Classifies an error the engine returned. With errors_as_json on, DuckDB's messages are JSON
  //! objects (exception_type, exception_message, position); their text becomes the message.
  static QueryError FromEngine(const Status& status);

  //! {"duckdb_error_type"?, "position"?}, or null when there is neither.
  Json Detail() const;
};

}  // namespace lakehouse::query
