#include "server/query_routes.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/json.h"
#include "engine/temp_dir.h"
#include "query/query_test_support.h"
#include "server/http_server.h"
#include "support/http_client.h"

namespace lakehouse::server {
namespace {

using lakehouse::testing::HttpCall;
using lakehouse::testing::HttpReply;
using lakehouse::testing::RawExchange;

// POST /query on a real HTTP server, over one real Parquet dataset.
class QueryRoutesTest : public ::testing::Test {
 protected:
  void Start(query::QueryOptions options = {}) {
    ASSERT_FALSE(dir_.path().empty());
    const std::string file = dir_.File("people.parquet");
    query::testing::WriteParquet("SELECT range AS id, 'p' || range AS name FROM range(5)", file);
    options.sandbox.memory_limit = "1GB";
    service_ =
        std::make_unique<query::QueryService>(options, [file]() -> Result<std::vector<query::TableSource>> {
          return std::vector<query::TableSource>{{"people", {file}, "1"}};
        });
    RegisterQueryRoutes(router_, *service_);
    HttpServerOptions http;
    http.port = 0;
    http.threads = 2;
    http.access_log = false;
    server_ = std::make_unique<HttpServer>(http, router_);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::seconds(5));
  }

  HttpReply Post(const std::string& body) { return HttpCall(server_->port(), "POST", "/query", body); }
  HttpReply PostJson(const Json& body) { return Post(ToJsonText(body)); }

  engine::testing::TempDir dir_;
  Router router_;
  std::unique_ptr<query::QueryService> service_;
  std::unique_ptr<HttpServer> server_;
};

Json Body(const HttpReply& reply) {
  auto json = ParseJson(reply.body);
  EXPECT_TRUE(json.ok()) << reply.body.substr(0, 300);
  return json.ok() ? *json : Json();
}

TEST_F(QueryRoutesTest, AnswersJsonWithColumnsRowsAndCounts) {
  Start();
  HttpReply reply = PostJson({{"sql", "SELECT id, name FROM people WHERE id < 2 ORDER BY id"}});
  ASSERT_EQ(reply.status, 200) << reply.error << reply.body;
  EXPECT_EQ(reply.Header("Content-Type"), "application/json");
  Json body = Body(reply);
  EXPECT_EQ(body["columns"],
            Json::parse(R"([{"name":"id","type":"BIGINT"},{"name":"name","type":"VARCHAR"}])"));
  EXPECT_EQ(body["rows"], Json::parse(R"([[0,"p0"],[1,"p1"]])"));
  EXPECT_EQ(body["row_count"], 2);
}

TEST_F(QueryRoutesTest, OtherFormatsHaveTheirContentTypes) {
  Start();
  HttpReply csv = PostJson({{"sql", "SELECT id FROM people ORDER BY id LIMIT 2"}, {"format", "csv"}});
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body, "id\r\n0\r\n1\r\n");
  HttpReply nd = PostJson({{"sql", "SELECT 1 AS x"}, {"format", "ndjson"}, {"timeout_ms", 5000}});
  ASSERT_EQ(nd.status, 200);
  EXPECT_EQ(nd.Header("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(nd.body.substr(0, nd.body.find("{\"row_count\"")),
            "{\"columns\":[{\"name\":\"x\",\"type\":\"INTEGER\"}]}\n[1]\n");
}

TEST_F(QueryRoutesTest, MalformedBodiesGetClear400s) {
  Start();
  const std::vector<std::string> bodies = {
      "",
      "not json",
      "[1,2]",
      "{\"sql\": 42}",
      "{\"format\": \"json\"}",
      "{\"sql\": \"SELECT 1\", \"format\": \"xml\"}",
      "{\"sql\": \"SELECT 1\", \"format\": \"table\"}",
      "{\"sql\": \"SELECT 1\", \"timeout_ms\": -5}",
      "{\"sql\": \"SELECT 1\", \"timeout_ms\": \"soon\"}",
      "{\"sql\": \"SELECT 1\", \"timeout_ms\": 1.5}",
      "{\"sql\": \"SELECT 1\", \"extra\": true}",
      "{\"sql\": \"\"}",
      ToJsonText(Json{{"sql", "SELECT '" + std::string(1 << 20, 'x') + "'"}}),
  };
  for (const auto& body : bodies) {
    HttpReply reply = Post(body);
    EXPECT_EQ(reply.status, 400) << body.substr(0, 80) << " -> " << reply.body;
    Json error = Body(reply)["error"];
    EXPECT_EQ(error["code"], "invalid_argument") << body.substr(0, 80);
    EXPECT_FALSE(error["message"].get<std::string>().empty());
  }
  // Arrow is a format like the others (decoded in arrow_result_test.cpp).
  HttpReply arrow = PostJson({{"sql", "SELECT 1"}, {"format", "arrow"}});
  EXPECT_EQ(arrow.status, 200) << arrow.body;
  EXPECT_EQ(arrow.Header("Content-Type"), "application/vnd.apache.arrow.stream");
  EXPECT_TRUE(arrow.body.starts_with(std::string("\xff\xff\xff\xff", 4)))
      << "an IPC message continuation marker";
}

TEST_F(QueryRoutesTest, ErrorsMapToStatusesWithDuckDBsPosition) {
  query::QueryOptions options;
  options.max_result_rows = 10;
  Start(options);
  HttpReply sql = PostJson({{"sql", "SELECT nosuch FROM people"}});
  EXPECT_EQ(sql.status, 400);
  EXPECT_EQ(Body(sql)["error"]["detail"]["position"], 7);
  EXPECT_EQ(Body(sql)["error"]["detail"]["duckdb_error_type"], "Binder");

  HttpReply forbidden = PostJson({{"sql", "SELECT * FROM read_text('/etc/passwd')"}});
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(Body(forbidden)["error"]["code"], "permission_denied");
  HttpReply write = PostJson({{"sql", "SELECT 1; COPY people TO '/tmp/lakehouse-query-test.csv'"}});
  EXPECT_EQ(write.status, 400);
  HttpReply copy = PostJson({{"sql", "COPY people TO '/tmp/lakehouse-query-test.csv'"}});
  EXPECT_EQ(copy.status, 403);

  HttpReply too_many = PostJson({{"sql", "SELECT * FROM range(11)"}});
  EXPECT_EQ(too_many.status, 413);
  EXPECT_EQ(Body(too_many)["error"]["code"], "resource_exhausted");

  HttpReply slow = PostJson({{"sql", "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b"},
                             {"timeout_ms", 200}});
  EXPECT_EQ(slow.status, 504);
  EXPECT_EQ(Body(slow)["error"]["code"], "deadline_exceeded");
}

// 2 M rows of CSV (about 15 MB) arrive complete, chunked, in order.
TEST_F(QueryRoutesTest, LargeResultsStreamChunked) {
  Start();
  HttpReply reply = PostJson({{"sql", "SELECT range AS n FROM range(2000000)"}, {"format", "csv"}});
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(std::count(reply.body.begin(), reply.body.end(), '\n'), 2'000'001);
  EXPECT_TRUE(reply.body.starts_with("n\r\n0\r\n1\r\n"));
  EXPECT_TRUE(reply.body.ends_with("\r\n1999999\r\n"));
  // The connection stays usable for the next request.
  EXPECT_EQ(PostJson({{"sql", "SELECT 1"}}).status, 200);
}

// A failure after streaming began is reported in band and the transfer is cut short, so no client
// mistakes the partial result for a whole one.
TEST_F(QueryRoutesTest, FailuresMidStreamCutTheTransferShort) {
  query::QueryOptions options;
  options.max_result_rows = 200000;
  Start(options);
  const std::string body = ToJsonText(Json{{"sql", "SELECT range FROM range(300000)"}, {"format", "ndjson"}});
  const std::string raw = RawExchange(server_->port(),
                                      "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                      "Content-Length: " +
                                          std::to_string(body.size()) + "\r\n\r\n" + body,
                                      20000);
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 200")) << raw.substr(0, 200);
  EXPECT_NE(raw.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(raw.find("{\"error\":{\"code\":\"resource_exhausted\""), std::string::npos);
  EXPECT_FALSE(raw.ends_with("\r\n0\r\n\r\n")) << "the final chunk must not be sent";
  HttpReply client = PostJson({{"sql", "SELECT range FROM range(300000)"}, {"format", "ndjson"}});
  EXPECT_FALSE(client.error.empty()) << "a client reading the stream sees it incomplete";
}

}  // namespace
}  // namespace lakehouse::server
