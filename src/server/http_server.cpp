#include "server/http_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "catalog/scratch_directory.h"
#include "common/log.h"
#include "server/http_error.h"
#include "server/worker_pool.h"

namespace lakehouse::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr uint32_t kHeaderLimit = 64 * 1024;
// Bounds on discarding a rejected request's remaining bytes before closing (see LingeringClose).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 8 * 1024 * 1024;
constexpr std::string_view kServerName = "lakehouse/" LAKEHOUSE_VERSION;

bool IsWellFormedRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

class Session;

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions opts, const Router& r) : options(std::move(opts)), router(r) {}

  void Register(Session* session, std::weak_ptr<Session> weak) {
    std::lock_guard lock(mu);
    sessions.emplace(session, std::move(weak));
  }
  void Unregister(Session* session) {
    std::lock_guard lock(mu);
    sessions.erase(session);
    if (sessions.empty()) cv.notify_all();
  }

  void DoAccept();

  HttpServerOptions options;
  const Router& router;
  std::atomic<bool> stopping{false};
  int bound_port = 0;

  // Declared before the io_context so that sessions destroyed with it can still unregister.
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_backoff;
  // Keeps the I/O threads running while the only work in flight sits on the worker pool (once
  // the acceptor is closed at shutdown, nothing else would); Shutdown stops the context itself.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  // After the io_context: destroyed first, so a dropped task's session can still unregister.
  std::unique_ptr<WorkerPool> pool;
};

// One connection: read a request, answer it, repeat while keep-alive.
//
// The head is read first; the route it names decides how the body is read (into memory, or
// streamed to a scratch file for uploads) and where the handler runs (the worker pool, or inline
// for cheap routes). All session state is touched on the connection's strand, except while a
// worker runs the handler or a body producer -- then the strand waits for the worker's answer.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~Session() {
    // The open file must close before its scratch directory goes.
    upload_parser_.reset();
    upload_scratch_.reset();
    server_.Unregister(this);
  }

  void Start() {
    server_.Register(this, weak_from_this());
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Closes the connection whatever it is doing, then calls `done` (shutdown past its deadline).
  void CloseNow(std::function<void()> done) {
    net::post(stream_.get_executor(), [self = shared_from_this(), done = std::move(done)] {
      self->Close();
      done();
    });
  }

  // Closes the connection if it is waiting for a request; a busy one closes after its response.
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

 private:
  void DoRead() {
    busy_ = false;
    if (server_.stopping.load()) return Close();
    header_parser_.emplace();
    // The route's own limit is checked once the head names the route (see OnHeader).
    header_parser_->body_limit(boost::none);
    header_parser_->header_limit(kHeaderLimit);
    stream_.expires_after(server_.options.request_timeout);
    http::async_read_header(stream_, buffer_, *header_parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Answers a request whose body was not (wholly) read, then closes (see LingeringClose).
  void Reject(HttpResponse response) {
    unread_input_ = true;
    Respond(std::move(response), request_id_.empty() ? NewRequestId() : request_id_, version_, false);
  }

  void RejectMalformed(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      return Reject(ErrorResponse(431, "headers_too_large",
                                  fmt::format("the request headers exceed {} bytes", kHeaderLimit)));
    }
    Reject(ErrorResponse(400, "bad_request", fmt::format("malformed HTTP request: {}", ec.message())));
  }

  HttpResponse TooLarge(bool upload) const {
    if (upload) {
      return ErrorResponse(413, "payload_too_large",
                           fmt::format("the upload is larger than server.max_upload_bytes ({} bytes); "
                                       "split the file or raise the limit",
                                       server_.options.max_upload_bytes));
    }
    return ErrorResponse(413, "payload_too_large",
                         fmt::format("the request body is larger than server.max_body_bytes ({} bytes); "
                                     "send a smaller body or raise the limit",
                                     server_.options.max_body_bytes));
  }

  static bool IsDisconnect(beast::error_code ec) {
    return ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
           ec == beast::error::timeout;
  }

  void OnHeader(beast::error_code ec, std::size_t /*bytes*/) {
    if (IsDisconnect(ec)) return Close();
    started_ = std::chrono::steady_clock::now();
    busy_ = true;
    method_ = "-";
    path_ = "-";
    request_id_.clear();
    version_ = 11;
    if (ec) {
      if (ec.category() != http::make_error_code(http::error::end_of_stream).category()) return Close();
      return RejectMalformed(ec);
    }
    auto& head = header_parser_->get();
    version_ = head.version();
    method_ = std::string(head.method_string());
    auto given_id = head["X-Request-Id"];
    request_id_ = IsWellFormedRequestId(given_id) ? std::string(given_id) : NewRequestId();
    HttpRequest probe;
    const bool target_ok = ParseTarget(head.target(), probe).ok();
    path_ = target_ok ? probe.path : std::string(head.target().substr(0, 256));
    route_ = target_ok ? server_.router.OptionsFor(method_, probe.path) : RouteOptions{true, false};

    const auto limit = static_cast<uint64_t>(route_.upload ? server_.options.max_upload_bytes
                                                           : server_.options.max_body_bytes);
    if (auto length = header_parser_->content_length(); length && *length > limit) {
      return Reject(TooLarge(route_.upload));
    }
    if (route_.upload) {
      upload_parser_.emplace(std::move(*header_parser_));
      upload_parser_->body_limit(limit);
      auto scratch = catalog::ScratchDirectory::Create(server_.options.upload_dir, "upload");
      if (scratch.ok()) {
        upload_scratch_ = std::move(scratch).value();
        upload_parser_->get().body().open(upload_scratch_->File("body").c_str(), beast::file_mode::write_new,
                                          ec);
      }
      if (!scratch.ok() || ec) {
        log::Error("cannot spool an upload",
                   {{"request_id", request_id_},
                    {"dir", server_.options.upload_dir},
                    {"error", scratch.ok() ? ec.message() : scratch.status().ToString()}});
        return Reject(ErrorResponse(
            Status::IOError("the server cannot store the upload in its scratch directory (engine.temp_dir); "
                            "check that it exists, is writable and has free space")));
      }
    } else {
      body_parser_.emplace(std::move(*header_parser_));
      body_parser_->body_limit(limit);
    }
    header_parser_.reset();
    const bool expects_continue =
        version_ >= 11 && Lower(route_.upload ? upload_parser_->get()[http::field::expect]
                                              : body_parser_->get()[http::field::expect]) == "100-continue";
    if (expects_continue && !Done()) {
      // The client waits for this before sending a large body (curl does for uploads).
      continue_ = http::response<http::empty_body>(http::status::continue_, version_);
      stream_.expires_after(server_.options.request_timeout);
      return http::async_write(stream_, continue_,
                               [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                                 if (write_ec) return self->Close();
                                 self->ReadBody();
                               });
    }
    ReadBody();
  }

  bool Done() const { return route_.upload ? upload_parser_->is_done() : body_parser_->is_done(); }

  void ReadBody() {
    if (Done()) return OnBody({});
    stream_.expires_after(server_.options.request_timeout);
    if (!route_.upload) {
      return http::async_read(
          stream_, buffer_, *body_parser_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnBody(ec); });
    }
    // Piece by piece, so the timeout limits idleness rather than the whole (possibly long) upload.
    http::async_read_some(stream_, buffer_, *upload_parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) return self->OnBody(ec);
                            self->ReadBody();
                          });
  }

  void OnBody(beast::error_code ec) {
    if (ec) {
      if (route_.upload) {
        log::Warn("upload ended early; nothing was kept",
                  {{"request_id", request_id_}, {"path", path_}, {"error", ec.message()}});
      }
      if (IsDisconnect(ec) || ec == http::error::partial_message) return Close();
      if (ec == http::error::body_limit) return Reject(TooLarge(route_.upload));
      if (ec.category() != http::make_error_code(http::error::end_of_stream).category()) return Close();
      return RejectMalformed(ec);
    }

    HttpRequest request;
    auto fill = [&](const auto& req) {
      request.method = method_;
      request.remote = remote_;
      request.request_id = request_id_;
      request.headers.reserve(8);
      for (const auto& field : req)
        request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
      keep_alive_ = req.keep_alive() && !server_.stopping.load();
      return ParseTarget(req.target(), request);
    };
    Status parsed;
    if (route_.upload) {
      parsed = fill(upload_parser_->get());
      upload_parser_->get().body().close();
      request.body_file = upload_scratch_->File("body");
    } else {
      parsed = fill(body_parser_->get());
      request.body = std::move(body_parser_->get().body());
    }
    if (!parsed.ok()) return Respond(ErrorResponse(parsed), request_id_, version_, keep_alive_);
    if (route_.run_inline) return Respond(RunHandler(request), request_id_, version_, keep_alive_);

    auto shared_request = std::make_shared<HttpRequest>(std::move(request));
    const bool queued = server_.pool->TrySubmit([self = shared_from_this(), shared_request] {
      auto response = std::make_shared<HttpResponse>(self->RunHandler(*shared_request));
      net::post(self->stream_.get_executor(), [self, response] {
        self->Respond(std::move(*response), self->request_id_, self->version_, self->keep_alive_);
      });
    });
    if (!queued) {
      HttpResponse busy = ErrorResponse(
          503, "overloaded",
          fmt::format("the server is busy: {} requests already wait for a worker; retry shortly, or raise "
                      "server.workers / server.queue_depth",
                      server_.options.queue_depth));
      busy.headers.emplace_back("Retry-After", "1");
      Respond(std::move(busy), request_id_, version_, keep_alive_);
    }
  }

  // Runs on a worker (or inline): touches only the request and the router, never the session.
  HttpResponse RunHandler(HttpRequest& request) const {
    try {
      return server_.router.Dispatch(request);
    } catch (const std::exception& err) {
      log::Error("handler failed",
                 {{"request_id", request.request_id}, {"path", request.path}, {"error", err.what()}});
      return ErrorResponse(
          500, "internal",
          "the server failed to handle this request; its logs hold the details under request id " +
              request.request_id);
    }
  }

  void Respond(HttpResponse response, std::string request_id, unsigned version, bool keep_alive) {
    const bool head = method_ == "HEAD";
    // A shutdown that began while the handler ran still gets this answer, then the connection closes.
    keep_alive = keep_alive && !server_.stopping.load();
    if (response.body_producer && !head) {
      return RespondStreaming(std::move(response), std::move(request_id), version, keep_alive);
    }
    res_ = {};
    res_.version(version);
    res_.result(static_cast<unsigned>(response.status));
    res_.set(http::field::server, kServerName);
    res_.set(http::field::content_type, response.content_type);
    res_.set("X-Request-Id", request_id);
    for (const auto& [name, value] : response.headers) res_.set(name, value);
    res_.body() = std::move(response.body);
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    if (head) res_.body().clear();
    status_ = response.status;
    request_id_ = std::move(request_id);
    stream_.expires_after(server_.options.request_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(), keep_alive));
  }

  // Sends the head, then one piece from the producer per completed write. HTTP/1.0 has no chunked
  // encoding, so there the body simply ends when the connection closes.
  void RespondStreaming(HttpResponse response, std::string request_id, unsigned version, bool keep_alive) {
    chunked_ = version >= 11;
    if (!chunked_) keep_alive = false;
    stream_head_ = {};
    stream_head_.version(version);
    stream_head_.result(static_cast<unsigned>(response.status));
    stream_head_.set(http::field::server, kServerName);
    stream_head_.set(http::field::content_type, response.content_type);
    stream_head_.set("X-Request-Id", request_id);
    for (const auto& [name, value] : response.headers) stream_head_.set(name, value);
    stream_head_.keep_alive(keep_alive);
    if (chunked_) stream_head_.chunked(true);
    producer_ = std::move(response.body_producer);
    producer_done_ = false;
    streamed_bytes_ = 0;
    status_ = response.status;
    request_id_ = std::move(request_id);
    head_serializer_.emplace(stream_head_);
    stream_.expires_after(server_.options.request_timeout);
    http::async_write_header(
        stream_, *head_serializer_,
        beast::bind_front_handler(&Session::OnStreamWrite, shared_from_this(), keep_alive));
  }

  void OnStreamWrite(bool keep_alive, beast::error_code ec, std::size_t bytes) {
    streamed_bytes_ += bytes;
    if (ec) return FinishStream(ec.message());
    if (producer_done_) {
      // The last piece (and, when chunked, the final chunk) is out: the response is complete.
      producer_ = nullptr;
      return OnWrite(keep_alive, ec, streamed_bytes_);
    }
    // The producer may block (a query fetching rows), so it runs on a worker too. Submit, not
    // TrySubmit: a response already under way is finished, never dropped for load.
    const bool queued = server_.pool->Submit([self = shared_from_this(), keep_alive] {
      self->Produce();
      net::post(self->stream_.get_executor(), [self, keep_alive] { self->WritePiece(keep_alive); });
    });
    if (!queued) FinishStream("the server is shutting down");
  }

  // On a worker, while the strand waits: fills piece_ with the producer's next piece.
  void Produce() {
    piece_.clear();
    produce_error_.reset();
    while (piece_.empty() && !producer_done_) {
      Result<bool> more = Status::Internal("the body producer threw");
      try {
        more = producer_(piece_);
      } catch (const std::exception& err) {
        more = Status::Internal(err.what());
      }
      if (!more.ok()) {
        produce_error_ = more.status().ToString();
        return;
      }
      producer_done_ = !*more;
    }
  }

  void WritePiece(bool keep_alive) {
    if (produce_error_) return FinishStream(*produce_error_);
    stream_.expires_after(server_.options.request_timeout);
    auto next = beast::bind_front_handler(&Session::OnStreamWrite, shared_from_this(), keep_alive);
    if (!chunked_) return net::async_write(stream_, net::buffer(piece_), std::move(next));
    if (producer_done_) {
      if (piece_.empty()) return net::async_write(stream_, http::make_chunk_last(), std::move(next));
      return net::async_write(
          stream_, http::make_chunk(net::buffer(piece_)),
          [self = shared_from_this(), keep_alive](beast::error_code write_ec, std::size_t n) {
            self->streamed_bytes_ += n;
            if (write_ec) return self->FinishStream(write_ec.message());
            net::async_write(self->stream_, http::make_chunk_last(),
                             beast::bind_front_handler(&Session::OnStreamWrite, self, keep_alive));
          });
    }
    net::async_write(stream_, http::make_chunk(net::buffer(piece_)), std::move(next));
  }

  // Ends a stream that could not complete: logs why and closes the connection mid-body, which is
  // the only honest signal left once the status line has been sent.
  void FinishStream(const std::string& why) {
    producer_ = nullptr;
    log::Warn("streamed response ended early",
              {{"request_id", request_id_}, {"path", path_}, {"bytes", streamed_bytes_}, {"error", why}});
    OnWrite(false, beast::error_code{}, streamed_bytes_);
  }

  void OnWrite(bool keep_alive, beast::error_code ec, std::size_t bytes) {
    if (server_.options.access_log && log::Enabled(log::Level::kInfo)) {
      auto micros =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
      log::Info("request", {{"request_id", request_id_},
                            {"method", method_},
                            {"path", path_},
                            {"status", status_},
                            {"bytes", bytes},
                            {"duration_us", micros.count()},
                            {"remote", remote_}});
    }
    // The upload (if any) has served its purpose: drop it before the connection reads on.
    upload_parser_.reset();
    upload_scratch_.reset();
    body_parser_.reset();
    if (!ec && unread_input_) return LingeringClose();
    if (ec || !keep_alive || server_.stopping.load()) return Close();
    DoRead();
  }

  // After answering a request that was rejected before it was read whole, closing at once would
  // make the kernel reset the connection over the unread bytes, and a reset can destroy the answer
  // before the client reads it. So: end our side, then discard what the client still sends, for a
  // bounded time and amount, before closing.
  void LingeringClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    DrainInput(0);
  }

  void DrainInput(std::size_t drained) {
    if (drained > kLingerBytes) return Close();
    stream_.async_read_some(net::buffer(drain_chunk_),
                            [self = shared_from_this(), drained](beast::error_code ec, std::size_t n) {
                              if (ec) return self->Close();
                              self->DrainInput(drained + n);
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  // Reading: the head first, then the body into memory or (uploads) into a scratch file.
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  std::optional<http::request_parser<http::file_body>> upload_parser_;
  std::unique_ptr<catalog::ScratchDirectory> upload_scratch_;
  http::response<http::empty_body> continue_;
  RouteOptions route_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  std::optional<std::string> produce_error_;
  http::response<http::string_body> res_;
  // Streaming state (RespondStreaming); one streamed response at a time per connection.
  http::response<http::empty_body> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> head_serializer_;
  HttpResponse::BodyProducer producer_;
  std::string piece_;
  bool chunked_ = true;
  bool producer_done_ = false;
  std::size_t streamed_bytes_ = 0;
  bool busy_ = false;
  bool unread_input_ = false;
  std::array<char, 16384> drain_chunk_{};
  std::string remote_;
  std::string method_;
  std::string path_;
  std::string request_id_;
  int status_ = 0;
  std::chrono::steady_clock::time_point started_;
};

void HttpServer::Impl::DoAccept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping.load() || ec == net::error::operation_aborted) return;
    if (ec) {
      // Typically out of file descriptors: back off instead of spinning.
      log::Warn("accept failed", {{"error", ec.message()}});
      accept_backoff.emplace(ioc, std::chrono::milliseconds(50));
      accept_backoff->async_wait([this](beast::error_code) {
        if (!stopping.load()) DoAccept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), *this)->Start();
    DoAccept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() {
  if (!impl_->threads.empty()) Shutdown(std::chrono::milliseconds(0));
}

Status HttpServer::Start() {
  Impl& s = *impl_;
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  auto endpoints = resolver.resolve(s.options.host, std::to_string(s.options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Status::InvalidArgument(
        fmt::format("cannot resolve server.host '{}': {}; use an IP address such as 127.0.0.1",
                    s.options.host, ec ? ec.message() : "no addresses"));
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  s.acceptor.emplace(s.ioc);
  auto fail = [&](std::string_view step) {
    std::string hint =
        ec == net::error::address_in_use
            ? "; another process (perhaps another lakehouse) is using it: stop it or choose --port"
        : ec == net::error::access_denied ? "; ports below 1024 need privileges: choose --port"
                                          : "";
    return Status::Unavailable(
        fmt::format("cannot {} {}:{}: {}{}", step, s.options.host, s.options.port, ec.message(), hint));
  };
  s.acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  s.acceptor->bind(endpoint, ec);
  if (ec) return fail("listen on");
  s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  s.bound_port = s.acceptor->local_endpoint().port();

  const int workers = s.options.workers > 0
                          ? s.options.workers
                          : static_cast<int>(std::max(8u, 4 * std::thread::hardware_concurrency()));
  s.pool =
      std::make_unique<WorkerPool>(workers, static_cast<std::size_t>(std::max(0, s.options.queue_depth)));
  s.work.emplace(s.ioc.get_executor());
  s.DoAccept();
  unsigned n = s.options.threads > 0 ? static_cast<unsigned>(s.options.threads)
                                     : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    s.threads.emplace_back([&s] { s.ioc.run(); });
  }
  return Status::OK();
}

int HttpServer::port() const { return impl_->bound_port; }

int HttpServer::Shutdown(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  if (s.threads.empty()) return 0;
  s.stopping = true;
  net::post(s.ioc, [&s] {
    beast::error_code ignored;
    if (s.acceptor) s.acceptor->close(ignored);
    if (s.accept_backoff) s.accept_backoff->cancel();
  });
  // Take references first: a session must never be destroyed (and unregister) under the lock.
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(s.mu);
    for (auto& [raw, weak] : s.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->CloseIfIdle();
  live.clear();
  std::unique_lock lock(s.mu);
  s.cv.wait_for(lock, grace, [&s] { return s.sessions.empty(); });
  int cut_off = static_cast<int>(s.sessions.size());
  for (auto& [raw, weak] : s.sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  lock.unlock();
  // Past the deadline: close the connections still open, on their strands, so their clients see
  // the cut at once (a handler still running on a worker finds its socket closed).
  auto closed = std::make_shared<std::atomic<std::size_t>>(0);
  for (auto& session : live) session->CloseNow([closed] { ++*closed; });
  const std::size_t to_close = live.size();
  live.clear();
  for (int i = 0; i < 200 && closed->load() < to_close; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Handlers that outlived the grace period finish here; their answers go nowhere.
  s.pool->Stop();
  s.work.reset();
  s.ioc.stop();
  for (auto& thread : s.threads) thread.join();
  s.threads.clear();
  return cut_off;
}

}  // namespace lakehouse::server
