#include "common/json.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

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

// AppendJsonString is the hand-written path of hot writers; its output must be what the codec
// writes for the same bytes, including every escape and every invalid UTF-8 replacement.
TEST(Json, AppendJsonStringWritesExactlyWhatTheCodecWrites) {
  std::vector<std::string> cases = {"",
                                    "plain",
                                    "quote \" backslash \\ slash /",
                                    "tab\tnewline\ncr\rbell\afeed\fback\b",
                                    std::string("nul\0inside", 10),
                                    "\x7f del stays",
                                    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // 2, 3 and 4-byte forms
                                    "\xc3",                                       // truncated at the end
                                    "\xc0\xaf overlong",
                                    "\xed\xa0\x80 surrogate",
                                    "\xf4\x90\x80\x80 past U+10FFFF",
                                    "\xe0\x80\x80 overlong three",
                                    "\xf0\x80\x80\x80 overlong four",
                                    "lone \x80 continuation",
                                    "\xff\xfe",
                                    "\xe2\x82 cut then ascii"};
  for (int byte = 0; byte < 256; ++byte) cases.push_back(std::string(1, static_cast<char>(byte)));
  std::mt19937 random(7);
  for (int i = 0; i < 5000; ++i) {
    std::string text(random() % 12, '\0');
    for (char& c : text) c = static_cast<char>(random() % 256);
    cases.push_back(text);
  }
  for (const std::string& text : cases) {
    std::string written = "[";
    AppendJsonString(written, text);
    written += "]";
    ASSERT_EQ(written, ToJsonText(Json::array({text}))) << "for bytes of length " << text.size();
    ASSERT_TRUE(ParseJson(written).ok()) << written;
  }
}

}  // namespace
}  // namespace lakehouse
