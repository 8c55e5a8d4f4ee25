#include "engine/prepared_statement.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/test_support.h"

namespace lakehouse::engine {
namespace {

using testing::OpenMemoryDatabase;
using testing::QueryValue;

class PreparedStatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = OpenMemoryDatabase();
    ASSERT_NE(db_, nullptr);
    auto connection = Connection::Open(*db_);
    ASSERT_TRUE(connection.ok());
    connection_.emplace(std::move(connection).value());
  }

  // The single value `SELECT ?` returns when `value` is bound.
  Value RoundTrip(const Value& value) {
    auto statement = connection_->Prepare("SELECT ?");
    EXPECT_TRUE(statement.ok()) << statement.status().ToString();
    if (!statement.ok()) return Value::Null();
    const Status bound = statement->Bind(1, value);
    EXPECT_TRUE(bound.ok()) << bound.ToString();
    auto result = statement->Execute();
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return Value::Null();
    auto chunk = result->Next();
    EXPECT_TRUE(chunk.ok() && chunk->has_value());
    if (!chunk.ok() || !chunk->has_value()) return Value::Null();
    return (*chunk)->GetValue(0, 0);
  }

  std::unique_ptr<Database> db_;
  std::optional<Connection> connection_;
};

TEST_F(PreparedStatementTest, BindsEveryScalarTypeAndReadsItBackUnchanged) {
  const std::vector<Value> values = {
      Value::Boolean(true),
      Value::Integer(-5),
      Value::Integer(std::numeric_limits<std::int64_t>::min()),
      Value::Unsigned(std::numeric_limits<std::uint64_t>::max()),
      Value::Double(2.5),
      Value::Float(0.1F),
      Value::FromDecimal(Decimal::FromUnscaled(123450, 15, 2)),
      Value::Varchar("héllo ✓"),
      Value::Blob(std::string("\0\xFF\x01", 3)),
      Value::Date(19783),
      Value::Time(45296500000),
      Value::Timestamp(1709294400123456),
      Value::TimestampTz(1709294400123456),
      Value::FromInterval({14, 3, 14706700000}),
      Value::Integer(-7, TypeId::kTinyInt),
      Value::Integer(300, TypeId::kSmallInt),
      Value::Unsigned(200, TypeId::kUTinyInt),
      Value::Text(TypeId::kHugeInt, "-170141183460469231731687303715884105728"),
      Value::Text(TypeId::kUHugeInt, "340282366920938463463374607431768211455"),
      Value::Uuid("c47aed72-90d5-4d89-803b-fdfa18245015"),
      Value::Temporal(TypeId::kTimeNs, 3723123456789),
      Value::Temporal(TypeId::kTimestampNs, 1704070923123456789),
      Value::Temporal(TypeId::kTimestampMs, 1704070923123000),
      Value::Temporal(TypeId::kTimestampSec, 1704070923000000),
      Value::Temporal(TypeId::kTimestamp, std::numeric_limits<std::int64_t>::max()),
  };
  for (const Value& value : values) EXPECT_EQ(RoundTrip(value), value) << value.ToString();
  EXPECT_TRUE(RoundTrip(Value::Null()).IsNull());
  // BIT and TIME WITH TIME ZONE travel as text, which DuckDB casts where a type is expected.
  EXPECT_EQ(RoundTrip(Value::Text(TypeId::kBit, "0101")).ToString(), "0101");
  EXPECT_EQ(RoundTrip(Value::Text(TypeId::kTimeTz, "12:00:00+05:30")).ToString(), "12:00:00+05:30");
}

TEST_F(PreparedStatementTest, StringParametersWithQuotesAreDataNotSql) {
  ASSERT_TRUE(connection_->Execute("CREATE TABLE people (name VARCHAR, note VARCHAR)").ok());
  auto insert = connection_->Prepare("INSERT INTO people VALUES ($1, $2)");
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  EXPECT_EQ(insert->parameter_count(), 2u);
  const std::vector<std::string> names = {"O'Brien", "say \"hi\"", "'); DROP TABLE people; --", ""};
  for (const std::string& name : names) {
    ASSERT_TRUE(insert->Bind(1, Value::Varchar(name)).ok());
    ASSERT_TRUE(insert->Bind(2, Value::Null()).ok());
    auto done = insert->Execute();
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    EXPECT_EQ(done->RowsChanged().value(), 1);
  }
  auto lookup = connection_->Prepare("SELECT count(*), count(note) FROM people WHERE name = ?");
  ASSERT_TRUE(lookup.ok());
  for (const std::string& name : names) {
    ASSERT_TRUE(lookup->Bind(1, Value::Varchar(name)).ok());
    auto result = lookup->Execute();
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    auto chunk = result->Next();
    ASSERT_TRUE(chunk.ok() && chunk->has_value());
    EXPECT_EQ((*chunk)->GetValue(0, 0).AsInt64(), 1) << name;
    EXPECT_EQ((*chunk)->GetValue(1, 0).AsInt64(), 0) << name;
  }
  EXPECT_EQ(QueryValue(*connection_, "SELECT count(*) FROM people").AsInt64(), 4);
}

TEST_F(PreparedStatementTest, ParameterIndexOutsideTheStatementIsInvalidArgument) {
  auto statement = connection_->Prepare("SELECT $1 + $2");
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(statement->parameter_count(), 2u);
  const Status zero = statement->Bind(0, Value::Integer(1));
  EXPECT_EQ(zero.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(zero.message().find("numbered from 1"), std::string::npos) << zero.message();
  EXPECT_EQ(statement->Bind(3, Value::Integer(1)).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(statement->Bind(2, Value::Integer(1)).ok());
}

TEST_F(PreparedStatementTest, UnboundParameterIsInvalidArgumentAtExecute) {
  auto statement = connection_->Prepare("SELECT $1::INTEGER + $2::INTEGER");
  ASSERT_TRUE(statement.ok());
  ASSERT_TRUE(statement->Bind(1, Value::Integer(1)).ok());
  auto result = statement->Execute();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().ToString();
}

TEST_F(PreparedStatementTest, ExecutesRepeatedlyWithNewBindings) {
  auto statement = connection_->Prepare("SELECT sum(i) FROM range(?) t(i)");
  ASSERT_TRUE(statement.ok());
  for (std::int64_t n : {10, 100, 1000}) {
    ASSERT_TRUE(statement->Bind(1, Value::Integer(n)).ok());
    auto result = statement->Execute();
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    auto chunk = result->Next();
    ASSERT_TRUE(chunk.ok() && chunk->has_value());
    EXPECT_EQ((*chunk)->GetValue(0, 0).ToString(), std::to_string(n * (n - 1) / 2));
  }
}

TEST_F(PreparedStatementTest, PrepareReportsSqlErrorsAndRejectsScripts) {
  EXPECT_EQ(connection_->Prepare("SELECT * FROM nowhere WHERE x = ?").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(connection_->Prepare("SELECT 1; SELECT 2").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PreparedStatementTest, ValuesAreCastToTheParameterType) {
  auto statement =
      connection_->Prepare("SELECT $1::BIT AS b, $2::TIMETZ AS t, $3::DATE AS d, $4::INTEGER AS i");
  ASSERT_TRUE(statement.ok()) << statement.status().ToString();
  ASSERT_TRUE(statement->Bind(1, Value::Text(TypeId::kBit, "0101")).ok());
  ASSERT_TRUE(statement->Bind(2, Value::Text(TypeId::kTimeTz, "12:00:00+05:30")).ok());
  ASSERT_TRUE(statement->Bind(3, Value::Varchar("2024-03-01")).ok());
  ASSERT_TRUE(statement->Bind(4, Value::Integer(7)).ok());
  auto result = statement->Execute();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto chunk = result->Next();
  ASSERT_TRUE(chunk.ok() && chunk->has_value());
  EXPECT_EQ((*chunk)->GetValue(0, 0), Value::Text(TypeId::kBit, "0101"));
  EXPECT_EQ((*chunk)->GetValue(1, 0), Value::Text(TypeId::kTimeTz, "12:00:00+05:30"));
  EXPECT_EQ((*chunk)->GetValue(2, 0), Value::Date(19783));
  EXPECT_EQ((*chunk)->GetValue(3, 0), Value::Integer(7, TypeId::kInteger));
}

TEST_F(PreparedStatementTest, NestedValuesCannotBeBound) {
  auto statement = connection_->Prepare("SELECT ?");
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(statement->Bind(1, Value::Text(TypeId::kList, "[1, 2]")).code(), StatusCode::kInvalidArgument);
}

TEST(PreparedStatementType, NamesTheKindOfStatementBeforeItRuns) {
  auto db = OpenMemoryDatabase();
  ASSERT_NE(db, nullptr);
  auto connection = Connection::Open(*db);
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(connection->Execute("CREATE TABLE t (i INTEGER)").ok());
  const std::vector<std::pair<std::string, std::string_view>> cases = {
      {"SELECT 1", "SELECT"},
      {"WITH a AS (SELECT 1) SELECT * FROM a", "SELECT"},
      {"VALUES (1)", "SELECT"},
      {"DESCRIBE t", "SELECT"},
      {"INSERT INTO t VALUES (1)", "INSERT"},
      {"DELETE FROM t", "DELETE"},
      {"CREATE TABLE u (i INTEGER)", "CREATE"},
      {"EXPLAIN SELECT 1", "EXPLAIN"},
      {"SET threads = 1", "SET"},
      {"CALL pragma_version()", "CALL"},
  };
  for (const auto& [sql, type] : cases) {
    auto statement = connection->Prepare(sql);
    ASSERT_TRUE(statement.ok()) << sql << ": " << statement.status().ToString();
    EXPECT_EQ(statement->statement_type(), type) << sql;
  }
  auto rows = QueryValue(*connection, "SELECT count(*) FROM t");
  EXPECT_EQ(rows.AsInt64(), 0) << "preparing runs nothing";
}

}  // namespace
}  // namespace lakehouse::engine
