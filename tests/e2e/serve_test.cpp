// End to end: the real `lakehouse` binary, started as a user would start it.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

constexpr const char* kServices[] = {"storage", "catalog", "query", "journal", "ai", "vector", "tools"};

TEST(Serve, AnswersHealthWithEveryServiceOk) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  HttpReply reply = HttpCall(server.port(), "GET", "/health");
  ASSERT_EQ(reply.status, 200) << reply.error << reply.body;
  EXPECT_EQ(reply.Header("Content-Type"), "application/json");
  json health = json::parse(reply.body);
  EXPECT_EQ(health["status"], "ok");
  for (const char* name : kServices) {
    ASSERT_TRUE(health["services"].contains(name)) << name << " missing from " << reply.body;
    EXPECT_EQ(health["services"][name]["status"], "ok") << name;
    HttpReply one = HttpCall(server.port(), "GET", std::string("/") + name + "/health");
    EXPECT_EQ(one.status, 200) << name;
    EXPECT_EQ(json::parse(one.body)["service"], name);
  }
  EXPECT_EQ(health["services"]["query"]["engine"], "duckdb");
  EXPECT_TRUE(std::filesystem::is_directory(server.data_dir() + "/data")) << "primary bucket root is created";
}

TEST(Serve, UnknownRoutesAndMethodsGetJsonErrors) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  HttpReply missing = HttpCall(server.port(), "GET", "/no/such/thing");
  EXPECT_EQ(missing.status, 404);
  json error = json::parse(missing.body);
  EXPECT_EQ(error["error"]["code"], "not_found");
  EXPECT_FALSE(error["error"]["message"].get<std::string>().empty());

  HttpReply wrong = HttpCall(server.port(), "DELETE", "/health");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("Allow"), "GET");
  EXPECT_EQ(json::parse(wrong.body)["error"]["code"], "method_not_allowed");
}

TEST(Serve, EchoesOrAssignsARequestIdAndLogsItAsJson) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  HttpReply given = HttpCall(server.port(), "GET", "/health", "", {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(given.Header("X-Request-Id"), "trace-abc.123");
  HttpReply assigned =
      HttpCall(server.port(), "GET", "/health", "", {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_EQ(assigned.Header("X-Request-Id").size(), 16u);
  EXPECT_EQ(server.Stop(SIGTERM), 0);

  bool seen = false;
  std::istringstream lines(server.Logs());
  for (std::string line; std::getline(lines, line);) {
    json entry = json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << "every log line is JSON: " << line;
    EXPECT_TRUE(entry.contains("ts") && entry.contains("level") && entry.contains("msg")) << line;
    if (entry["msg"] == "request" && entry.value("request_id", "") == "trace-abc.123") {
      seen = true;
      EXPECT_EQ(entry["status"], 200);
      EXPECT_EQ(entry["path"], "/health");
    }
  }
  EXPECT_TRUE(seen) << server.Logs();
}

TEST(Serve, SurvivesGarbageOversizedAndEmptyRequests) {
  ServerProcess server({}, {{"LAKEHOUSE_SERVER_MAX_BODY_BYTES", "1024"}});
  ASSERT_TRUE(server.ok()) << server.error();
  std::string garbage = RawExchange(server.port(), std::string("\x16\x03\x01\x00\xff garbage\r\n\r\n", 18));
  EXPECT_NE(garbage.find("400"), std::string::npos) << garbage;
  EXPECT_NE(
      RawExchange(server.port(), "GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("400"),
      std::string::npos);
  EXPECT_EQ(RawExchange(server.port(), "", 300), "");

  HttpReply big = HttpCall(server.port(), "POST", "/health", std::string(4096, 'x'));
  EXPECT_EQ(big.status, 413) << big.body << big.error;
  EXPECT_EQ(json::parse(big.body)["error"]["code"], "payload_too_large");

  std::string huge_header =
      "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(200000, 'a') + "\r\n\r\n";
  // Repeated: the answer must survive the server closing on bytes it never read.
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::string reply = RawExchange(server.port(), huge_header);
    ASSERT_NE(reply.find(" 431 "), std::string::npos) << "attempt " << attempt << ": " << reply;
  }
  std::string huge_body =
      "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n" + std::string(3000000, 'b');
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::string reply = RawExchange(server.port(), huge_body);
    ASSERT_NE(reply.find(" 413 "), std::string::npos)
        << "attempt " << attempt << ": " << reply.substr(0, 300);
  }

  EXPECT_EQ(HttpCall(server.port(), "GET", "/health").status, 200) << "still serving after bad input";
}

TEST(Serve, StopsGracefullyOnSigintAndSigterm) {
  for (int sig : {SIGINT, SIGTERM}) {
    ServerProcess server;
    ASSERT_TRUE(server.ok()) << server.error();
    ASSERT_EQ(HttpCall(server.port(), "GET", "/health").status, 200);
    EXPECT_EQ(server.Stop(sig, std::chrono::seconds(20)), 0) << server.Logs();
    EXPECT_NE(server.Logs().find("\"msg\":\"stopped\""), std::string::npos) << server.Logs();
  }
}

TEST(Serve, BrokenConfigExitsNonZeroNamingKeyAndLine) {
  char tmpl[] = "/tmp/lakehouse-e2e-cfg-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::ofstream(dir + "/lakehouse.toml") << "[server]\nhost = \"127.0.0.1\"\n\n[log]\nlevle = \"info\"\n";
  CommandResult result = RunLakehouse({"serve", "--config", dir + "/lakehouse.toml", "--port", "0"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("lakehouse.toml:5"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("log.levle"), std::string::npos) << result.err;

  // ./lakehouse.toml is picked up from the working directory.
  CommandResult from_cwd = RunLakehouse({"serve", "--port", "0"}, {}, dir);
  EXPECT_EQ(from_cwd.exit_code, 2) << from_cwd.err;

  CommandResult bad_env = RunLakehouse({"serve", "--port", "0"}, {{"LAKEHOUSE_SERVER_PORT", "many"}});
  EXPECT_EQ(bad_env.exit_code, 2);
  EXPECT_NE(bad_env.err.find("LAKEHOUSE_SERVER_PORT"), std::string::npos) << bad_env.err;
  std::filesystem::remove_all(dir);
}

TEST(Serve, PortInUseIsAClearError) {
  ServerProcess first;
  ASSERT_TRUE(first.ok()) << first.error();
  CommandResult second =
      RunLakehouse({"serve", "--port", std::to_string(first.port()), "--data-dir", first.data_dir() + "/2"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("already in use"), std::string::npos) << second.err;
}

TEST(Cli, PrintsVersionHelpAndEffectiveConfig) {
  CommandResult version = RunLakehouse({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("lakehouse " LAKEHOUSE_VERSION), std::string::npos) << version.out;

  CommandResult help = RunLakehouse({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("serve"), std::string::npos);

  CommandResult config = RunLakehouse({"config", "--port", "4321"}, {{"LAKEHOUSE_LOG_LEVEL", "warn"}});
  EXPECT_EQ(config.exit_code, 0) << config.err;
  EXPECT_NE(config.out.find("port = 4321"), std::string::npos) << config.out;
  EXPECT_NE(config.out.find("level = \"warn\""), std::string::npos) << config.out;

  CommandResult unknown = RunLakehouse({"frobnicate"});
  EXPECT_NE(unknown.exit_code, 0);
}

}  // namespace
}  // namespace lakehouse::testing

namespace lakehouse::testing {
namespace {

TEST(ServeDemo, FirstStartLoadsTheStaffingDemoAndSqlSeesIt) {
  ServerProcess server({"--demo"});
  ASSERT_TRUE(server.ok()) << server.error();
  HttpReply datasets = HttpCall(server.port(), "GET", "/datasets");
  ASSERT_EQ(datasets.status, 200) << datasets.body;
  EXPECT_EQ(nlohmann::json::parse(datasets.body)["count"], 5);

  HttpReply zips = HttpCall(
      server.port(), "POST", "/query",
      R"({"sql": "SELECT count(*) AS n, count(*) FILTER (WHERE zip LIKE '0%') AS leading_zero FROM candidates"})");
  ASSERT_EQ(zips.status, 200) << zips.body;
  auto row = nlohmann::json::parse(zips.body)["rows"][0];
  EXPECT_GE(row[0].get<int64_t>(), 1500);
  EXPECT_GT(row[1].get<int64_t>(), 0) << "ZIP codes keep their leading zeros through ingest";

  HttpReply joined =
      HttpCall(server.port(), "POST", "/query",
               R"j({"sql": "SELECT count(*) FROM placements p JOIN candidates c USING (candidate_id)"})j");
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_GT(nlohmann::json::parse(joined.body)["rows"][0][0].get<int64_t>(), 0);
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

TEST(ServeDemo, ASecondStartKeepsTheDataAndLoadsNothingAgain) {
  ServerProcess first({"--demo"});
  ASSERT_TRUE(first.ok()) << first.error();
  ASSERT_EQ(first.Stop(SIGTERM), 0);
  // Start again on the same data directory.
  ServerProcess second({"--demo", "--data-dir", first.data_dir() + "/data"});
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_NE(second.Logs().find("demo not loaded"), std::string::npos) << second.Logs();
  HttpReply datasets = HttpCall(second.port(), "GET", "/datasets");
  EXPECT_EQ(nlohmann::json::parse(datasets.body)["count"], 5);
  ASSERT_EQ(second.Stop(SIGTERM), 0);

  // `lakehouse query` reads the same datasets without a server.
  CommandResult cli = RunLakehouse({"query", "SELECT count(*) AS n FROM resumes", "--format", "csv",
                                    "--data-dir", first.data_dir() + "/data"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out, "n\r\n1500\r\n") << "CSV rows end in CRLF (RFC 4180)";
}

}  // namespace
}  // namespace lakehouse::testing
