#include "storage/bucket_registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/local_object_store.h"
#include "storage/scratch_dir.h"

namespace lakehouse {
namespace {

namespace fs = std::filesystem;
using testutil::ScratchDir;

BucketOptions Bucket(std::string name, std::string path, std::string backend = "local") {
  BucketOptions options;
  options.name = std::move(name);
  options.backend = std::move(backend);
  options.path = std::move(path);
  return options;
}

StorageOptions Options(const ScratchDir& scratch, std::vector<BucketOptions> buckets) {
  StorageOptions options;
  options.data_dir = scratch.Join("data");
  for (BucketOptions& bucket : buckets) {
    const std::string name = bucket.name;
    options.buckets[name] = std::move(bucket);
  }
  return options;
}

std::unique_ptr<BucketRegistry> OpenRegistry(const StorageOptions& options) {
  auto registry = BucketRegistry::Open(options);
  EXPECT_TRUE(registry.ok()) << registry.status().ToString();
  return registry.ok() ? std::move(registry).value() : nullptr;
}

TEST(BucketRegistry, OpensThePrimaryBucketAtDataDirWhenItsPathIsEmpty) {
  ScratchDir scratch;
  auto registry = OpenRegistry(Options(scratch, {Bucket("primary", "")}));
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->primary().name(), "primary");
  ASSERT_TRUE(registry->primary().Put("_catalog/x", "1").ok());
  EXPECT_TRUE(fs::exists(scratch.Join("data/_catalog/x")));
}

TEST(BucketRegistry, AddsAPrimaryBucketAtDataDirWhenNoneIsConfigured) {
  ScratchDir scratch;
  auto registry = OpenRegistry(Options(scratch, {}));
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->names(), std::vector<std::string>{"primary"});
  EXPECT_EQ(*registry->primary().Uri("k"), fs::canonical(scratch.Join("data")).string() + "/k");
}

TEST(BucketRegistry, OpensEveryConfiguredBucketAndListsTheirNamesSorted) {
  ScratchDir scratch;
  auto registry = OpenRegistry(Options(scratch, {Bucket("tenant_b", scratch.Join("b")), Bucket("primary", ""),
                                                 Bucket("rescue", scratch.Join("r"))}));
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->names(), (std::vector<std::string>{"primary", "rescue", "tenant_b"}));
  auto rescue = registry->Get("rescue");
  ASSERT_TRUE(rescue.ok());
  EXPECT_EQ((*rescue)->name(), "rescue");
  EXPECT_TRUE(fs::is_directory(scratch.Join("r")));
  EXPECT_TRUE(fs::is_directory(scratch.Join("b")));
}

TEST(BucketRegistry, KeepsBucketsApart) {
  ScratchDir scratch;
  auto registry =
      OpenRegistry(Options(scratch, {Bucket("primary", ""), Bucket("other", scratch.Join("other"))}));
  ASSERT_NE(registry, nullptr);
  ASSERT_TRUE(registry->primary().Put("k", "primary's").ok());
  ObjectStore* other = *registry->Get("other");
  EXPECT_EQ(other->Get("k").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(other->Put("k", "other's").ok());
  EXPECT_EQ(*registry->primary().Get("k"), "primary's");
}

TEST(BucketRegistry, RejectsAnUnknownBackendNamingTheBucketAndTheKnownBackends) {
  ScratchDir scratch;
  auto registry = BucketRegistry::Open(Options(scratch, {Bucket("archive", "x", "ftp")}));
  ASSERT_EQ(registry.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(registry.status().message().find("bucket 'archive' uses backend 'ftp'"), std::string::npos)
      << registry.status().message();
  EXPECT_NE(registry.status().message().find("one of: local, s3"), std::string::npos)
      << registry.status().message();
  EXPECT_FALSE(fs::exists(scratch.Join("data"))) << "nothing is created when the config is rejected";
}

TEST(BucketRegistry, RejectsABucketOtherThanPrimaryWithoutAPath) {
  ScratchDir scratch;
  auto registry = BucketRegistry::Open(Options(scratch, {Bucket("tenant", "")}));
  ASSERT_EQ(registry.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(registry.status().message().find("storage.buckets.tenant.path"), std::string::npos)
      << registry.status().message();
}

TEST(BucketRegistry, RejectsBucketsThatShareOrNestDirectories) {
  ScratchDir scratch;
  auto same =
      BucketRegistry::Open(Options(scratch, {Bucket("primary", ""), Bucket("copy", scratch.Join("data/"))}));
  ASSERT_EQ(same.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(same.status().message().find("'copy'"), std::string::npos) << same.status().message();

  auto nested = BucketRegistry::Open(
      Options(scratch, {Bucket("primary", ""), Bucket("inner", scratch.Join("data/inner"))}));
  EXPECT_EQ(nested.status().code(), StatusCode::kInvalidArgument);

  auto siblings = BucketRegistry::Open(
      Options(scratch, {Bucket("primary", scratch.Join("data")), Bucket("near", scratch.Join("data-2"))}));
  EXPECT_TRUE(siblings.ok()) << "a shared name prefix is not nesting: " << siblings.status().ToString();
}

TEST(BucketRegistry, GetOfAnUnknownBucketIsNotFoundListingTheKnownOnes) {
  ScratchDir scratch;
  auto registry =
      OpenRegistry(Options(scratch, {Bucket("primary", ""), Bucket("rescue", scratch.Join("r"))}));
  ASSERT_NE(registry, nullptr);
  auto missing = registry->Get("nope");
  ASSERT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "no bucket named 'nope'; the configured buckets are: primary, rescue");
}

TEST(BucketRegistry, HealthProbeWritesReadsAndCleansUp) {
  ScratchDir scratch;
  auto registry = OpenRegistry(Options(scratch, {Bucket("primary", "")}));
  ASSERT_NE(registry, nullptr);
  EXPECT_TRUE(registry->CheckHealth("primary").ok());
  auto listed = registry->primary().List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty()) << "the probe object must be deleted";
  EXPECT_FALSE(fs::exists(scratch.Join("data/_health")));
  EXPECT_EQ(registry->CheckHealth("nope").code(), StatusCode::kNotFound);
}

TEST(BucketRegistry, HealthProbeReportsUnavailableWhenTheBucketDirectoryIsGone) {
  ScratchDir scratch;
  auto registry = OpenRegistry(Options(scratch, {Bucket("primary", "")}));
  ASSERT_NE(registry, nullptr);
  fs::remove_all(scratch.Join("data"));
  const Status health = registry->CheckHealth("primary");
  EXPECT_EQ(health.code(), StatusCode::kUnavailable);
  EXPECT_NE(health.message().find("bucket 'primary' failed its health probe"), std::string::npos)
      << health.message();
}

}  // namespace
}  // namespace lakehouse
