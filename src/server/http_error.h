// The one way the HTTP layer reports an error:
//   {"error": {"code": "...", "message": "...", "detail": ...}}
// with an HTTP status that fits the failure. Never a stack trace.
#pragma once

#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "server/http_message.h"

namespace lakehouse::server {

//! The HTTP status for a non-OK Status code (e.g. kNotFound -> 404, kUnavailable -> 503).
int HttpStatusFor(StatusCode code);

//! An error response for `status` (which must not be OK), with optional structured detail.
HttpResponse ErrorResponse(const Status& status, const Json& detail = Json());

//! An error response with an explicit HTTP status and error code, for protocol-level errors
//! (unknown route, wrong method, oversized body) that have no Status behind them.
HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                           const Json& detail = Json());

}  // namespace lakehouse::server
