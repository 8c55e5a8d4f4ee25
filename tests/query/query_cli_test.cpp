// The real binary: `lakehouse query` and POST /query on `lakehouse serve`.
#include <gtest/gtest.h>

#include "common/json.h"
#include "engine/temp_dir.h"
#include "query/query_test_support.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::query {
namespace {

using lakehouse::testing::CommandResult;
using lakehouse::testing::HttpCall;
using lakehouse::testing::RunLakehouse;
using lakehouse::testing::ServerProcess;

TEST(QueryCli, PrintsATableOfTheResult) {
  engine::testing::TempDir dir;
  const std::string file = dir.File("people.parquet");
  testing::WriteParquet("SELECT range AS id, 'person ' || range AS name FROM range(3)", file);
  CommandResult run = RunLakehouse({"query", "SELECT id, name FROM people ORDER BY id", "--table",
                                    "people=" + file, "--data-dir", dir.path()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "id | name\n"
            "---+---------\n"
            "0  | person 0\n"
            "1  | person 1\n"
            "2  | person 2\n"
            "(3 rows, " +
                run.out.substr(run.out.find("rows, ") + 6));
  CommandResult csv = RunLakehouse({"query", "SELECT 1 AS one", "--format", "csv", "--data-dir", dir.path()});
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "one\r\n1\r\n");
}

TEST(QueryCli, RefusesWritesWithAClearError) {
  engine::testing::TempDir dir;
  CommandResult run =
      RunLakehouse({"query", "COPY (SELECT 1) TO '" + dir.File("x.csv") + "'", "--data-dir", dir.path()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("Permission Error"), std::string::npos) << run.err;
  CommandResult bad = RunLakehouse({"query", "SELECT 1", "--table", "nopath", "--data-dir", dir.path()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("NAME=PATH.parquet"), std::string::npos) << bad.err;
}

TEST(QueryServe, AnswersPostQueryAndReportsTheEngineInHealth) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto reply = HttpCall(server.port(), "POST", "/query", R"({"sql": "SELECT 42 AS answer"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto json = ParseJson(reply.body);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["rows"], Json::parse("[[42]]"));
  auto health = HttpCall(server.port(), "GET", "/query/health");
  EXPECT_NE(health.body.find("\"version\":\"v1.5.5\""), std::string::npos) << health.body;
  auto forbidden =
      HttpCall(server.port(), "POST", "/query", R"js({"sql": "SELECT * FROM read_text('/etc/passwd')"})js");
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
}

}  // namespace
}  // namespace lakehouse::query
