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

#include "common/log.h"
#include "server/http_error.h"

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
  std::vector<std::thread> threads;
};

// One connection: read a request, answer it, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~Session() { server_.Unregister(this); }

  void Start() {
    server_.Register(this, weak_from_this());
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::DoRead, shared_from_this()));
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
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(server_.options.max_body_bytes));
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(server_.options.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout) {
      return Close();
    }
    started_ = std::chrono::steady_clock::now();
    busy_ = true;
    if (ec) {
      if (ec.category() != http::make_error_code(http::error::end_of_stream).category()) return Close();
      HttpResponse response;
      if (ec == http::error::body_limit) {
        response =
            ErrorResponse(413, "payload_too_large",
                          fmt::format("the request body is larger than server.max_body_bytes ({} bytes); "
                                      "send a smaller body or raise the limit",
                                      server_.options.max_body_bytes));
      } else if (ec == http::error::header_limit) {
        response = ErrorResponse(431, "headers_too_large",
                                 fmt::format("the request headers exceed {} bytes", kHeaderLimit));
      } else {
        response = ErrorResponse(400, "bad_request", fmt::format("malformed HTTP request: {}", ec.message()));
      }
      method_ = "-";
      path_ = "-";
      unread_input_ = true;
      return Respond(std::move(response), NewRequestId(), 11, false);
    }

    auto& req = parser_->get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.remote = remote_;
    request.headers.reserve(8);
    for (const auto& field : req)
      request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
    auto given_id = req["X-Request-Id"];
    request.request_id = IsWellFormedRequestId(given_id) ? std::string(given_id) : NewRequestId();
    const bool keep_alive = req.keep_alive() && !server_.stopping.load();
    const unsigned version = req.version();
    method_ = request.method;

    HttpResponse response;
    Status parsed = ParseTarget(req.target(), request);
    path_ = parsed.ok() ? request.path : std::string(req.target().substr(0, 256));
    if (!parsed.ok()) {
      response = ErrorResponse(parsed);
    } else {
      request.body = std::move(req.body());
      try {
        response = server_.router.Dispatch(request);
      } catch (const std::exception& err) {
        log::Error("handler failed",
                   {{"request_id", request.request_id}, {"path", request.path}, {"error", err.what()}});
        response = ErrorResponse(
            500, "internal",
            "the server failed to handle this request; its logs hold the details under request id " +
                request.request_id);
      }
    }
    Respond(std::move(response), std::move(request.request_id), version, keep_alive);
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
    piece_.clear();
    while (piece_.empty() && !producer_done_) {
      Result<bool> more = Status::Internal("the body producer threw");
      try {
        more = producer_(piece_);
      } catch (const std::exception& err) {
        more = Status::Internal(err.what());
      }
      if (!more.ok()) return FinishStream(more.status().ToString());
      producer_done_ = !*more;
    }
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
  std::optional<http::request_parser<http::string_body>> parser_;
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
  lock.unlock();
  s.ioc.stop();
  for (auto& thread : s.threads) thread.join();
  s.threads.clear();
  return cut_off;
}

}  // namespace lakehouse::server
