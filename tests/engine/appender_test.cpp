#include "engine/appender.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/test_support.h"

namespace lakehouse::engine {
namespace {

using testing::OpenMemoryDatabase;
using testing::QueryRows;
using testing::QueryValue;

class AppenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = OpenMemoryDatabase();
    ASSERT_NE(db_, nullptr);
    auto connection = Connection::Open(*db_);
    ASSERT_TRUE(connection.ok());
    connection_.emplace(std::move(connection).value());
    ASSERT_TRUE(
        connection_
            ->Execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer VARCHAR, amount DECIMAL(15,2), "
                      "placed TIMESTAMP, paid BOOLEAN, day DATE)")
            .ok());
  }

  static std::vector<Value> Order(std::int64_t id) {
    return {Value::Integer(id, TypeId::kInteger),
            Value::Varchar("customer-" + std::to_string(id % 97)),
            Value::FromDecimal(Decimal::FromUnscaled(id * 101, 15, 2)),
            Value::Timestamp(1709294400000000 + id * 1000000),
            id % 3 == 0 ? Value::Null(TypeId::kBoolean) : Value::Boolean(id % 2 == 0),
            Value::Date(static_cast<std::int32_t>(19783 + id % 30))};
  }

  std::unique_ptr<Database> db_;
  std::optional<Connection> connection_;
};

TEST_F(AppenderTest, RoundTripsTenThousandRows) {
  auto appender = Appender::Open(*connection_, "", "orders");
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  EXPECT_EQ(appender->column_count(), 6u);
  for (std::int64_t id = 0; id < 10000; ++id) {
    const Status status = appender->AppendRow(Order(id));
    ASSERT_TRUE(status.ok()) << id << ": " << status.ToString();
  }
  ASSERT_TRUE(appender->Close().ok());
  EXPECT_TRUE(appender->Close().ok());

  EXPECT_EQ(QueryValue(*connection_, "SELECT count(*) FROM orders").AsInt64(), 10000);
  EXPECT_EQ(QueryValue(*connection_, "SELECT sum(amount) FROM orders").ToString(), "50494950.00");
  EXPECT_EQ(QueryValue(*connection_, "SELECT count(*) FROM orders WHERE paid IS NULL").AsInt64(), 3334);
  const auto rows = QueryRows(*connection_, "SELECT * FROM orders WHERE id IN (0, 1234, 9999) ORDER BY id");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], Order(0));
  EXPECT_EQ(rows[1], Order(1234));
  EXPECT_EQ(rows[2], Order(9999));
}

TEST_F(AppenderTest, AppendsEveryScalarTypeUnchanged) {
  ASSERT_TRUE(
      connection_
          ->Execute("CREATE TABLE everything (b BOOLEAN, t TINYINT, s SMALLINT, i INTEGER, l BIGINT, "
                    "ut UTINYINT, ul UBIGINT, h HUGEINT, uh UHUGEINT, f FLOAT, d DOUBLE, dec DECIMAL(38,10), "
                    "v VARCHAR, bl BLOB, bit BIT, dt DATE, tm TIME, tmn TIME_NS, ttz TIMETZ, ts TIMESTAMP, "
                    "tss TIMESTAMP_S, tsm TIMESTAMP_MS, tsn TIMESTAMP_NS, tst TIMESTAMPTZ, iv INTERVAL, "
                    "u UUID, e ENUM('red', 'green'))")
          .ok());
  Decimal wide;
  wide.width = 38;
  wide.scale = 10;
  wide.upper = -2;
  wide.lower = 12345;
  const std::vector<Value> row = {
      Value::Boolean(false),
      Value::Integer(-128, TypeId::kTinyInt),
      Value::Integer(-32768, TypeId::kSmallInt),
      Value::Integer(2147483647, TypeId::kInteger),
      Value::Integer(std::numeric_limits<std::int64_t>::min()),
      Value::Unsigned(255, TypeId::kUTinyInt),
      Value::Unsigned(std::numeric_limits<std::uint64_t>::max()),
      Value::Text(TypeId::kHugeInt, "-170141183460469231731687303715884105728"),
      Value::Text(TypeId::kUHugeInt, "340282366920938463463374607431768211455"),
      Value::Float(1.5F),
      Value::Double(-2.25e-300),
      Value::FromDecimal(wide),
      Value::Varchar("Zoë ✓"),
      Value::Blob(std::string("\0\x01\xFF", 3)),
      Value::Text(TypeId::kBit, "10110"),
      Value::Date(-719528),
      Value::Time(86399999999),
      Value::Temporal(TypeId::kTimeNs, 3723123456789),
      Value::Text(TypeId::kTimeTz, "23:59:59.5-07:30"),
      Value::Timestamp(-62135596800000000),
      Value::Temporal(TypeId::kTimestampSec, 1704070923000000),
      Value::Temporal(TypeId::kTimestampMs, 1704070923123000),
      Value::Temporal(TypeId::kTimestampNs, 1704070923123456789),
      Value::TimestampTz(1709294400123456),
      Value::FromInterval({-13, 40, -1}),
      Value::Uuid("ffffffff-0000-4000-8000-0123456789ab"),
      Value::Text(TypeId::kEnum, "green"),
  };
  auto appender = Appender::Open(*connection_, "", "everything");
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  const Status appended = appender->AppendRow(row);
  ASSERT_TRUE(appended.ok()) << appended.ToString();
  ASSERT_TRUE(appender->AppendRow(std::vector<Value>(row.size(), Value::Null())).ok());
  ASSERT_TRUE(appender->Close().ok());
  const auto rows = QueryRows(*connection_, "SELECT * FROM everything");
  ASSERT_EQ(rows.size(), 2u);
  for (std::size_t col = 0; col < row.size(); ++col) {
    EXPECT_EQ(rows[0][col], row[col])
        << "column " << col << ": " << rows[0][col].ToString() << " vs " << row[col].ToString();
    EXPECT_TRUE(rows[1][col].IsNull()) << "column " << col;
  }
}

TEST_F(AppenderTest, NestedValuesAreRejectedWithoutDisablingTheAppender) {
  auto appender = Appender::Open(*connection_, "", "orders");
  ASSERT_TRUE(appender.ok());
  std::vector<Value> row = Order(1);
  row[1] = Value::Text(TypeId::kList, "[1, 2]");
  EXPECT_EQ(appender->AppendRow(row).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(appender->AppendRow(Order(2)).ok());
  ASSERT_TRUE(appender->Close().ok());
  EXPECT_EQ(QueryValue(*connection_, "SELECT count(*) FROM orders").AsInt64(), 1);
}

TEST_F(AppenderTest, RowWithWrongNumberOfValuesIsRejectedAndAppenderStaysUsable) {
  auto appender = Appender::Open(*connection_, "main", "orders");
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  const Status short_row = appender->AppendRow({Value::Integer(1)});
  EXPECT_EQ(short_row.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_row.message().find("needs 6 values"), std::string::npos) << short_row.message();
  ASSERT_TRUE(appender->AppendRow(Order(1)).ok());
  ASSERT_TRUE(appender->Close().ok());
  EXPECT_EQ(QueryValue(*connection_, "SELECT count(*) FROM orders").AsInt64(), 1);
}

TEST_F(AppenderTest, UnknownTableIsInvalidArgument) {
  auto appender = Appender::Open(*connection_, "", "no_such_table");
  ASSERT_FALSE(appender.ok());
  EXPECT_EQ(appender.status().code(), StatusCode::kInvalidArgument) << appender.status().ToString();
  EXPECT_NE(appender.status().message().find("no_such_table"), std::string::npos);
}

TEST_F(AppenderTest, ConstraintViolationSurfacesOnFlushAndDisablesTheAppender) {
  auto appender = Appender::Open(*connection_, "", "orders");
  ASSERT_TRUE(appender.ok());
  ASSERT_TRUE(appender->AppendRow(Order(7)).ok());
  ASSERT_TRUE(appender->AppendRow(Order(7)).ok());
  const Status flushed = appender->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument) << flushed.ToString();
  EXPECT_NE(flushed.message().find("duplicate key"), std::string::npos) << flushed.message();
  EXPECT_EQ(appender->AppendRow(Order(8)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(QueryValue(*connection_, "SELECT count(*) FROM orders").AsInt64(), 0);
}

TEST_F(AppenderTest, UnconvertibleValueIsInvalidArgumentAndDisablesTheAppender) {
  auto appender = Appender::Open(*connection_, "", "orders");
  ASSERT_TRUE(appender.ok());
  std::vector<Value> row = Order(1);
  row[5] = Value::Varchar("not a date");
  const Status status = appender->AppendRow(row);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_EQ(appender->AppendRow(Order(2)).code(), StatusCode::kFailedPrecondition);
}

TEST_F(AppenderTest, DestructorFlushesRowsThatWereNotClosed) {
  {
    auto appender = Appender::Open(*connection_, "", "orders");
    ASSERT_TRUE(appender.ok());
    for (std::int64_t id = 0; id < 10; ++id) ASSERT_TRUE(appender->AppendRow(Order(id)).ok());
  }
  EXPECT_EQ(QueryValue(*connection_, "SELECT count(*) FROM orders").AsInt64(), 10);
}

}  // namespace
}  // namespace lakehouse::engine
