#include "common/json.h"

#include <gtest/gtest.h>

namespace lakehouse {
namespace {

TEST(Json, ParsesValidDocuments) {
  auto parsed = ParseJson(R"({"sql": "SELECT 1", "n": [1, 2.5, null]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)["sql"], "SELECT 1");
  EXPECT_EQ((*parsed)["n"].size(), 3u);
}

TEST(Json, RejectsGarbageWithTheByteOffset) {
  for (std::string_view bad : {"", "{", "{\"a\": }", "nul", "{\"a\":1} trailing", "\xff\xfe"}) {
    auto parsed = ParseJson(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("byte"), std::string::npos) << parsed.status().message();
  }
}

TEST(Json, SerialisingInvalidUtf8NeverThrows) {
  Json value = {{"name", std::string("caf\xc3", 4)}};
  std::string text;
  EXPECT_NO_THROW(text = ToJsonText(value));
  EXPECT_NE(text.find("caf"), std::string::npos);
  EXPECT_TRUE(ParseJson(text).ok()) << text;
}

TEST(Json, HandlesDeeplyNestedAndHugeInput) {
  std::string deep(100000, '[');
  auto parsed = ParseJson(deep);
  EXPECT_FALSE(parsed.ok());
  std::string big = "\"" + std::string(10 << 20, 'x') + "\"";
  auto huge = ParseJson(big);
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->get<std::string>().size(), 10u << 20);
}

}  // namespace
}  // namespace lakehouse
