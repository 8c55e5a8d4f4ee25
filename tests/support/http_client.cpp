#include "support/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>

namespace lakehouse::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string HttpReply::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return "";
}

HttpReply HttpCall(int port, const std::string& method, const std::string& target, const std::string& body,
                   std::vector<std::pair<std::string, std::string>> headers) {
  HttpReply reply;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 32);
    parser.skip(method == "HEAD");
    http::read(stream, buffer, parser);
    auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    for (const auto& field : res)
      reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& err) {
    reply.error = err.what();
  }
  return reply;
}

std::string RawExchange(int port, const std::string& bytes, int timeout_ms) {
  std::string out;
  try {
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    if (!bytes.empty()) net::write(socket, net::buffer(bytes));
    // Asynchronous reads so that the deadline holds even when the peer sends nothing.
    char chunk[4096];
    std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t n) {
      out.append(chunk, n);
      if (!ec) socket.async_read_some(net::buffer(chunk), on_read);
    };
    socket.async_read_some(net::buffer(chunk), on_read);
    ioc.run_for(std::chrono::milliseconds(timeout_ms));
  } catch (const std::exception& err) {
    out += std::string("[error: ") + err.what() + "]";
  }
  return out;
}

}  // namespace lakehouse::testing
