#include "server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "support/http_client.h"

namespace lakehouse::server {
namespace {

using lakehouse::testing::HttpCall;
using lakehouse::testing::HttpReply;
using lakehouse::testing::RawExchange;

HttpServerOptions TestOptions() {
  HttpServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.access_log = false;
  return options;
}

TEST(HttpServer, InFlightRequestsFinishDuringShutdown) {
  Router router;
  std::atomic<bool> entered{false};
  router.Add("GET", "/slow", [&](HttpRequest&) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return HttpResponse::FromJson(200, {{"done", true}});
  });
  HttpServer server(TestOptions(), router);
  ASSERT_TRUE(server.Start().ok());
  auto reply = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/slow"); });
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int cut = server.Shutdown(std::chrono::seconds(5));
  EXPECT_EQ(cut, 0);
  HttpReply answer = reply.get();
  EXPECT_EQ(answer.status, 200) << answer.error;
  EXPECT_EQ(answer.body, R"({"done":true})");
  EXPECT_EQ(answer.Header("Connection"), "close") << "no keep-alive once shutting down";
  EXPECT_NE(HttpCall(server.port(), "GET", "/slow").error, "") << "no new connections after shutdown";
}

TEST(HttpServer, ShutdownCutsOffRequestsThatOutliveTheGracePeriod) {
  Router router;
  std::atomic<bool> entered{false};
  router.Add("GET", "/stuck", [&](HttpRequest&) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return HttpResponse::FromJson(200, {});
  });
  HttpServer server(TestOptions(), router);
  ASSERT_TRUE(server.Start().ok());
  auto reply = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/stuck"); });
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server.Shutdown(std::chrono::milliseconds(100)), 1);
  reply.get();
}

TEST(HttpServer, IdleKeepAliveConnectionsDoNotHoldUpShutdown) {
  Router router;
  router.Add("GET", "/ping", [](HttpRequest&) { return HttpResponse::FromJson(200, {}); });
  HttpServer server(TestOptions(), router);
  ASSERT_TRUE(server.Start().ok());
  // A client that connects and then sends nothing, holding the connection open.
  auto idle = std::async(std::launch::async,
                         [&] { return lakehouse::testing::RawExchange(server.port(), "", 20000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server.Shutdown(std::chrono::seconds(10)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  idle.get();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5))
      << "the idle client saw the close";
}

TEST(HttpServer, HandlerExceptionsBecome500WithoutDetails) {
  Router router;
  router.Add("GET", "/boom",
             [](HttpRequest&) -> HttpResponse { throw std::runtime_error("secret internals"); });
  HttpServer server(TestOptions(), router);
  ASSERT_TRUE(server.Start().ok());
  HttpReply reply = HttpCall(server.port(), "GET", "/boom");
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body.find("secret internals"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find(reply.Header("X-Request-Id")), std::string::npos) << "names the request id";
  server.Shutdown(std::chrono::seconds(1));
}

TEST(HttpServer, BindFailureNamesTheAddress) {
  Router router;
  HttpServer first(TestOptions(), router);
  ASSERT_TRUE(first.Start().ok());
  HttpServerOptions options = TestOptions();
  options.port = first.port();
  HttpServer second(options, router);
  Status st = second.Start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find(std::to_string(first.port())), std::string::npos) << st.message();

  HttpServerOptions bad_host = TestOptions();
  bad_host.host = "not a host name";
  HttpServer third(bad_host, router);
  EXPECT_EQ(third.Start().code(), StatusCode::kInvalidArgument);
}

// A producer that yields `pieces` pieces "piece-<i>\n", then fails if `fail` is set.
HttpResponse Streamed(int pieces, bool fail) {
  HttpResponse response;
  response.content_type = "text/plain";
  response.body_producer = [pieces, fail, next = 0](std::string& out) mutable -> Result<bool> {
    if (next == pieces) {
      if (fail) return Status::Internal("the producer gave up");
      return false;
    }
    out = "piece-" + std::to_string(next++) + "\n";
    return fail || next < pieces;
  };
  return response;
}

TEST(HttpServer, StreamedBodiesAreSentChunkedAndKeepTheConnection) {
  Router router;
  router.Add("GET", "/stream", [](HttpRequest&) { return Streamed(1000, false); });
  HttpServer server(TestOptions(), router);
  ASSERT_TRUE(server.Start().ok());
  HttpReply reply = HttpCall(server.port(), "GET", "/stream");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(reply.Header("Content-Type"), "text/plain");
  EXPECT_FALSE(reply.Header("X-Request-Id").empty());
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += "piece-" + std::to_string(i) + "\n";
  EXPECT_EQ(reply.body, expected);
  // Two requests on one keep-alive connection: the second answer follows the first's final chunk.
  const std::string raw = RawExchange(server.port(),
                                      "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"
                                      "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(raw.find("HTTP/1.1 200"), 0u);
  EXPECT_NE(raw.find("0\r\n\r\nHTTP/1.1 200"), std::string::npos) << "final chunk, then the next response";
  EXPECT_TRUE(raw.ends_with("\r\n0\r\n\r\n"));
  server.Shutdown(std::chrono::seconds(1));
}

TEST(HttpServer, StreamedBodiesToHttp10ClientsEndWithTheConnection) {
  Router router;
  router.Add("GET", "/stream", [](HttpRequest&) { return Streamed(3, false); });
  HttpServer server(TestOptions(), router);
  ASSERT_TRUE(server.Start().ok());
  const std::string raw = RawExchange(server.port(), "GET /stream HTTP/1.0\r\n\r\n");
  EXPECT_EQ(raw.find("HTTP/1.0 200"), 0u) << raw;
  EXPECT_EQ(raw.find("chunked"), std::string::npos);
  EXPECT_TRUE(raw.ends_with("\r\n\r\npiece-0\npiece-1\npiece-2\n")) << raw;
  server.Shutdown(std::chrono::seconds(1));
}

TEST(HttpServer, AFailingProducerCutsTheStreamShort) {
  Router router;
  router.Add("GET", "/stream", [](HttpRequest&) { return Streamed(2, true); });
  HttpServer server(TestOptions(), router);
  ASSERT_TRUE(server.Start().ok());
  const std::string raw = RawExchange(server.port(), "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(raw.find("piece-1\n"), std::string::npos) << raw;
  EXPECT_FALSE(raw.ends_with("0\r\n\r\n")) << "no final chunk after a failure: " << raw;
  EXPECT_NE(HttpCall(server.port(), "GET", "/stream").error, "") << "a client sees the body incomplete";
  server.Shutdown(std::chrono::seconds(1));
}

}  // namespace
}  // namespace lakehouse::server
