#include "server/http_server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
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

namespace lakehouse::server {
namespace {

using lakehouse::testing::HttpCall;
using lakehouse::testing::HttpReply;
using lakehouse::testing::RawExchange;

// A door that handlers wait at until the test opens it.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  //! Waits until `n` handlers stand at the gate (or 10 s pass); returns whether they do.
  bool AwaitWaiting(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

HttpServerOptions PoolOptions(int io_threads, int workers, int queue_depth) {
  HttpServerOptions options;
  options.port = 0;
  options.threads = io_threads;
  options.workers = workers;
  options.queue_depth = queue_depth;
  options.access_log = false;
  return options;
}

TEST(HttpServerWorkers, BlockedHandlersDoNotHoldUpOtherConnections) {
  Router router;
  Gate gate;
  router.Add("GET", "/block", [&](HttpRequest&) {
    gate.Wait();
    return HttpResponse::FromJson(200, {{"blocked", false}});
  });
  router.Add("GET", "/fast", [](HttpRequest&) { return HttpResponse::FromJson(200, {{"fast", true}}); });
  router.Add(
      "GET", "/health",
      [](HttpRequest&) {
        return HttpResponse::FromJson(200, {{"status", "ok"}});
      },
      RouteOptions{.run_inline = true});
  // One I/O thread and three workers: before handlers moved off the I/O threads, the first
  // blocked handler stalled every connection.
  HttpServer server(PoolOptions(1, 3, 8), router);
  ASSERT_TRUE(server.Start().ok());
  auto first = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/block"); });
  auto second = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/block"); });
  ASSERT_TRUE(gate.AwaitWaiting(2));

  auto health = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/health"); });
  auto fast = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/fast"); });
  const bool answered = health.wait_for(std::chrono::seconds(10)) == std::future_status::ready &&
                        fast.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  gate.Open();  // whatever happened, let the blocked handlers go so the test can end
  ASSERT_TRUE(answered) << "/health and /fast waited for the blocked handlers";
  EXPECT_EQ(health.get().status, 200);
  EXPECT_EQ(fast.get().body, R"({"fast":true})");
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
  EXPECT_EQ(server.Shutdown(std::chrono::seconds(5)), 0);
}

TEST(HttpServerWorkers, AFullQueueAnswers503WithRetryAfterAndHealthStillAnswers) {
  Router router;
  Gate gate;
  router.Add("GET", "/block", [&](HttpRequest&) {
    gate.Wait();
    return HttpResponse::FromJson(200, {{"done", true}});
  });
  router.Add(
      "GET", "/health",
      [](HttpRequest&) {
        return HttpResponse::FromJson(200, {{"status", "ok"}});
      },
      RouteOptions{.run_inline = true});
  // One worker, room for one waiting request.
  HttpServer server(PoolOptions(2, 1, 1), router);
  ASSERT_TRUE(server.Start().ok());
  auto running = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/block"); });
  ASSERT_TRUE(gate.AwaitWaiting(1));

  // Of the next four, one fits in the queue; the other three are turned away at once.
  std::vector<std::future<HttpReply>> more;
  for (int i = 0; i < 4; ++i) {
    more.push_back(std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/block"); }));
  }
  int rejected = 0;
  std::vector<HttpReply> rejections;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (rejected < 3 && std::chrono::steady_clock::now() < deadline) {
    for (auto& reply : more) {
      if (!reply.valid() || reply.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready)
        continue;
      rejections.push_back(reply.get());
      ++rejected;
    }
  }
  // Give a wrongly rejected fourth a moment to show up before counting.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (auto& reply : more) {
    if (reply.valid() && reply.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) {
      rejections.push_back(reply.get());
      ++rejected;
    }
  }
  EXPECT_EQ(HttpCall(server.port(), "GET", "/health").status, 200) << "health runs inline";
  gate.Open();
  EXPECT_EQ(rejected, 3) << "exactly the requests beyond the queue were rejected";
  for (const auto& answer : rejections) {
    EXPECT_EQ(answer.status, 503) << answer.body;
    EXPECT_EQ(answer.Header("Retry-After"), "1");
    EXPECT_NE(answer.body.find("server.queue_depth"), std::string::npos) << answer.body;
  }
  EXPECT_EQ(running.get().status, 200);
  for (auto& reply : more) {
    if (reply.valid()) {
      EXPECT_EQ(reply.get().status, 200) << "the queued request ran once a worker was free";
    }
  }
  EXPECT_EQ(server.Shutdown(std::chrono::seconds(5)), 0);
}

TEST(HttpServerWorkers, ShutdownLetsQueuedAndRunningRequestsFinish) {
  Router router;
  std::atomic<int> entered{0};
  router.Add("GET", "/slow", [&](HttpRequest&) {
    ++entered;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return HttpResponse::FromJson(200, {{"done", true}});
  });
  HttpServer server(PoolOptions(2, 1, 4), router);
  ASSERT_TRUE(server.Start().ok());
  auto a = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/slow"); });
  auto b = std::async(std::launch::async, [&] { return HttpCall(server.port(), "GET", "/slow"); });
  while (entered == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the second one reach the queue
  EXPECT_EQ(server.Shutdown(std::chrono::seconds(10)), 0);
  EXPECT_EQ(a.get().status, 200);
  EXPECT_EQ(b.get().status, 200);
}

// An upload route that reports what reached its file.
struct UploadProbe {
  std::mutex mu;
  std::string last_file;
  int calls = 0;
};

Router UploadRouter(UploadProbe& probe) {
  Router router;
  router.Add(
      "POST", "/upload",
      [&probe](HttpRequest& request) {
        std::ifstream in(request.body_file, std::ios::binary);
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::lock_guard lock(probe.mu);
        probe.last_file = request.body_file;
        ++probe.calls;
        return HttpResponse::FromJson(
            200, {{"bytes", content.size()},
                  {"in_memory", request.body.size()},
                  {"head", content.substr(0, 16)},
                  {"tail", content.size() > 16 ? content.substr(content.size() - 16) : ""}});
      },
      RouteOptions{.upload = true});
  router.Add("POST", "/echo", [](HttpRequest& request) {
    return HttpResponse::FromJson(200, {{"bytes", request.body.size()}});
  });
  return router;
}

class HttpServerUploads : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lh-upload-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  HttpServerOptions Options() const {
    HttpServerOptions options = PoolOptions(2, 2, 8);
    options.max_body_bytes = 1024;  // far below the uploads: they must not be read into memory
    options.max_upload_bytes = 8 << 20;
    options.upload_dir = dir_.string();
    return options;
  }
  //! Whether the upload directory is empty, waiting up to 5 s for the server to clean it.
  bool UploadDirEmpties() const {
    for (int i = 0; i < 500; ++i) {
      if (std::filesystem::is_empty(dir_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::filesystem::path dir_;
};

TEST_F(HttpServerUploads, BodiesStreamToAFileBeyondTheInMemoryLimitAndTheFileIsRemovedAfter) {
  UploadProbe probe;
  Router router = UploadRouter(probe);
  HttpServer server(Options(), router);
  ASSERT_TRUE(server.Start().ok());
  std::string body(3 << 20, 'x');
  body.replace(0, 5, "first");
  body.replace(body.size() - 4, 4, "last");
  HttpReply reply = HttpCall(server.port(), "POST", "/upload", body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(fmt::format("\"bytes\":{}", body.size())), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("\"in_memory\":0"), std::string::npos);
  EXPECT_NE(reply.body.find("\"head\":\"firstxxxx"), std::string::npos);
  EXPECT_NE(reply.body.find("xxxxlast\""), std::string::npos);
  EXPECT_TRUE(UploadDirEmpties()) << "the scratch file outlived the response";
  EXPECT_FALSE(std::filesystem::exists(probe.last_file));
  EXPECT_EQ(HttpCall(server.port(), "POST", "/echo", std::string(2048, 'y')).status, 413)
      << "ordinary routes keep the in-memory limit";
}

TEST_F(HttpServerUploads, ChunkedUploadsAndExpectContinueWork) {
  UploadProbe probe;
  Router router = UploadRouter(probe);
  HttpServer server(Options(), router);
  ASSERT_TRUE(server.Start().ok());
  std::string raw =
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n";
  std::string sent;
  for (int i = 0; i < 40; ++i) {
    std::string piece(50'000, static_cast<char>('a' + i % 26));
    sent += piece;
    raw += fmt::format("{:x}\r\n{}\r\n", piece.size(), piece);
  }
  raw += "0\r\n\r\n";
  const std::string answer = RawExchange(server.port(), raw);
  EXPECT_NE(answer.find("HTTP/1.1 100 Continue"), std::string::npos) << answer.substr(0, 200);
  EXPECT_NE(answer.find("HTTP/1.1 200 OK"), std::string::npos) << answer.substr(0, 400);
  EXPECT_NE(answer.find(fmt::format("\"bytes\":{}", sent.size())), std::string::npos) << answer;
  EXPECT_TRUE(UploadDirEmpties());
}

TEST_F(HttpServerUploads, UploadsBeyondTheUploadLimitGet413AndLeaveNothing) {
  UploadProbe probe;
  Router router = UploadRouter(probe);
  HttpServerOptions options = Options();
  options.max_upload_bytes = 100'000;
  HttpServer server(options, router);
  ASSERT_TRUE(server.Start().ok());
  HttpReply declared = HttpCall(server.port(), "POST", "/upload", std::string(100'001, 'z'));
  EXPECT_EQ(declared.status, 413);
  EXPECT_NE(declared.body.find("server.max_upload_bytes"), std::string::npos) << declared.body;

  // Chunked: the size is only known as the chunks arrive.
  std::string raw = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) raw += fmt::format("{:x}\r\n{}\r\n", 40'000, std::string(40'000, 'c'));
  raw += "0\r\n\r\n";
  const std::string answer = RawExchange(server.port(), raw);
  EXPECT_NE(answer.find("HTTP/1.1 413"), std::string::npos) << answer.substr(0, 300);
  EXPECT_EQ(probe.calls, 0) << "the handler never saw an oversized upload";
  EXPECT_TRUE(UploadDirEmpties());
}

TEST_F(HttpServerUploads, AnUploadCutShortNeverReachesTheHandlerAndItsFileIsRemoved) {
  UploadProbe probe;
  Router router = UploadRouter(probe);
  HttpServer server(Options(), router);
  ASSERT_TRUE(server.Start().ok());
  // Announces 1 MB, sends 300 KB, hangs up.
  std::string raw = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n";
  raw += std::string(300'000, 'p');
  RawExchange(server.port(), raw, 300);
  // Chunked, without the last chunk.
  std::string chunked = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  chunked += fmt::format("{:x}\r\n{}\r\n", 200'000, std::string(200'000, 'q'));
  RawExchange(server.port(), chunked, 300);
  EXPECT_TRUE(UploadDirEmpties()) << "a partial upload was left behind";
  EXPECT_EQ(probe.calls, 0);
  // The server is fine afterwards.
  EXPECT_EQ(HttpCall(server.port(), "POST", "/upload", "complete").status, 200);
  EXPECT_EQ(probe.calls, 1);
}

TEST_F(HttpServerUploads, AnUnusableUploadDirectoryIsAClear500) {
  UploadProbe probe;
  Router router = UploadRouter(probe);
  HttpServerOptions options = Options();
  // A regular file where the directory should be: nobody, not even root, can create files in it.
  options.upload_dir = (dir_ / "not-a-directory").string();
  std::ofstream(options.upload_dir) << "x";
  HttpServer server(options, router);
  ASSERT_TRUE(server.Start().ok());
  HttpReply reply = HttpCall(server.port(), "POST", "/upload", "data");
  EXPECT_EQ(reply.status, 500) << reply.body;
  EXPECT_NE(reply.body.find("engine.temp_dir"), std::string::npos) << reply.body;
  EXPECT_EQ(probe.calls, 0);
}

}  // namespace
}  // namespace lakehouse::server
