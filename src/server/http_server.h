// HttpServer: an HTTP/1.1 server (Boost.Beast) that hands every request to a Router.
//
// Requests are read whole into memory up to `max_body_bytes` (larger bodies get 413), except on
// upload routes (RouteOptions::upload), whose bodies stream to a scratch file up to
// `max_upload_bytes`. Handlers run on a bounded worker pool, not on the I/O threads, so a slow
// handler never holds up other connections; when `queue_depth` requests already wait for a
// worker, new ones get 503 with Retry-After. Routes marked run_inline (GET /health) run on the
// I/O thread and answer even then. Every request is logged with a request id. Start() binds and starts
// serving; Shutdown() stops accepting, lets in-flight requests finish within a grace period, and joins the
// threads. Start and Shutdown are called from one controlling thread; handlers run on many threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/router.h"

namespace lakehouse::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  //!< bind address
  int port = 3100;                 //!< 0 picks a free port (see HttpServer::port())
  int threads = 0;                 //!< I/O threads; 0 means one per core
  int workers = 0;                 //!< handler threads; 0 means 4 per core, at least 8
  int queue_depth = 256;           //!< requests that may wait for a worker before 503
  int64_t max_body_bytes = 64LL << 20;
  int64_t max_upload_bytes = 20LL << 30;             //!< body limit of upload routes (streamed to disk)
  std::string upload_dir;                            //!< where upload bodies are spooled; "" = system temp
  std::chrono::milliseconds request_timeout{30000};  //!< idle keep-alive or slow request limit
  bool access_log = true;                            //!< log one line per request at info
};

class HttpServer {
 public:
  //! `router` must outlive the server.
  HttpServer(HttpServerOptions options, const Router& router);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  //! Binds and starts the I/O threads. Returns Unavailable (naming host and port, with a hint)
  //! if the address cannot be bound, InvalidArgument for an unparsable host.
  Status Start();

  //! The bound port (useful after starting on port 0).
  int port() const;

  //! Stops accepting, closes idle connections, waits up to `grace` for in-flight requests to
  //! finish, then stops the threads. Returns the number of connections cut off at the deadline.
  int Shutdown(std::chrono::milliseconds grace);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse::server
