#include "storage/secrets_provider.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>

#include "storage/scratch_dir.h"

namespace lakehouse {
namespace {

using testutil::ScratchDir;

constexpr const char* kSecret = "s3cr3t/KEY+value";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

TEST(SecretsProvider, ResolvesAnEnvironmentVariable) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs
  ::setenv("LH_TEST_S3_KEYS", (std::string("AKID123:") + kSecret).c_str(), 1);
  EnvFileSecretsProvider provider;
  auto pair = provider.Resolve("env:LH_TEST_S3_KEYS");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->access_key, "AKID123");
  EXPECT_EQ(pair->secret_key, kSecret);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs
  ::unsetenv("LH_TEST_S3_KEYS");
}

TEST(SecretsProvider, ResolvesAFileWithATrailingNewline) {
  ScratchDir dir;
  WriteFile(dir.Join("keys"), std::string("AKID:") + kSecret + "\n");
  auto pair = EnvFileSecretsProvider().Resolve("file:" + dir.Join("keys"));
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->access_key, "AKID");
  EXPECT_EQ(pair->secret_key, kSecret);  // everything after the first colon, colons included
}

TEST(SecretsProvider, MissingSourcesAreNotFoundNamingTheReference) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs
  ::unsetenv("LH_TEST_UNSET_VAR");
  auto env = EnvFileSecretsProvider().Resolve("env:LH_TEST_UNSET_VAR");
  EXPECT_EQ(env.status().code(), StatusCode::kNotFound);
  EXPECT_NE(env.status().message().find("LH_TEST_UNSET_VAR"), std::string::npos);
  auto file = EnvFileSecretsProvider().Resolve("file:/nonexistent/lakehouse/keys");
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
  EXPECT_NE(file.status().message().find("/nonexistent/lakehouse/keys"), std::string::npos);
}

TEST(SecretsProvider, BadValuesAreRejectedWithoutQuotingThem) {
  ScratchDir dir;
  for (const std::string& value : {std::string("no-colon-") + kSecret, std::string(":") + kSecret,
                                   std::string("AKID:"), std::string("AKID:") + kSecret + "\nsecond line"}) {
    WriteFile(dir.Join("keys"), value);
    auto pair = EnvFileSecretsProvider().Resolve("file:" + dir.Join("keys"));
    ASSERT_EQ(pair.status().code(), StatusCode::kInvalidArgument) << value;
    EXPECT_EQ(pair.status().message().find(kSecret), std::string::npos) << pair.status().message();
    EXPECT_NE(pair.status().message().find("ACCESS_KEY:SECRET_KEY"), std::string::npos);
  }
}

TEST(SecretsProvider, UnknownReferenceFormsAreNotEchoed) {
  // Someone pasted the credential itself into secret_ref.
  auto pair = EnvFileSecretsProvider().Resolve(std::string("AKID:") + kSecret);
  EXPECT_EQ(pair.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pair.status().message().find(kSecret), std::string::npos) << pair.status().message();
  EXPECT_NE(pair.status().message().find("env:NAME or file:PATH"), std::string::npos);
  EXPECT_EQ(EnvFileSecretsProvider().Resolve("env:").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EnvFileSecretsProvider().Resolve("file:").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakehouse
