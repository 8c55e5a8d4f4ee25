#include "server/router.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/log.h"
#include "server/http_error.h"
#include "storage/journaled_object_store.h"

namespace lakehouse::server {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

}  // namespace

void Router::Add(std::string method, std::string_view pattern, Handler handler, RouteOptions options) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::string(pattern);
  for (auto part : SplitPath(pattern)) route.segments.emplace_back(part);
  route.handler = std::move(handler);
  route.options = options;
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, const std::vector<std::string_view>& parts, HttpRequest* request) {
  if (route.segments.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& seg = route.segments[i];
    bool param = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    if (!param && seg != parts[i]) return false;
  }
  if (request != nullptr) {
    request->path_params.clear();
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& seg = route.segments[i];
      if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        request->path_params[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
      }
    }
  }
  return true;
}

RouteOptions Router::OptionsFor(std::string_view method, std::string_view path) const {
  auto parts = SplitPath(path);
  for (const auto& route : routes_) {
    if (!Match(route, parts, nullptr)) continue;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) return route.options;
  }
  RouteOptions unmatched;
  unmatched.run_inline = true;
  return unmatched;
}

HttpResponse Router::Dispatch(HttpRequest& request) const {
  auto parts = SplitPath(request.path);
  std::string allowed;
  for (const auto& route : routes_) {
    if (!Match(route, parts, nullptr)) continue;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      Match(route, parts, &request);
      // Every route says when its reads were answered by the rescue bucket
      // (storage/journaled_object_store.h).
      RescueReadScope rescued;
      // Bucket failures journaled while handling carry this request's id (GET /storage/errors).
      RequestIdScope request_scope(request.request_id);
      HttpResponse response = route.handler(request);
      if (rescued.served()) {
        response.headers.emplace_back("X-Lakehouse-Served-From", "rescue");
        response.headers.emplace_back("X-Lakehouse-Rescued-Buckets",
                                      fmt::format("{}", fmt::join(rescued.targets(), ",")));
        log::Warn("response served from the rescue bucket", Json{{"request_id", request.request_id},
                                                                 {"path", request.path},
                                                                 {"buckets", rescued.targets()},
                                                                 {"rescue", rescued.rescue()}});
      }
      return response;
    }
    if (allowed.find(route.method) == std::string::npos)
      allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (!allowed.empty()) {
    HttpResponse response =
        ErrorResponse(405, "method_not_allowed",
                      fmt::format("{} is not allowed on {}; use {}", request.method, request.path, allowed));
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  return ErrorResponse(
      404, "not_found",
      fmt::format("no route for {} {}; GET /routes lists the routes", request.method, request.path));
}

std::vector<std::string> Router::Describe() const {
  std::vector<std::string> out;
  out.reserve(routes_.size());
  for (const auto& route : routes_) out.push_back(route.method + " " + route.pattern);
  return out;
}

}  // namespace lakehouse::server
