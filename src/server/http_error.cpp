#include "server/http_error.h"

namespace lakehouse::server {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kResourceExhausted: return 413;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kIOError: return 500;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(const Status& status, const Json& detail) {
  return ErrorResponse(HttpStatusFor(status.code()), StatusCodeName(status.code()), status.message(), detail);
}

HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                           const Json& detail) {
  Json error = {{"code", code}, {"message", message}};
  if (!detail.is_null()) error["detail"] = detail;
  return HttpResponse::FromJson(http_status, Json{{"error", std::move(error)}});
}

}  // namespace lakehouse::server
