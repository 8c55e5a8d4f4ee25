#include "query/result_encoder.h"

#include <gtest/gtest.h>

namespace lakehouse::query {
namespace {

using engine::Decimal;
using engine::TypeId;
using engine::Value;

std::string Json1(const Value& value) {
  std::string out;
  AppendJsonValue(value, out);
  return out;
}

TEST(ResultEncoder, JsonValuesFollowTheDocumentedMapping) {
  EXPECT_EQ(Json1(Value::Null(TypeId::kInteger)), "null");
  EXPECT_EQ(Json1(Value::Boolean(true)), "true");
  EXPECT_EQ(Json1(Value::Integer(-42, TypeId::kInteger)), "-42");
  EXPECT_EQ(Json1(Value::Unsigned(18446744073709551615ULL)), "18446744073709551615");
  EXPECT_EQ(Json1(Value::Text(TypeId::kHugeInt, "-170141183460469231731687303715884105728")),
            "-170141183460469231731687303715884105728");
  EXPECT_EQ(Json1(Value::FromDecimal(Decimal::FromUnscaled(123450, 15, 2))), "1234.50");
  EXPECT_EQ(Json1(Value::FromDecimal(Decimal::FromUnscaled(-5, 15, 2))), "-0.05");
  EXPECT_EQ(Json1(Value::Double(0.1)), "0.1");
  EXPECT_EQ(Json1(Value::Float(0.1F)), "0.1");
  EXPECT_EQ(Json1(Value::Double(std::numeric_limits<double>::infinity())), "\"Infinity\"");
  EXPECT_EQ(Json1(Value::Double(-std::numeric_limits<double>::infinity())), "\"-Infinity\"");
  EXPECT_EQ(Json1(Value::Date(0)), "\"1970-01-01\"");
  EXPECT_EQ(Json1(Value::Timestamp(1'500'000)), "\"1970-01-01T00:00:01.5\"");
  EXPECT_EQ(Json1(Value::TimestampTz(0)), "\"1970-01-01T00:00:00Z\"");
  EXPECT_EQ(Json1(Value::Varchar("line\n\"q\"")), "\"line\\n\\\"q\\\"\"");
  EXPECT_EQ(Json1(Value::Varchar("bad \xff utf8")), "\"bad \xef\xbf\xbd utf8\"");
}

TEST(ResultEncoder, FormatsAreParsedByName) {
  EXPECT_EQ(ParseResultFormat("json"), ResultFormat::kJson);
  EXPECT_EQ(ParseResultFormat("ndjson"), ResultFormat::kNdjson);
  EXPECT_EQ(ParseResultFormat("csv"), ResultFormat::kCsv);
  EXPECT_EQ(ParseResultFormat("arrow"), ResultFormat::kArrow);
  EXPECT_EQ(ParseResultFormat("JSON"), std::nullopt);
  EXPECT_EQ(ParseResultFormat("xml"), std::nullopt);
}

}  // namespace
}  // namespace lakehouse::query
