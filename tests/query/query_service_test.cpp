#include "query/query_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "common/json.h"
#include "engine/temp_dir.h"
#include "query/query_test_support.h"

namespace lakehouse::query {
namespace {

using engine::testing::TempDir;
using testing::Outcome;
using testing::RunToEnd;
using testing::WriteParquet;

// A lakehouse of two real Parquet files, one served as `candidates`, one ("secret") on the same
// disk next to it but not served, plus a canary file outside.
class QueryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    candidates_ = dir_.File("candidates.parquet");
    secret_ = dir_.File("secret.parquet");
    WriteParquet(
        "SELECT range AS id, 'name ' || range AS name, (range * 1000 + 0.5)::DECIMAL(12,2) AS salary, "
        "DATE '2024-01-01' + range::INTEGER AS hired, "
        "TIMESTAMP '2024-03-01 12:00:00.5' + INTERVAL (range) HOUR AS updated, "
        "CASE WHEN range % 2 = 0 THEN NULL ELSE range END AS maybe, range % 3 = 0 AS flag "
        "FROM range(10)",
        candidates_);
    WriteParquet("SELECT 'top secret' AS s", secret_);
    std::ofstream(dir_.File("canary.txt")) << "canary-contents\n";
  }

  QueryService Service(QueryOptions options = {}) {
    options.sandbox.memory_limit =
        options.sandbox.memory_limit.empty() ? "1GB" : options.sandbox.memory_limit;
    return QueryService(options, [this]() -> Result<std::vector<TableSource>> {
      return std::vector<TableSource>{{"candidates", {candidates_}, "1"}};
    });
  }

  TempDir dir_;
  std::string candidates_;
  std::string secret_;
};

Json Parse(const std::string& body) {
  auto json = ParseJson(body);
  EXPECT_TRUE(json.ok()) << json.status().ToString() << "\n" << body.substr(0, 500);
  return json.ok() ? *json : Json();
}

TEST_F(QueryServiceTest, ServesEachDatasetAsATableByItsName) {
  QueryService service = Service();
  Outcome out = RunToEnd(service, "SELECT count(*) AS n, sum(id) AS total FROM candidates");
  ASSERT_FALSE(out.error) << out.error->status.ToString();
  Json json = Parse(out.body);
  EXPECT_EQ(json["columns"],
            Json::parse(R"([{"name":"n","type":"BIGINT"},{"name":"total","type":"HUGEINT"}])"));
  EXPECT_EQ(json["rows"], Json::parse("[[10,45]]"));
  EXPECT_EQ(json["row_count"], 1);
  EXPECT_TRUE(json["elapsed_ms"].is_number_integer());
}

TEST_F(QueryServiceTest, JsonValuesAreTyped) {
  QueryService service = Service();
  Outcome out = RunToEnd(service,
                         "SELECT id, name, salary, hired, updated, maybe, flag, updated::TIMESTAMPTZ AS utc, "
                         "1.5::DOUBLE AS d, 'nan'::DOUBLE AS nan, 'say \"hi\"' AS quoted "
                         "FROM candidates WHERE id = 1");
  ASSERT_FALSE(out.error) << out.error->status.ToString();
  // Exact text first: decimals keep their digits.
  EXPECT_NE(out.body.find("1000.50"), std::string::npos) << out.body;
  Json row = Parse(out.body)["rows"][0];
  EXPECT_EQ(row[0], 1);
  EXPECT_EQ(row[1], "name 1");
  EXPECT_TRUE(row[2].is_number());
  EXPECT_EQ(row[3], "2024-01-02");
  EXPECT_EQ(row[4], "2024-03-01T13:00:00.5");
  EXPECT_EQ(row[5], 1);
  EXPECT_EQ(row[6], false);
  EXPECT_EQ(row[7], "2024-03-01T13:00:00.5Z");
  EXPECT_EQ(row[8], 1.5);
  EXPECT_EQ(row[9], "NaN");
  EXPECT_EQ(row[10], "say \"hi\"");
  Outcome nulls = RunToEnd(service, "SELECT maybe FROM candidates WHERE id = 0");
  EXPECT_EQ(Parse(nulls.body)["rows"], Json::parse("[[null]]"));
}

TEST_F(QueryServiceTest, NdjsonAndCsvCarryTheSameRows) {
  QueryService service = Service();
  Outcome nd =
      RunToEnd(service, "SELECT id, name FROM candidates WHERE id < 2 ORDER BY id", ResultFormat::kNdjson);
  ASSERT_FALSE(nd.error);
  EXPECT_EQ(nd.body.substr(0, nd.body.find("{\"row_count\"")),
            "{\"columns\":[{\"name\":\"id\",\"type\":\"BIGINT\"},{\"name\":\"name\",\"type\":\"VARCHAR\"}]}\n"
            "[0,\"name 0\"]\n[1,\"name 1\"]\n");
  EXPECT_EQ(Parse(nd.body.substr(nd.body.find("{\"row_count\"")))["row_count"], 2);

  Outcome csv = RunToEnd(
      service, "SELECT id, name || ', \"x\"' AS label, maybe FROM candidates WHERE id < 2 ORDER BY id",
      ResultFormat::kCsv);
  ASSERT_FALSE(csv.error);
  EXPECT_EQ(csv.body, "id,label,maybe\r\n0,\"name 0, \"\"x\"\"\",\r\n1,\"name 1, \"\"x\"\"\",1\r\n");
}

TEST_F(QueryServiceTest, ArrowStreamsTheDatasetTables) {
  QueryService service = Service();
  Outcome out = RunToEnd(service, "SELECT * FROM candidates", ResultFormat::kArrow);
  ASSERT_FALSE(out.error) << out.error->status.ToString();
  EXPECT_EQ(out.rows, 10u);
  EXPECT_TRUE(out.body.starts_with(std::string("\xff\xff\xff\xff", 4))) << "an Arrow IPC stream";
}

TEST_F(QueryServiceTest, SqlErrorsCarryDuckDBsMessageAndPosition) {
  QueryService service = Service();
  Outcome binder = RunToEnd(service, "SELECT nosuch FROM candidates");
  ASSERT_TRUE(binder.error);
  EXPECT_EQ(binder.error->status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(binder.error->status.message().find("nosuch"), std::string::npos)
      << binder.error->status.message();
  EXPECT_EQ(binder.error->duckdb_error_type, "Binder");
  EXPECT_EQ(binder.error->position, 7);

  Outcome parser = RunToEnd(service, "SELECT 1 FROMM candidates");
  ASSERT_TRUE(parser.error);
  EXPECT_EQ(parser.error->status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parser.error->duckdb_error_type, "Parser");
  EXPECT_TRUE(parser.error->position.has_value());

  Outcome missing = RunToEnd(service, "SELECT * FROM nosuch_table");
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->duckdb_error_type, "Catalog");
  EXPECT_EQ(missing.error->position, 14);
}

// Every way out of the sandbox fails with a 4xx-class status, and nothing is written or changed.
TEST_F(QueryServiceTest, SandboxRefusesEveryEscape) {
  QueryService service = Service();
  const std::string out_file = dir_.File("stolen.csv");
  const std::vector<std::string> attacks = {
      "CREATE TABLE t AS SELECT 1",
      "CREATE OR REPLACE VIEW candidates AS SELECT 'owned' AS id",
      "DROP VIEW candidates",
      "INSERT INTO candidates SELECT * FROM candidates",
      "UPDATE candidates SET name = 'x'",
      "DELETE FROM candidates",
      "COPY candidates TO '" + out_file + "'",
      "COPY (SELECT 1) TO '" + out_file + "' (FORMAT csv)",
      "EXPORT DATABASE '" + dir_.File("export") + "'",
      "ATTACH '" + dir_.File("x.db") + "' AS x",
      "DETACH memory",
      "INSTALL httpfs",
      "LOAD httpfs",
      "SET memory_limit = '100GB'",
      "SET enable_external_access = true",
      "RESET memory_limit",
      "PRAGMA threads = 64",
      "CALL pragma_version()",
      "EXPLAIN ANALYZE SELECT 1",
      "PREPARE p AS SELECT 1",
      "SET VARIABLE x = 1",
      "CHECKPOINT",
      "BEGIN TRANSACTION",
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM read_csv_auto('" + dir_.File("canary.txt") + "')",
      "SELECT * FROM read_text('/etc/passwd')",
      "SELECT * FROM read_blob('/etc/passwd')",
      "SELECT * FROM read_json('/etc/hosts')",
      "SELECT * FROM glob('/*')",
      "SELECT * FROM glob('" + dir_.path() + "/*')",
      "SELECT * FROM read_parquet('" + secret_ + "')",
      "SELECT * FROM parquet_metadata('" + secret_ + "')",
      "SELECT * FROM read_parquet('https://example.com/data.parquet')",
      "SELECT * FROM read_parquet('s3://bucket/data.parquet')",
      "SELECT * FROM sniff_csv('/etc/passwd')",
      "SELECT * FROM '/etc/passwd'",
      "SELECT * FROM read_csv('/proc/self/environ')",
      // Multi-statement, comment and case tricks.
      "SELECT 1; COPY candidates TO '" + out_file + "'",
      "SELECT 1; CREATE TABLE t AS SELECT 1",
      "/* harmless */ cOpY candidates TO '" + out_file + "' -- trailing",
      "-- comment\nsElEcT * FrOm ReAd_TeXt('/etc/passwd')",
      // Table functions hidden in subqueries, CTEs, joins and query().
      "SELECT count(*) FROM (SELECT * FROM read_text('/etc/passwd'))",
      "WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x",
      "SELECT * FROM candidates, (SELECT * FROM read_blob('/etc/passwd'))",
      "SELECT (SELECT content FROM read_text('/etc/passwd'))",
      "SELECT * FROM query('COPY candidates TO ''" + out_file + "''')",
      "SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')",
      "SELECT * FROM query_table('" + secret_ + "')",
  };
  for (const auto& sql : attacks) {
    Outcome out = RunToEnd(service, sql);
    ASSERT_TRUE(out.error) << "not refused: " << sql << "\n" << out.body.substr(0, 300);
    const StatusCode code = out.error->status.code();
    EXPECT_TRUE(code == StatusCode::kPermissionDenied || code == StatusCode::kInvalidArgument)
        << sql << " -> " << out.error->status.ToString();
    EXPECT_FALSE(out.error->status.message().empty()) << sql;
    EXPECT_EQ(out.body.find("root:"), std::string::npos) << sql;
    EXPECT_EQ(out.body.find("top secret"), std::string::npos) << sql;
  }
  EXPECT_FALSE(std::filesystem::exists(out_file));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("export")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("x.db")));
  // The data is untouched and normal queries still work, on the same sandbox.
  Outcome after = RunToEnd(service, "SELECT count(*), min(name) FROM candidates");
  ASSERT_FALSE(after.error) << after.error->status.ToString();
  EXPECT_EQ(Parse(after.body)["rows"], Json::parse(R"([[10,"name 0"]])"));
}

TEST_F(QueryServiceTest, SandboxViolationsAreForbiddenNotSyntaxErrors) {
  QueryService service = Service();
  Outcome copy = RunToEnd(service, "COPY candidates TO '" + dir_.File("x.csv") + "'");
  ASSERT_TRUE(copy.error);
  EXPECT_EQ(copy.error->status.code(), StatusCode::kPermissionDenied);
  Outcome read = RunToEnd(service, "SELECT * FROM read_text('/etc/passwd')");
  ASSERT_TRUE(read.error);
  EXPECT_EQ(read.error->status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(read.error->duckdb_error_type, "Permission");
  EXPECT_NE(read.error->status.message().find("/etc/passwd"), std::string::npos);
  Outcome multi = RunToEnd(service, "SELECT 1; SELECT 2");
  ASSERT_TRUE(multi.error);
  EXPECT_NE(multi.error->status.message().find("more than one statement"), std::string::npos);
}

TEST_F(QueryServiceTest, ReadOnlyQueryShapesAllWork) {
  QueryService service = Service();
  for (const std::string& sql : std::vector<std::string>{
           "SELECT 1;", "  -- comment\n select 1", "WITH a AS (SELECT 1 AS x) SELECT * FROM a",
           "VALUES (1), (2)", "FROM candidates", "DESCRIBE candidates", "SHOW TABLES", "SUMMARIZE candidates",
           "SELECT * FROM read_parquet('" + candidates_ + "')", "SELECT * FROM query('SELECT 42')",
           "SELECT * FROM duckdb_settings() WHERE name = 'enable_external_access'"}) {
    Outcome out = RunToEnd(service, sql);
    EXPECT_FALSE(out.error) << sql << " -> " << out.error->status.ToString();
    EXPECT_GT(out.rows, 0u) << sql;
  }
}

TEST_F(QueryServiceTest, BadRequestsAreRefusedClearly) {
  QueryService service = Service();
  for (const std::string& sql : std::vector<std::string>{
           "", "   ", ";", std::string(QueryService::kMaxSqlBytes + 1, ' ') + "SELECT 1"}) {
    Outcome out = RunToEnd(service, sql);
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->status.code(), StatusCode::kInvalidArgument);
  }
  for (std::int64_t timeout : {std::int64_t{-1}, std::int64_t{0}, service.options().max_timeout_ms + 1}) {
    Outcome out = RunToEnd(service, "SELECT 1", ResultFormat::kJson, timeout);
    ASSERT_TRUE(out.error) << timeout;
    EXPECT_NE(out.error->status.message().find("timeout_ms"), std::string::npos);
  }
}

TEST_F(QueryServiceTest, SlowQueriesAreStoppedAtTheirDeadline) {
  QueryService service = Service();
  Outcome out = RunToEnd(service, "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
                         ResultFormat::kJson, 200);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->status.code(), StatusCode::kDeadlineExceeded) << out.error->status.ToString();
  // The connection's engine is fine afterwards.
  EXPECT_FALSE(RunToEnd(service, "SELECT 1").error);
}

TEST_F(QueryServiceTest, ResultsOverTheRowLimitFail) {
  QueryOptions options;
  options.max_result_rows = 100;
  QueryService service = Service(options);
  Outcome at_limit = RunToEnd(service, "SELECT * FROM range(100)");
  ASSERT_FALSE(at_limit.error);
  EXPECT_EQ(at_limit.rows, 100u);
  Outcome over = RunToEnd(service, "SELECT * FROM range(101)");
  ASSERT_TRUE(over.error);
  EXPECT_EQ(over.error->status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(over.error->status.message().find("query.max_result_rows"), std::string::npos);
}

TEST_F(QueryServiceTest, QueriesOverTheMemoryLimitFail) {
  QueryOptions options;
  options.sandbox.memory_limit = "64MB";
  QueryService service = Service(options);
  Outcome out = RunToEnd(
      service, "SELECT length(string_agg(range::VARCHAR || repeat('x', 100), ',')) FROM range(3000000)");
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->status.code(), StatusCode::kResourceExhausted) << out.error->status.ToString();
  EXPECT_NE(out.error->status.message().find("query.memory_limit"), std::string::npos);
}

// A large result comes out in bounded pieces: no piece is much larger than asked for.
TEST_F(QueryServiceTest, LargeResultsStreamInBoundedPieces) {
  QueryService service = Service();
  auto started = service.Start({"SELECT range AS id, 'row ' || range AS label FROM range(1000000)",
                                ResultFormat::kNdjson, std::nullopt});
  ASSERT_FALSE(started.error);
  std::size_t pieces = 0;
  std::size_t largest = 0;
  std::size_t lines = 0;
  bool more = true;
  while (more) {
    std::string piece;
    more = started.stream->Read(piece, 64 * 1024);
    ++pieces;
    largest = std::max(largest, piece.size());
    lines += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
  }
  EXPECT_FALSE(started.stream->error());
  EXPECT_EQ(started.stream->row_count(), 1'000'000u);
  EXPECT_EQ(lines, 1'000'000u + 2);  // plus the columns line and the row_count line
  EXPECT_GT(pieces, 100u);
  EXPECT_LT(largest, 64u * 1024 + 2048 * 64) << "a piece holds at most one chunk beyond the request";
}

TEST_F(QueryServiceTest, NewTablesAppearWhenTheProviderChanges) {
  std::vector<TableSource> tables = {{"candidates", {candidates_}, "1"}};
  std::mutex mu;
  QueryService service(QueryOptions{}, [&]() -> Result<std::vector<TableSource>> {
    std::lock_guard lock(mu);
    return tables;
  });
  EXPECT_TRUE(RunToEnd(service, "SELECT * FROM jobs").error);
  const std::string jobs = dir_.File("jobs.parquet");
  WriteParquet("SELECT 'engineer' AS title", jobs);
  {
    std::lock_guard lock(mu);
    tables.push_back({"jobs", {"file://" + jobs}, "1"});
  }
  Outcome out = RunToEnd(service, "SELECT title FROM jobs");
  ASSERT_FALSE(out.error) << out.error->status.ToString();
  EXPECT_EQ(Parse(out.body)["rows"], Json::parse(R"([["engineer"]])"));
}

TEST_F(QueryServiceTest, UnservableTablesAndProviderFailuresAreReported) {
  QueryService relative(QueryOptions{}, []() -> Result<std::vector<TableSource>> {
    return std::vector<TableSource>{{"t", {"relative/x.parquet"}, ""}};
  });
  Outcome out = RunToEnd(relative, "SELECT 1");
  ASSERT_TRUE(out.error);
  EXPECT_NE(out.error->status.message().find("absolute"), std::string::npos);

  QueryService failing(QueryOptions{}, []() -> Result<std::vector<TableSource>> {
    return Status::Unavailable("catalog is down");
  });
  Outcome down = RunToEnd(failing, "SELECT 1");
  ASSERT_TRUE(down.error);
  EXPECT_EQ(down.error->status.code(), StatusCode::kUnavailable);
}

TEST_F(QueryServiceTest, TablesWithDeltasServeTheLatestWriteOfEachKey) {
  // Two tables with the same history; the second names a column like DuckDB's file_row_number,
  // which the in-scan merge cannot use, so it is merged by a join: both must answer alike.
  const std::string base = dir_.File("base.parquet");
  const std::string delta = dir_.File("delta.parquet");
  const std::string odd_base = dir_.File("odd-base.parquet");
  const std::string odd_delta = dir_.File("odd-delta.parquet");
  WriteParquet("SELECT range AS id, 'v' || range AS name, 5 - range AS file_row_number FROM range(6)",
               odd_base);
  WriteParquet(
      "SELECT * FROM (VALUES (1, 'one', 0, 'upsert', 1), (2, NULL, 0, 'delete', 2), (1, 'uno', 0, 'upsert', "
      "3), "
      "(9, 'nine', 0, 'upsert', 4)) t(id, name, file_row_number, _lh_op, _lh_seq)",
      odd_delta);
  WriteParquet("SELECT id, name FROM read_parquet('" + odd_base + "')", base);
  WriteParquet("SELECT * EXCLUDE (file_row_number) FROM read_parquet('" + odd_delta + "')", delta);
  QueryService service(QueryOptions{}, [&]() -> Result<std::vector<TableSource>> {
    return std::vector<TableSource>{{"people", {base}, "2", {delta}, "id"},
                                    {"odd", {odd_base}, "2", {odd_delta}, "id"}};
  });
  const Json expected = Json::parse(R"([[0,"v0"],[1,"uno"],[3,"v3"],[4,"v4"],[5,"v5"],[9,"nine"]])");
  for (const char* table : {"people", "odd"}) {
    Outcome out = RunToEnd(service, std::string("SELECT id, name FROM ") + table + " ORDER BY id");
    ASSERT_FALSE(out.error) << table << ": " << out.error->status.ToString();
    EXPECT_EQ(Parse(out.body)["rows"], expected) << table;
  }
}

TEST_F(QueryServiceTest, MasksComputedInTheBackgroundServeTheSameRowsAsTheJoinBeforeThem) {
  const std::string base = dir_.File("big-base.parquet");
  const std::string delta = dir_.File("big-delta.parquet");
  WriteParquet("SELECT range AS id, range % 7 AS score FROM range(200000)", base);
  WriteParquet(
      "SELECT range * 3 AS id, 100 AS score, CASE WHEN range % 5 = 0 THEN 'delete' ELSE 'upsert' END AS "
      "_lh_op, "
      "range AS _lh_seq FROM range(20000)",
      delta);
  QueryService service(QueryOptions{}, [&]() -> Result<std::vector<TableSource>> {
    return std::vector<TableSource>{{"scores", {base}, "2", {delta}, "id"}};
  });
  const std::string sql = "SELECT count(*), sum(score), max(id) FROM scores";
  // 200,000 base rows; 20,000 keys rewritten, a fifth of them deleted.
  const Json expected = Json::parse("[[196000,2139997,199999]]");
  Outcome first = RunToEnd(service, sql);
  ASSERT_FALSE(first.error) << first.error->status.ToString();
  EXPECT_EQ(Parse(first.body)["rows"], expected);
  Json health;
  for (int i = 0; i < 400; ++i) {
    auto checked = service.Health();
    ASSERT_TRUE(checked.ok()) << checked.status().ToString();
    health = *checked;
    if (health["tables_awaiting_masks"] == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(health["tables_awaiting_masks"], 0) << health.dump();
  Outcome after = RunToEnd(service, sql);
  ASSERT_FALSE(after.error) << after.error->status.ToString();
  EXPECT_EQ(Parse(after.body)["rows"], expected);
}

TEST_F(QueryServiceTest, HealthReportsTheEngineVersion) {
  QueryService service = Service();
  auto health = service.Health();
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ((*health)["engine"], "duckdb");
  EXPECT_EQ((*health)["version"], engine::Database::Version());
  EXPECT_EQ((*health)["tables"], 1);
}

}  // namespace
}  // namespace lakehouse::query
