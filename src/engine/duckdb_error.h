// How DuckDB's errors become lakehouse::Status values.
//
// Internal to the engine module. Pure functions; safe from any thread.
//
// The message is always DuckDB's own text (e.g. "Binder Error: Referenced column ..."); the code
// follows DuckDB's error type: the caller's SQL or data is wrong (parser, binder, catalog,
// conversion, constraint, ...) -> InvalidArgument; interrupted -> DeadlineExceeded; out of memory
// -> ResourceExhausted; IO -> IOError; permission -> PermissionDenied; a transaction conflict ->
// FailedPrecondition; network -> Unavailable; DuckDB internal or fatal errors -> Internal.
#pragma once

#include <exception>
#include <string_view>

#include "common/status.h"
#include "duckdb.h"

namespace lakehouse::engine {

//! The Status for a DuckDB error of `type` with DuckDB's `message`.
Status StatusFromDuckDBError(duckdb_error_type type, std::string_view message);

//! The error type named by the "<Type> Error: " prefix DuckDB puts on its messages, for the C API
//! calls that report only a message (prepare, open, pending). DUCKDB_ERROR_INVALID if none matches.
duckdb_error_type ErrorTypeFromMessage(std::string_view message);

//! StatusFromDuckDBError for a message whose type is read from its prefix.
Status StatusFromDuckDBMessage(std::string_view message);

//! Adds what to do next to errors caused by an extension that is not in `extension_dir`:
//! DuckDB's own advice ("INSTALL ...") would reach for the network, which the engine never does.
Status WithExtensionHint(Status status, duckdb_error_type type, std::string_view extension_dir);

//! The Status for an exception that escaped a DuckDB C API call; `what` names the operation.
Status StatusFromException(std::string_view what, const std::exception& e);

}  // namespace lakehouse::engine
