// The query service's HTTP routes: POST /query.
//
// POST /query {"sql": "...", "format": "json"|"ndjson"|"csv"|"arrow", "timeout_ms": N}
// answers with the result in the chosen format. Results that fit in the first 256 KiB are sent
// whole, with their exact status; larger ones stream with chunked transfer encoding, and a
// failure after the first byte (timeout, row limit) ends the stream early with an in-band error
// (json, ndjson) and without the final chunk. Errors before any output are the usual
// {"error": {"code", "message", "detail": {"duckdb_error_type", "position"}}} with 400 (bad
// request or SQL), 403 (forbidden by the sandbox), 413 (too many rows or too much memory) or
// 504 (timeout).
#pragma once

#include <functional>
#include <vector>

#include "query/query_service.h"
#include "server/router.h"

namespace lakehouse::server {

//! Turns a request's "as_of" (a time as text or epoch microseconds, or {"dataset": version, ..})
//! into the tables to serve; InvalidArgument for a bad value.
using AsOfResolver = std::function<Result<std::vector<query::TableSource>>(const Json& as_of)>;

//! Adds POST /query to `router`. `service` must outlive the router. Without `as_of`, a request
//! naming "as_of" gets 400. `before_query`, if set, runs first on every request (the server loads
//! catalog commits other processes made, so SQL sees them at once).
void RegisterQueryRoutes(Router& router, query::QueryService& service, AsOfResolver as_of = {},
                         std::function<void()> before_query = {});

}  // namespace lakehouse::server
