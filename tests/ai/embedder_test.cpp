#include "ai/embedder.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lakehouse::ai {
namespace {

TEST(NormalizeL2, ScalesToUnitLength) {
  std::vector<float> v = {3, 4};
  NormalizeL2(v);
  EXPECT_FLOAT_EQ(v[0], 0.6F);
  EXPECT_FLOAT_EQ(v[1], 0.8F);
}

TEST(NormalizeL2, LeavesZeroVectorAlone) {
  std::vector<float> v = {0, 0, 0};
  NormalizeL2(v);
  EXPECT_EQ(v, (std::vector<float>{0, 0, 0}));
}

TEST(CheckInputText, AcceptsMultiByteUtf8) { EXPECT_TRUE(CheckInputText("naïve café — 東京 😀", 0).ok()); }

TEST(CheckInputText, RejectsEmptyTextNamingItsIndex) {
  Status st = CheckInputText("", 3);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("text 3 is empty"), std::string::npos);
}

TEST(CheckInputText, RejectsMalformedUtf8) {
  for (const std::string& bad :
       {std::string("abc\xff"), std::string("\xc3"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("\xf4\x90\x80\x80"), std::string("ok\x80ok")}) {
    Status st = CheckInputText(bad, 1);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("not valid UTF-8"), std::string::npos);
  }
}

}  // namespace
}  // namespace lakehouse::ai
