#include "engine/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/test_support.h"

namespace lakehouse::engine {
namespace {

using testing::OpenMemoryDatabase;
using testing::QueryRows;

TEST(Value, KeepsDecimalsExactAndPrintsEveryScaleDigit) {
  const Decimal price = Decimal::FromUnscaled(123450, 15, 2);
  EXPECT_EQ(Value::FromDecimal(price).ToString(), "1234.50");
  EXPECT_DOUBLE_EQ(price.ToDouble(), 1234.5);
  EXPECT_EQ(price.Unscaled64(), 123450);
  EXPECT_EQ(Decimal::FromUnscaled(-5, 4, 2).ToString(), "-0.05");
  EXPECT_EQ(Decimal::FromUnscaled(0, 4, 2).ToString(), "0.00");
  EXPECT_EQ(Decimal::FromUnscaled(7, 5, 0).ToString(), "7");
  // 2^64 as the unscaled value of a DECIMAL(38,2): only exact 128-bit arithmetic gets this right.
  Decimal wide;
  wide.width = 38;
  wide.scale = 2;
  wide.upper = 1;
  wide.lower = 0;
  EXPECT_EQ(wide.ToString(), "184467440737095516.16");
  EXPECT_FALSE(wide.Unscaled64().has_value());
}

TEST(Value, PrintsDatesAndTimestampsInIsoForm) {
  EXPECT_EQ(Value::Date(19783).ToString(), "2024-03-01");
  EXPECT_EQ(Value::Date(-1).ToString(), "1969-12-31");
  EXPECT_EQ(Value::Date(std::numeric_limits<std::int32_t>::max()).ToString(), "infinity");
  EXPECT_EQ(Value::Time(45296500000).ToString(), "12:34:56.5");
  EXPECT_EQ(Value::Timestamp(1709294400000000).ToString(), "2024-03-01 12:00:00");
  EXPECT_EQ(Value::Timestamp(-1).ToString(), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(Value::TimestampTz(1709294400123000).ToString(), "2024-03-01 12:00:00.123+00");
}

TEST(Value, PrintsFloatingPointLikeDuckDB) {
  EXPECT_EQ(Value::Double(1.0).ToString(), "1.0");
  EXPECT_EQ(Value::Double(0.1).ToString(), "0.1");
  EXPECT_EQ(Value::Double(1e15).ToString(), "1000000000000000.0");
  EXPECT_EQ(Value::Double(1e16).ToString(), "1e+16");
  EXPECT_EQ(Value::Double(1.5e-7).ToString(), "1.5e-07");
  EXPECT_EQ(Value::Double(std::numeric_limits<double>::infinity()).ToString(), "inf");
  EXPECT_EQ(Value::Float(0.1F).ToString(), "0.1");
}

TEST(Value, PrintsIntervalsLikeDuckDB) {
  EXPECT_EQ(Value::FromInterval({14, 3, 14706700000}).ToString(), "1 year 2 months 3 days 04:05:06.7");
  EXPECT_EQ(Value::FromInterval({0, -1, 0}).ToString(), "-1 day");
  EXPECT_EQ(Value::FromInterval({}).ToString(), "00:00:00");
}

TEST(Value, AccessorsAnswerOnlyForMatchingTypes) {
  const Value text = Value::Varchar("abc");
  EXPECT_EQ(text.AsString(), "abc");
  EXPECT_FALSE(text.AsInt64().has_value());
  EXPECT_FALSE(text.AsDouble().has_value());
  EXPECT_EQ(Value::Integer(-3, TypeId::kInteger).AsInt64(), -3);
  EXPECT_FALSE(Value::Integer(-3).AsUInt64().has_value());
  EXPECT_EQ(Value::Unsigned(std::numeric_limits<std::uint64_t>::max()).AsInt64(), std::nullopt);
  // sum() of integers is a HUGEINT; it still reads as an int64 when it fits.
  EXPECT_EQ(Value::Text(TypeId::kHugeInt, "-42").AsInt64(), -42);
  EXPECT_EQ(Value::Text(TypeId::kHugeInt, "170141183460469231731687303715884105727").AsInt64(), std::nullopt);
  EXPECT_EQ(Value::Text(TypeId::kHugeInt, "-42").AsUInt64(), std::nullopt);
  EXPECT_EQ(Value::FromDecimal(Decimal::FromUnscaled(150, 4, 2)).AsDouble(), 1.5);
  const Value null_int = Value::Null(TypeId::kInteger);
  EXPECT_TRUE(null_int.IsNull());
  EXPECT_EQ(null_int.type(), TypeId::kInteger);
  EXPECT_FALSE(null_int.AsInt64().has_value());
  EXPECT_EQ(null_int.ToString(), "NULL");
  EXPECT_NE(null_int, Value::Null(TypeId::kVarchar));
}

// Every value's ToString() must equal DuckDB's own CAST(... AS VARCHAR) of the same value.
TEST(Value, RendersEveryTypeExactlyAsDuckDBCastsItToVarchar) {
  auto db = OpenMemoryDatabase();
  ASSERT_NE(db, nullptr);
  auto connection = Connection::Open(*db);
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  ASSERT_TRUE(connection->Execute("SET TimeZone = 'UTC'").ok());

  const std::vector<std::string> expressions = {
      "true",
      "false",
      "NULL",
      "NULL::INTEGER",
      "42::TINYINT",
      "(-32768)::SMALLINT",
      "2147483647",
      "(-9223372036854775808)::BIGINT",
      "255::UTINYINT",
      "65535::USMALLINT",
      "4294967295::UINTEGER",
      "18446744073709551615::UBIGINT",
      "170141183460469231731687303715884105727::HUGEINT",
      "(-170141183460469231731687303715884105727)::HUGEINT - 1",
      "340282366920938463463374607431768211455::UHUGEINT",
      "0.1::FLOAT",
      "1e10::FLOAT",
      "3.4e38::FLOAT",
      "1e-5::FLOAT",
      "'nan'::FLOAT",
      "'-inf'::FLOAT",
      "16777216::FLOAT",
      "1.0::DOUBLE",
      "1e15::DOUBLE",
      "1e16::DOUBLE",
      "1.5e-7::DOUBLE",
      "123456789.123::DOUBLE",
      "'-0.0'::DOUBLE",
      "2.2250738585072014e-308::DOUBLE",
      "1.7976931348623157e308::DOUBLE",
      "5e-324::DOUBLE",
      "0.0001::DOUBLE",
      "100.0::DOUBLE",
      "(-1234.5678)::DOUBLE",
      "1234.50::DECIMAL(15,2)",
      "(-0.05)::DECIMAL(4,2)",
      "0::DECIMAL(4,2)",
      "123.4::DECIMAL(4,1)",
      "12345.6789::DECIMAL(9,4)",
      "0.000001::DECIMAL(18,6)",
      "7::DECIMAL(5,0)",
      "12345678901234567890.12::DECIMAL(38,2)",
      "(-99999999999999999999999999999999999.999)::DECIMAL(38,3)",
      "'héllo wörld ✓'",
      "''",
      "'\\x00\\xFF\\x27\\x5C\\x22 abc~'::BLOB",
      "''::BLOB",
      "'0101'::BIT",
      "'1'::BIT",
      "'111000111'::BIT",
      "DATE '2024-03-01'",
      "DATE '0001-01-01'",
      "DATE '-0044-03-15'",
      "'infinity'::DATE",
      "'-infinity'::DATE",
      "DATE '12345-06-07'",
      "DATE '1969-12-31'",
      "DATE '1600-02-29'",
      "TIME '00:00:00'",
      "TIME '12:34:56.5'",
      "TIME '23:59:59.999999'",
      "'24:00:00'::TIME",
      "'01:02:03.123456789'::TIME_NS",
      "'12:00:00+05:30'::TIMETZ",
      "'12:00:00.25-07:30:15'::TIMETZ",
      "'00:00:00+00'::TIMETZ",
      "TIMESTAMP '2024-03-01 12:00:00'",
      "TIMESTAMP '2024-03-01 12:00:00.123456'",
      "TIMESTAMP '1969-12-31 23:59:59.999999'",
      "TIMESTAMP '0001-01-01 00:00:00' - INTERVAL 1 day",
      "'infinity'::TIMESTAMP",
      "'-infinity'::TIMESTAMP",
      "'2024-01-01 01:02:03.5'::TIMESTAMP_S",
      "'2024-01-01 01:02:03.5'::TIMESTAMP_MS",
      "'2024-01-01 01:02:03.123456789'::TIMESTAMP_NS",
      "'1960-01-01 00:00:00.5'::TIMESTAMP_NS",
      "TIMESTAMPTZ '2024-01-01 12:00:00+02'",
      "'infinity'::TIMESTAMPTZ",
      "INTERVAL '1 year 2 months 3 days 04:05:06.7'",
      "INTERVAL '-1 day'",
      "INTERVAL '0 seconds'",
      "INTERVAL '25 hours'",
      "INTERVAL '-1 microsecond'",
      "INTERVAL '-14 months'",
      "INTERVAL '-1 year'",
      "INTERVAL '1 month -2 days 00:00:00.000001'",
      "'c47aed72-90d5-4d89-803b-fdfa18245015'::UUID",
      "'00000000-0000-0000-0000-000000000000'::UUID",
      "'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID",
      "'abc'::ENUM('abc', 'd')",
      "'{\"a\": [1, 2]}'::JSON",
      "[1, 2, NULL]",
      "['a', 'b c', NULL, '', 'x,y', 'NULL', ' pad', 'pad ', 'it''s', 'back\\slash', 'a:b', '(x)', 'q\"']",
      "{'x': 1, 'y': 'hi'}",
      "MAP {'k': [1], 'j': NULL}",
      "[1, 2]::INTEGER[2]",
      "{'a': [1, 2], 'b': {'c': 'd'}}",
      "[{'a': 'x y'}]",
      "MAP {1: 'a'}",
      "[1.5::DOUBLE, 2]",
      "[DATE '2024-01-01']",
      "[TIMESTAMP '2024-01-01 10:00:00']",
      "['\\x00'::BLOB]",
      "[INTERVAL '1 day']",
      "[INTERVAL '1 second']",
      "[[1, 2], [3]]",
      "[]::INTEGER[]",
      "{'a b': 1, 'it''s': 2}",
      "row(1, 'a')",
      "union_value(k := 'x')::UNION(k VARCHAR, n INTEGER)",
      "[union_value(k := 'a,b')::UNION(k VARCHAR, n INTEGER)]",
      "['c47aed72-90d5-4d89-803b-fdfa18245015'::UUID]",
      "[true, false]",
      "[1.50::DECIMAL(4,2)]",
      "['abc'::ENUM('abc', 'd')]",
      "[NULL::INTEGER]",
      "MAP {'a': {'b': 1}}",
      "[TIME '12:00:00']",
      "['0101'::BIT]",
      "[170141183460469231731687303715884105727::HUGEINT]",
      "[1e16::DOUBLE, 0.1::FLOAT]",
      "{'k': NULL}",
      "[[NULL]]",
      "['12:00:00+05:30'::TIMETZ]",
      "[TIMESTAMPTZ '2024-01-01 12:00:00+00']",
  };
  for (const std::string& expression : expressions) {
    std::string sql = "SELECT ";
    sql.append(expression).append(" AS v, CAST(").append(expression).append(" AS VARCHAR) AS text");
    const auto rows = QueryRows(*connection, sql);
    ASSERT_EQ(rows.size(), 1u) << sql;
    const Value& value = rows[0][0];
    const Value& text = rows[0][1];
    const std::string expected = text.IsNull() ? "NULL" : std::string(*text.AsString());
    EXPECT_EQ(value.ToString(), expected) << expression;
  }
}

TEST(Value, ReportsColumnTypesAsDuckDBSpellsThem) {
  auto db = OpenMemoryDatabase();
  ASSERT_NE(db, nullptr);
  auto connection = Connection::Open(*db);
  ASSERT_TRUE(connection.ok());
  struct Case {
    std::string expression;
    TypeId type;
  };
  const std::vector<Case> cases = {
      {"1234.50::DECIMAL(15,2)", TypeId::kDecimal},
      {"'x'", TypeId::kVarchar},
      {"TIMESTAMPTZ '2024-01-01 00:00:00+00'", TypeId::kTimestampTz},
      {"'12:00:00+05:30'::TIMETZ", TypeId::kTimeTz},
      {"[1, 2]", TypeId::kList},
      {"[1, 2]::INTEGER[2]", TypeId::kArray},
      {"{'x': 1, 'y': 'hi'}", TypeId::kStruct},
      {"MAP {'k': [1]}", TypeId::kMap},
      {"'abc'::ENUM('abc', 'd')", TypeId::kEnum},
      {"union_value(k := 'x')::UNION(k VARCHAR, n INTEGER)", TypeId::kUnion},
      {"'{}'::JSON", TypeId::kVarchar},
      {"INTERVAL 1 day", TypeId::kInterval},
      {"gen_random_uuid()", TypeId::kUuid},
      {"1::UHUGEINT", TypeId::kUHugeInt},
      {"'2024-01-01'::TIMESTAMP_NS", TypeId::kTimestampNs},
      {"{'Mixed Case': [{'inner': 1.5::DOUBLE}]}", TypeId::kStruct},
      {"{'select': 1, 'Ab': 2, '1a': 3}", TypeId::kStruct},
      {"row(1, 'a')", TypeId::kStruct},
      {"'a'::ENUM('it''s', 'a')", TypeId::kEnum},
      {"MAP {'k': {'v': [1]}}", TypeId::kMap},
  };
  for (const Case& c : cases) {
    std::vector<Column> columns;
    const auto rows =
        QueryRows(*connection, "SELECT " + c.expression + " AS v, typeof(" + c.expression + ")", &columns);
    ASSERT_EQ(rows.size(), 1u) << c.expression;
    ASSERT_EQ(columns.size(), 2u);
    EXPECT_EQ(columns[0].name, "v");
    EXPECT_EQ(columns[0].type, c.type) << c.expression;
    EXPECT_EQ(columns[0].type_name, *rows[0][1].AsString()) << c.expression;
  }
}

}  // namespace
}  // namespace lakehouse::engine
