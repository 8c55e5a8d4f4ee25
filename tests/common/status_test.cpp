#include "common/status.h"

#include <gtest/gtest.h>

namespace lakehouse {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return Status::InvalidArgument(std::to_string(n) + " is odd");
  return n / 2;
}

Result<int> Quarter(int n) {
  LH_ASSIGN_OR_RETURN(int half, Half(n));
  LH_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int n) {
  LH_RETURN_IF_ERROR(Half(n).status());
  return Status::OK();
}

TEST(Status, OkByDefaultAndNamesItsCode) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().ToString(), "OK");
  Status st = Status::NotFound("dataset 'x' does not exist");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.ToString(), "not_found: dataset 'x' does not exist");
}

TEST(Status, ContextIsPrefixedAndKeepsTheCode) {
  Status st = Status::IOError("disk full").WithContext("writing manifest");
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(st.message(), "writing manifest: disk full");
  EXPECT_TRUE(Status::OK().WithContext("anything").ok());
}

TEST(Result, CarriesAValueOrTheErrorThroughMacros) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "3 is odd");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakehouse
