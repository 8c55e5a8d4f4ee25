#include "engine/connection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/test_support.h"

namespace lakehouse::engine {
namespace {

using testing::OpenMemoryDatabase;
using testing::QueryRows;
using testing::QueryValue;

// Resident set size of this process in bytes, from /proc/self/status (0 if unavailable).
std::int64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::int64_t kilobytes = 0;
      status >> kilobytes;
      return kilobytes * 1024;
    }
    std::getline(status, key);
  }
  return 0;
}

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = OpenMemoryDatabase();
    ASSERT_NE(db_, nullptr);
    auto connection = Connection::Open(*db_);
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_.emplace(std::move(connection).value());
  }

  Connection& connection() { return *connection_; }

  std::unique_ptr<Database> db_;
  std::optional<Connection> connection_;
};

TEST_F(ConnectionTest, QueryReturnsNamedTypedColumnsAndRows) {
  std::vector<Column> columns;
  const auto rows = QueryRows(
      connection(), "SELECT 42 AS answer, 'forty-two' AS spelled, NULL::DOUBLE AS nothing", &columns);
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_EQ(columns[0], (Column{"answer", TypeId::kInteger, "INTEGER"}));
  EXPECT_EQ(columns[1], (Column{"spelled", TypeId::kVarchar, "VARCHAR"}));
  EXPECT_EQ(columns[2], (Column{"nothing", TypeId::kDouble, "DOUBLE"}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], Value::Integer(42, TypeId::kInteger));
  EXPECT_EQ(rows[0][1], Value::Varchar("forty-two"));
  EXPECT_EQ(rows[0][2], Value::Null(TypeId::kDouble));
}

TEST_F(ConnectionTest, RunsScriptsAndStreamsTheLastStatementsResult) {
  auto result = connection().Query(
      "CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1), (2), (3); SELECT sum(i) AS total FROM t");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto chunk = result->Next();
  ASSERT_TRUE(chunk.ok());
  ASSERT_TRUE(chunk->has_value());
  EXPECT_EQ((*chunk)->GetValue(0, 0).AsInt64(), 6);
  auto end = result->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  auto after_end = result->Next();
  ASSERT_TRUE(after_end.ok());
  EXPECT_FALSE(after_end->has_value());
}

TEST_F(ConnectionTest, ExecuteRunsEveryStatementAndDiscardsRows) {
  ASSERT_TRUE(connection()
                  .Execute("CREATE TABLE t (i INTEGER); INSERT INTO t SELECT * FROM range(10); SELECT 1")
                  .ok());
  EXPECT_EQ(QueryValue(connection(), "SELECT count(*) FROM t").AsInt64(), 10);
}

TEST_F(ConnectionTest, ReportsRowsChangedByInsertUpdateAndDelete) {
  ASSERT_TRUE(connection().Execute("CREATE TABLE t (i INTEGER)").ok());
  auto insert = connection().Query("INSERT INTO t SELECT * FROM range(25)");
  ASSERT_TRUE(insert.ok());
  EXPECT_EQ(insert->RowsChanged().value(), 25);
  auto update = connection().Query("UPDATE t SET i = i + 1 WHERE i < 5");
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update->RowsChanged().value(), 5);
  auto select = connection().Query("SELECT * FROM t");
  ASSERT_TRUE(select.ok());
  EXPECT_EQ(select->RowsChanged().status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ConnectionTest, StreamsMillionsOfRowsChunkByChunkWithoutMaterialisingThem) {
  // Materialised, this result would hold ~1 GB of strings; streamed, memory must stay flat.
  const std::int64_t rss_before = ResidentBytes();
  auto result = connection().Query("SELECT i, repeat('x', 200) AS padding FROM range(5000000) t(i)");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::int64_t sum = 0;
  std::int64_t rows = 0;
  std::int64_t peak_rss = 0;
  std::size_t chunks = 0;
  while (true) {
    auto chunk = result->Next();
    ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (!chunk->has_value()) break;
    const DataChunk& data = **chunk;
    for (std::size_t row = 0; row < data.size(); ++row) sum += *data.GetValue(0, row).AsInt64();
    rows += static_cast<std::int64_t>(data.size());
    if (++chunks % 256 == 0) peak_rss = std::max(peak_rss, ResidentBytes());
  }
  EXPECT_EQ(rows, 5000000);
  EXPECT_EQ(sum, std::int64_t{5000000} * 4999999 / 2);
  ASSERT_GT(rss_before, 0) << "cannot read VmRSS from /proc/self/status";
  RecordProperty("rss_growth_mib", std::to_string((peak_rss - rss_before) >> 20));
  EXPECT_LT(peak_rss - rss_before, std::int64_t{300} << 20) << "RSS grew while streaming";
}

TEST_F(ConnectionTest, SyntaxErrorIsInvalidArgumentWithDuckDBsMessage) {
  auto result = connection().Query("SELEC 1");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("Parser Error: syntax error at or near \"SELEC\""),
            std::string::npos)
      << result.status().message();
  EXPECT_EQ(connection().Execute("SELECT FROM WHERE").code(), StatusCode::kInvalidArgument);
}

TEST_F(ConnectionTest, UnknownTableIsInvalidArgument) {
  auto result = connection().Query("SELECT * FROM no_such_table");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("Catalog Error: Table with name no_such_table does not exist"),
            std::string::npos)
      << result.status().message();
}

TEST_F(ConnectionTest, ErrorsWhileProducingRowsSurfaceFromNext) {
  auto result = connection().Query(
      "SELECT CASE WHEN i < 5000 THEN i::VARCHAR ELSE 'x' END::INTEGER FROM range(10000) t(i)");
  Status error;
  if (!result.ok()) {
    error = result.status();
  } else {
    while (error.ok()) {
      auto chunk = result->Next();
      if (!chunk.ok())
        error = chunk.status();
      else if (!chunk->has_value())
        break;
    }
  }
  EXPECT_EQ(error.code(), StatusCode::kInvalidArgument) << error.ToString();
  EXPECT_NE(error.message().find("Conversion Error"), std::string::npos) << error.message();
}

TEST_F(ConnectionTest, EmptySqlIsInvalidArgument) {
  EXPECT_EQ(connection().Query("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(connection().Execute("  ;  ").code(), StatusCode::kInvalidArgument);
}

TEST_F(ConnectionTest, InterruptFromAnotherThreadEndsQueryWithDeadlineExceeded) {
  std::atomic<bool> finished{false};
  // A single Interrupt() can land before the query starts (DuckDB then ignores it), so the
  // watchdog keeps interrupting until the query has ended.
  std::thread watchdog([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    while (!finished.load()) {
      connection().Interrupt();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto start = std::chrono::steady_clock::now();
  Status status;
  auto result = connection().Query("SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3");
  if (result.ok()) {
    auto chunk = result->Next();
    status = chunk.status();
  } else {
    status = result.status();
  }
  finished = true;
  watchdog.join();
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded) << status.ToString();
  EXPECT_NE(status.message().find("query interrupted"), std::string::npos) << status.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
  // The connection stays usable.
  EXPECT_EQ(QueryValue(connection(), "SELECT 1").AsInt64(), 1);
}

TEST_F(ConnectionTest, InterruptBetweenChunksEndsStreamWithDeadlineExceeded) {
  auto result = connection().Query("SELECT * FROM range(100000000) t(i)");
  ASSERT_TRUE(result.ok());
  auto first = result->Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  connection().Interrupt();
  Status status;
  for (int i = 0; i < 100000 && status.ok(); ++i) {
    auto chunk = result->Next();
    if (!chunk.ok())
      status = chunk.status();
    else if (!chunk->has_value())
      break;
  }
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded) << status.ToString();
}

TEST_F(ConnectionTest, StartingAnotherStatementClosesAnUnfinishedResult) {
  auto first = connection().Query("SELECT * FROM range(1000000)");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->Next().ok());
  EXPECT_EQ(QueryValue(connection(), "SELECT 2").AsInt64(), 2);
  Status status;
  while (status.ok()) {
    auto chunk = first->Next();
    if (!chunk.ok())
      status = chunk.status();
    else if (!chunk->has_value())
      break;
  }
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_NE(status.message().find("another statement"), std::string::npos) << status.message();
}

TEST_F(ConnectionTest, ResultsKeepTheirConnectionAlive) {
  auto result = connection().Query("SELECT * FROM range(5000)");
  ASSERT_TRUE(result.ok());
  connection_.reset();
  db_.reset();
  std::int64_t rows = 0;
  while (true) {
    auto chunk = result->Next();
    ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (!chunk->has_value()) break;
    rows += static_cast<std::int64_t>((*chunk)->size());
  }
  EXPECT_EQ(rows, 5000);
}

TEST_F(ConnectionTest, ChunksStayReadableAfterTheirResultIsGone) {
  std::optional<DataChunk> kept;
  {
    auto result =
        connection().Query("SELECT i, 'a long string that is not inlined #' || i AS s FROM range(3) t(i)");
    ASSERT_TRUE(result.ok());
    auto chunk = result->Next();
    ASSERT_TRUE(chunk.ok() && chunk->has_value());
    kept = std::move(*chunk);
  }
  connection_.reset();
  ASSERT_EQ(kept->size(), 3u);
  EXPECT_EQ(kept->GetValue(1, 2).ToString(), "a long string that is not inlined #2");
}

TEST_F(ConnectionTest, ExecuteAcceptsAnyResultTypeBecauseItDiscardsRows) {
  EXPECT_TRUE(connection().Execute("SELECT '123'::BIGNUM").ok());
}

TEST_F(ConnectionTest, RejectsResultColumnsOfTypesItCannotDecode) {
  auto result =
      connection().Query("SELECT '12345678901234567890123456789012345678901234567890'::BIGNUM AS big");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("CAST(big AS VARCHAR)"), std::string::npos)
      << result.status().message();
  EXPECT_EQ(QueryValue(connection(),
                       "SELECT CAST('12345678901234567890123456789012345678901234567890'::BIGNUM AS VARCHAR)")
                .ToString(),
            "12345678901234567890123456789012345678901234567890");
}

TEST_F(ConnectionTest, MovedFromConnectionReportsFailedPrecondition) {
  Connection moved = std::move(connection());
  EXPECT_EQ(connection().Query("SELECT 1").status().code(),
            StatusCode::kFailedPrecondition);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(QueryValue(moved, "SELECT 1").AsInt64(), 1);
}

TEST(Connection, ConnectionsOnOneDatabaseWorkFromManyThreads) {
  auto db = OpenMemoryDatabase();
  ASSERT_NE(db, nullptr);
  {
    auto setup = Connection::Open(*db);
    ASSERT_TRUE(setup.ok());
    ASSERT_TRUE(setup->Execute("CREATE TABLE numbers AS SELECT * FROM range(100000) t(i)").ok());
  }
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> correct{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto connection = Connection::Open(*db);
      if (!connection.ok()) return;
      auto result = connection->Query("SELECT sum(i) + " + std::to_string(t) + " FROM numbers");
      if (!result.ok()) return;
      auto chunk = result->Next();
      if (chunk.ok() && chunk->has_value() &&
          (*chunk)->GetValue(0, 0).ToString() == std::to_string(std::int64_t{100000} * 99999 / 2 + t)) {
        ++correct;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(correct.load(), 4);
}

}  // namespace
}  // namespace lakehouse::engine
