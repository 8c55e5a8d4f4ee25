// Router: maps a method and a path pattern ("/datasets/{name}/versions") to a handler.
//
// Routes are added at start-up (not thread-safe); Dispatch is thread-safe afterwards.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_message.h"

namespace lakehouse::server {

using Handler = std::function<HttpResponse(HttpRequest&)>;

//! How the HTTP server runs a route.
struct RouteOptions {
  //! Run on the connection's I/O thread instead of the worker pool: only for handlers that never
  //! block and must answer even when the pool is saturated (GET /health).
  bool run_inline = false;
  //! The body streams to a scratch file (HttpRequest::body_file) instead of memory, bounded by
  //! server.max_upload_bytes instead of server.max_body_bytes (file uploads).
  bool upload = false;
};

class Router {
 public:
  //! Adds a route. `pattern` segments in braces capture into HttpRequest::path_params.
  void Add(std::string method, std::string_view pattern, Handler handler, RouteOptions options = {});

  //! The options of the route that Dispatch would pick for `method` and `path`. When no route
  //! matches, run_inline is set (the 404/405 answer is cheap) and upload is not.
  RouteOptions OptionsFor(std::string_view method, std::string_view path) const;

  //! Runs the handler for the request. Unknown paths get 404; a known path with another
  //! method gets 405 with an Allow header. Handlers' exceptions are the caller's to catch.
  HttpResponse Dispatch(HttpRequest& request) const;

  //! "METHOD /pattern" for every route, in the order added (for docs and 404 hints).
  std::vector<std::string> Describe() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
  };
  static bool Match(const Route& route, const std::vector<std::string_view>& parts, HttpRequest* request);

  std::vector<Route> routes_;
};

}  // namespace lakehouse::server
