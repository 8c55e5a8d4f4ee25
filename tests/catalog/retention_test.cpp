// Retention: GarbageCollect drops versions outside the policy (manifest records and data objects),
// always keeps the latest version, and leaves every other process's view consistent.
#include <gtest/gtest.h>

#include <chrono>

#include "catalog/catalog.h"
#include "catalog/scratch_directory.h"

namespace lakehouse::catalog {
namespace {

const std::vector<ColumnSchema> kPeople = {{"id", "BIGINT"}, {"name", "VARCHAR"}};

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = ScratchDirectory::Create("", "retention-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    storage_.data_dir = dir_->File("data");
    auto buckets = BucketRegistry::Open(storage_);
    ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
    buckets_ = std::move(buckets).value();
    catalog_ = Open();
  }

  std::unique_ptr<Catalog> Open() {
    auto catalog = Catalog::Open(*buckets_, {});
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    return catalog.ok() ? std::move(catalog).value() : nullptr;
  }

  // Commits a version the way ingest does: the data object first, the manifest last.
  DatasetManifest CommitVersion(const std::string& name, const std::string& bytes) {
    auto lease = catalog_->BeginVersion(name, "primary");
    EXPECT_TRUE(lease.ok()) << lease.status().ToString();
    if (!lease.ok()) return {};
    std::string key = (*lease)->prefix() + "part-0.parquet";
    EXPECT_TRUE(buckets_->primary().Put(key, bytes).ok());
    DatasetManifest m;
    m.schema = kPeople;
    m.files.push_back({key, bytes.size(), 3, "sha-" + bytes});
    m.metadata.owner = "ops";
    m.metadata.lineage.source_system = "crm";
    m.content_hash = "content-" + bytes;
    m.source_format = "csv";
    auto committed = catalog_->Commit(**lease, m);
    EXPECT_TRUE(committed.ok()) << committed.status().ToString();
    return committed.ok() ? *committed : DatasetManifest{};
  }

  std::vector<std::int64_t> VersionNumbers(Catalog& catalog, const std::string& name) {
    std::vector<std::int64_t> numbers;
    auto versions = catalog.Versions(name);
    if (!versions.ok()) return numbers;
    for (const auto& m : *versions) numbers.push_back(m.version);
    return numbers;
  }

  bool Exists(const std::string& key) { return buckets_->primary().Head(key).ok(); }

  std::unique_ptr<ScratchDirectory> dir_;
  StorageOptions storage_;
  std::unique_ptr<BucketRegistry> buckets_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(RetentionTest, NoPolicyKeepsEveryVersion) {
  auto v1 = CommitVersion("t", "one");
  CommitVersion("t", "two");
  auto report = catalog_->GarbageCollect(std::chrono::seconds(0));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->removed_versions.empty());
  EXPECT_EQ(VersionNumbers(*catalog_, "t"), (std::vector<std::int64_t>{1, 2}));
  EXPECT_TRUE(Exists(v1.files[0].key));
}

TEST_F(RetentionTest, RetainVersionsDropsOlderVersionsAndTheirObjects) {
  std::vector<DatasetManifest> t;
  for (const char* bytes : {"one", "two", "three", "four"}) t.push_back(CommitVersion("t", bytes));
  auto single = CommitVersion("single", "only");

  auto report = catalog_->GarbageCollect(std::chrono::seconds(0), {.retain_versions = 2});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->removed_versions, (std::vector<std::string>{"t@2", "t@1"}));
  EXPECT_EQ(VersionNumbers(*catalog_, "t"), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(VersionNumbers(*catalog_, "single"), (std::vector<std::int64_t>{1}));
  EXPECT_FALSE(Exists(t[0].files[0].key));
  EXPECT_FALSE(Exists(t[1].files[0].key));
  EXPECT_TRUE(Exists(t[2].files[0].key));
  EXPECT_TRUE(Exists(t[3].files[0].key));
  EXPECT_TRUE(Exists(single.files[0].key));
  EXPECT_EQ(catalog_->GetVersion("t", 1).status().code(), StatusCode::kNotFound);

  // The removal is durable: a fresh process sees the same versions.
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(VersionNumbers(*reopened, "t"), (std::vector<std::int64_t>{3, 4}));
  // New versions continue the numbering; they never reuse a removed number.
  EXPECT_EQ(CommitVersion("t", "five").version, 5);
}

TEST_F(RetentionTest, TheLatestVersionIsAlwaysKept) {
  auto only = CommitVersion("t", "one");
  auto report = catalog_->GarbageCollect(std::chrono::seconds(0), {.retain_versions = 1, .retain_days = 1});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->removed_versions.empty());
  EXPECT_EQ(VersionNumbers(*catalog_, "t"), (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(Exists(only.files[0].key));
}

TEST_F(RetentionTest, RetainDaysDropsVersionsSupersededLongAgo) {
  CommitVersion("t", "one");
  CommitVersion("t", "two");
  // Rewrite both records as created ten days ago (a newer record of the same version wins),
  // the way they would look had they been ingested then.
  auto store = ManifestStore::Open(buckets_->primary(), {}, "");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto versions = catalog_->Versions("t");
  ASSERT_TRUE(versions.ok());
  constexpr std::int64_t kTenDaysUs = 10LL * 86'400'000'000LL;
  for (auto& m : *versions) {
    m.created_at_us -= kTenDaysUs;
    m.updated_at_us += 1;
  }
  ASSERT_TRUE((*store)->WriteBatch(*versions).ok());
  ASSERT_TRUE(catalog_->Refresh().ok());
  auto v3 = CommitVersion("t", "three");  // supersedes v2 just now

  auto report = catalog_->GarbageCollect(std::chrono::seconds(0), {.retain_days = 5});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->removed_versions, (std::vector<std::string>{"t@1"}))
      << "v1 was superseded ten days ago; v2 only now";
  EXPECT_EQ(VersionNumbers(*catalog_, "t"), (std::vector<std::int64_t>{2, 3}));
  EXPECT_FALSE(Exists("datasets/t/v1/part-0.parquet"));
  EXPECT_TRUE(Exists("datasets/t/v2/part-0.parquet"));
  EXPECT_TRUE(Exists(v3.files[0].key));
}

TEST_F(RetentionTest, AnotherProcessForgetsRemovedVersionsOnRefresh) {
  for (const char* bytes : {"one", "two", "three"}) CommitVersion("t", bytes);
  auto server = Open();  // e.g. a running `lakehouse serve` next to `lakehouse gc`
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(VersionNumbers(*server, "t"), (std::vector<std::int64_t>{1, 2, 3}));

  ASSERT_TRUE(catalog_->GarbageCollect(std::chrono::seconds(0), {.retain_versions = 1}).ok());
  ASSERT_TRUE(server->Refresh().ok());
  EXPECT_EQ(VersionNumbers(*server, "t"), (std::vector<std::int64_t>{3}));
  // Its own compaction therefore cannot bring the removed versions back.
  ASSERT_TRUE(server->Compact().ok());
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(VersionNumbers(*reopened, "t"), (std::vector<std::int64_t>{3}));
}

}  // namespace
}  // namespace lakehouse::catalog
