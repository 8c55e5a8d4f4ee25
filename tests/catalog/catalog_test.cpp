// The catalog: manifests persisted as Parquet batches, the index rebuilt from them, the commit
// protocol, metadata patches, compaction and garbage collection -- on a real local bucket.
#include "catalog/catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "catalog/file_transfer.h"
#include "catalog/scratch_directory.h"
#include "common/sha256.h"

namespace lakehouse::catalog {
namespace {

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = ScratchDirectory::Create("", "catalog-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    storage_.data_dir = dir_->File("data");
    auto buckets = BucketRegistry::Open(storage_);
    ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
    buckets_ = std::move(buckets).value();
    Reopen();
  }

  void Reopen() {
    catalog_.reset();
    auto catalog = Catalog::Open(*buckets_, options_);
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = std::move(catalog).value();
  }

  // Commits a version of `name` the way ingest does: the data object first, the manifest last.
  DatasetManifest CommitVersion(const std::string& name, std::vector<ColumnSchema> schema,
                                const std::string& bytes, const std::string& owner = "ops") {
    auto lease = catalog_->BeginVersion(name, "primary");
    EXPECT_TRUE(lease.ok()) << lease.status().ToString();
    std::string key = (*lease)->prefix() + "part-0.parquet";
    EXPECT_TRUE(buckets_->primary().Put(key, bytes).ok());
    DatasetManifest m;
    m.schema = std::move(schema);
    m.files.push_back({key, bytes.size(), 3, Sha256Hex(bytes)});
    m.metadata.owner = owner;
    m.metadata.lineage.source_system = "crm";
    m.content_hash = Sha256Hex(bytes);
    m.source_format = "csv";
    auto committed = catalog_->Commit(**lease, m);
    EXPECT_TRUE(committed.ok()) << committed.status().ToString();
    return committed.ok() ? *committed : DatasetManifest{};
  }

  static std::string Sha256Hex(const std::string& bytes) { return "hash-of-" + std::to_string(bytes.size()); }

  std::unique_ptr<ScratchDirectory> dir_;
  StorageOptions storage_;
  CatalogOptions options_;
  std::unique_ptr<BucketRegistry> buckets_;
  std::unique_ptr<Catalog> catalog_;
};

const std::vector<ColumnSchema> kPeople = {{"id", "BIGINT"}, {"name", "VARCHAR"}};

TEST_F(CatalogTest, RebuildsIndexFromManifestsOnOpen) {
  auto a = CommitVersion("candidates", kPeople, "aaa");
  auto b = CommitVersion("placements", {{"amount", "DOUBLE"}}, "bbbb");
  auto a2 = CommitVersion("candidates", kPeople, "aaaaa");
  ASSERT_EQ(a2.version, 2);
  Reopen();
  EXPECT_EQ(catalog_->dataset_count(), 2u);
  auto latest = catalog_->Get("candidates");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, a2);
  auto first = catalog_->GetVersion("candidates", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, a);
  EXPECT_EQ(*catalog_->Get("placements"), b);
  EXPECT_EQ(a.id, a2.id) << "a dataset keeps its id across versions";
  EXPECT_NE(a.id, b.id);
  auto listed = buckets_->primary().List("_catalog/manifests/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u) << "one write-once batch per commit";
  EXPECT_TRUE(listed->front().key.ends_with(".parquet"));
}

TEST_F(CatalogTest, ReadableGivesSchemaAndDataUrisOfEveryVersion) {
  CommitVersion("candidates", kPeople, "aaa");
  CommitVersion("candidates", {{"id", "VARCHAR"}}, "bbb");
  auto current = catalog_->CurrentDatasets();
  ASSERT_TRUE(current.ok());
  ASSERT_EQ(current->size(), 1u);
  EXPECT_EQ((*current)[0].version, 2);
  EXPECT_EQ((*current)[0].schema, (std::vector<ColumnSchema>{{"id", "VARCHAR"}}));
  ASSERT_EQ((*current)[0].data_uris.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists((*current)[0].data_uris[0]));
  auto old = catalog_->Readable("candidates", 1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->schema, kPeople);
  EXPECT_TRUE(std::filesystem::exists(old->data_uris[0])) << "older versions stay readable";
  EXPECT_EQ(catalog_->Readable("candidates", 7).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(catalog_->Readable("nobody").status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogTest, SchemaFingerprintFollowsNamesAndTypes) {
  auto a = CommitVersion("t", kPeople, "a");
  auto b = CommitVersion("t", kPeople, "bb");
  auto c = CommitVersion("t", {{"id", "VARCHAR"}, {"name", "VARCHAR"}}, "ccc");
  EXPECT_EQ(a.schema_fingerprint, b.schema_fingerprint);
  EXPECT_NE(a.schema_fingerprint, c.schema_fingerprint);
  EXPECT_NE(SchemaFingerprint({{"ab", "c"}}), SchemaFingerprint({{"a", "bc"}}));
}

TEST_F(CatalogTest, PatchIsANewRecordThatSurvivesReopen) {
  CommitVersion("candidates", kPeople, "aaa");
  auto patch = MetadataPatchFromJson(Json::parse(
      R"({"owner":"talent-team","description":"People","tags":["hr","crm"],"freshness_sla":"24h",
          "sensitivity":"restricted","primary_key":"id","lineage":{"parents":["raw_people"]}})"));
  ASSERT_TRUE(patch.ok()) << patch.status().ToString();
  auto patched = catalog_->PatchMetadata("candidates", *patch);
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  Reopen();
  auto m = catalog_->Get("candidates");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->metadata.owner, "talent-team");
  EXPECT_EQ(m->metadata.tags, (std::vector<std::string>{"hr", "crm"}));
  EXPECT_EQ(m->metadata.sensitivity, Sensitivity::kRestricted);
  EXPECT_EQ(m->metadata.lineage.parents, std::vector<std::string>{"raw_people"});
  EXPECT_EQ(m->primary_key, "id");
  EXPECT_EQ(m->version, 1) << "a patch does not make a data version";
  EXPECT_GT(m->updated_at_us, m->created_at_us);
}

TEST_F(CatalogTest, PatchValidationListsEveryProblem) {
  auto patch = MetadataPatchFromJson(
      Json::parse(R"({"owner":"","sensitivity":"secret","freshness_sla":"soon","colour":"blue"})"));
  ASSERT_FALSE(patch.ok());
  const std::string& message = patch.status().message();
  EXPECT_NE(message.find("'owner' must not be empty"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown sensitivity 'secret'"), std::string::npos) << message;
  EXPECT_NE(message.find("freshness SLA 'soon'"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown field 'colour'"), std::string::npos) << message;

  CommitVersion("t", kPeople, "a");
  MetadataPatch bad_key;
  bad_key.primary_key = "nope";
  EXPECT_EQ(catalog_->PatchMetadata("t", bad_key).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->PatchMetadata("missing", bad_key).status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogTest, FiltersByTagOwnerSensitivityAndStaleness) {
  CommitVersion("fresh", kPeople, "a", "alice");
  CommitVersion("old", kPeople, "b", "bob");
  MetadataPatch tags;
  tags.tags = std::vector<std::string>{"hr"};
  tags.sensitivity = Sensitivity::kConfidential;
  ASSERT_TRUE(catalog_->PatchMetadata("fresh", tags).ok());
  MetadataPatch sla;
  sla.freshness_sla = "1m";
  ASSERT_TRUE(catalog_->PatchMetadata("old", sla).ok());

  auto names = [&](const DatasetFilter& filter) {
    std::vector<std::string> out;
    for (const auto& m : catalog_->List(filter)) out.push_back(m.name);
    return out;
  };
  DatasetFilter by_tag, by_owner, by_sensitivity, not_stale;
  by_tag.tag = "hr";
  by_owner.owner = "bob";
  by_sensitivity.sensitivity = Sensitivity::kConfidential;
  not_stale.stale = false;
  EXPECT_EQ(names(by_tag), std::vector<std::string>{"fresh"});
  EXPECT_EQ(names(by_owner), std::vector<std::string>{"old"});
  EXPECT_EQ(names(by_sensitivity), std::vector<std::string>{"fresh"});
  EXPECT_EQ(names(not_stale), (std::vector<std::string>{"fresh", "old"})) << "1m has not passed yet";
  auto old = catalog_->Get("old");
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(IsStale(*old, std::chrono::system_clock::now() + std::chrono::minutes(2)));
  EXPECT_FALSE(IsStale(*catalog_->Get("fresh"), std::chrono::system_clock::now() + std::chrono::hours(1000)))
      << "no SLA, never stale";
}

TEST_F(CatalogTest, CompactionMergesBatchesIntoOneAndKeepsEveryVersion) {
  for (int i = 0; i < 5; ++i)
    CommitVersion("t" + std::to_string(i), kPeople, std::string(static_cast<std::size_t>(i + 1), 'x'));
  CommitVersion("t0", kPeople, "changed");
  MetadataPatch owner;
  owner.owner = "new-owner";
  ASSERT_TRUE(catalog_->PatchMetadata("t1", owner).ok());
  EXPECT_EQ(catalog_->batch_count(), 7u);
  ASSERT_TRUE(catalog_->Compact().ok());
  EXPECT_EQ(catalog_->batch_count(), 1u);
  auto listed = buckets_->primary().List("_catalog/manifests/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
  Reopen();
  EXPECT_EQ(catalog_->dataset_count(), 5u);
  EXPECT_EQ(catalog_->Versions("t0")->size(), 2u);
  EXPECT_EQ(catalog_->Get("t1")->metadata.owner, "new-owner");
}

TEST_F(CatalogTest, CompactsOnOpenWhenBatchesPileUp) {
  options_.compact_after_batches = 3;
  Reopen();
  for (int i = 0; i < 3; ++i) CommitVersion("t" + std::to_string(i), kPeople, "x");
  EXPECT_EQ(catalog_->batch_count(), 3u);
  CommitVersion("t3", kPeople, "x");
  EXPECT_EQ(catalog_->batch_count(), 1u) << "the 4th commit crosses the threshold";
  Reopen();
  EXPECT_EQ(catalog_->dataset_count(), 4u);
}

TEST_F(CatalogTest, CrashBeforeTheManifestLeavesNothingInTheCatalog) {
  CommitVersion("t", kPeople, "committed");
  {
    auto lease = catalog_->BeginVersion("t", "primary");
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(buckets_->primary().Put((*lease)->prefix() + "part-0.parquet", "orphan").ok());
    // The writer dies here: no Commit.
  }
  Reopen();
  EXPECT_EQ(catalog_->Get("t")->version, 1);
  auto next = catalog_->BeginVersion("t", "primary");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)->version(), 3) << "the orphan's version number is never reused";
}

TEST_F(CatalogTest, GarbageCollectRemovesOnlyUnreferencedObjects) {
  auto kept = CommitVersion("t", kPeople, "committed");
  auto& bucket = buckets_->primary();
  ASSERT_TRUE(bucket.Put("datasets/t/v2/part-0.parquet", "orphan of a crash").ok());
  ASSERT_TRUE(bucket.Put("datasets/gone/v1/part-0.parquet", "orphan").ok());
  ASSERT_TRUE(bucket.Put("notes/keep.txt", "outside datasets/").ok());

  auto young = catalog_->GarbageCollect(std::chrono::hours(1));
  ASSERT_TRUE(young.ok());
  EXPECT_TRUE(young->removed.empty())
      << "objects younger than the grace period may belong to a running ingest";
  EXPECT_EQ(young->kept_recent, 2u);

  auto report = catalog_->GarbageCollect(std::chrono::seconds(0));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->removed, (std::vector<std::string>{"primary:datasets/gone/v1/part-0.parquet",
                                                       "primary:datasets/t/v2/part-0.parquet"}));
  EXPECT_TRUE(bucket.Head(kept.files[0].key).ok());
  EXPECT_TRUE(bucket.Head("notes/keep.txt").ok());
  EXPECT_EQ(bucket.Head("datasets/t/v2/part-0.parquet").status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogTest, GarbageCollectSparesAVersionBeingWritten) {
  auto lease = catalog_->BeginVersion("t", "primary");
  ASSERT_TRUE(lease.ok());
  std::string key = (*lease)->prefix() + "part-0.parquet";
  ASSERT_TRUE(buckets_->primary().Put(key, "in flight").ok());
  auto report = catalog_->GarbageCollect(std::chrono::seconds(0));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->removed.empty());
  EXPECT_TRUE(buckets_->primary().Head(key).ok());
}

TEST_F(CatalogTest, OneWriterPerDatasetAtATime) {
  auto first = catalog_->BeginVersion("t", "primary");
  ASSERT_TRUE(first.ok());
  auto second = catalog_->BeginVersion("t", "primary");
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(catalog_->BeginVersion("other", "primary").ok());
  first->reset();
  EXPECT_TRUE(catalog_->BeginVersion("t", "primary").ok());
}

TEST_F(CatalogTest, RejectsNamesThatCannotBeViewNames) {
  EXPECT_EQ(catalog_->BeginVersion("1abc", "primary").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->BeginVersion("a-b", "primary").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->BeginVersion("../x", "primary").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->BeginVersion("ok_name", "nope").status().code(), StatusCode::kNotFound);
  CommitVersion("People", kPeople, "x");
  EXPECT_EQ(catalog_->BeginVersion("people", "primary").status().code(), StatusCode::kAlreadyExists)
      << "names are tables in SQL, where case does not matter";
}

TEST_F(CatalogTest, SeesCommitsOfAnotherProcessAfterRefresh) {
  auto other = Catalog::Open(*buckets_, options_);
  ASSERT_TRUE(other.ok());
  CommitVersion("t", kPeople, "x");
  EXPECT_EQ((*other)->dataset_count(), 0u);
  ASSERT_TRUE((*other)->Refresh().ok());
  EXPECT_EQ((*other)->dataset_count(), 1u);
}

TEST_F(CatalogTest, ConcurrentReadersDuringCommits) {
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto current = catalog_->CurrentDatasets();
      ASSERT_TRUE(current.ok());
      for (const auto& d : *current) ASSERT_FALSE(d.data_uris.empty());
    }
  });
  for (int i = 0; i < 10; ++i) CommitVersion("t" + std::to_string(i % 3), kPeople, std::to_string(i));
  stop = true;
  reader.join();
  EXPECT_EQ(catalog_->dataset_count(), 3u);
}

// A scratch file becomes an object: moved when the bucket is a local folder on the same
// filesystem, uploaded (and left for the caller) otherwise; either way size and SHA-256 are right.
TEST_F(CatalogTest, MoveFileIntoStoresTheBytesWithTheirHashEitherWay) {
  std::string bytes;
  for (int i = 0; i < 300000; ++i) bytes += "row " + std::to_string(i) + "\n";  // several read chunks
  Sha256 expected;
  expected.Update(bytes);
  const std::string want = expected.HexDigest();
  ObjectStore& bucket = buckets_->primary();

  // Writes `bytes` to `file`, moves it to `key`, and checks what the bucket then holds.
  auto move_and_check = [&](const std::string& file, const std::string& key) {
    std::ofstream(file, std::ios::binary) << bytes;
    auto stored = MoveFileInto(file, bucket, key);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_EQ(stored->size, bytes.size());
    EXPECT_EQ(stored->sha256, want);
    EXPECT_EQ(*bucket.Get(key), bytes);
  };

  const std::string scratch_file = dir_->File("part.parquet");
  move_and_check(scratch_file, "datasets/m/v1/part-0.parquet");
  EXPECT_FALSE(std::filesystem::exists(scratch_file)) << "moved, not copied";

  const std::string on_tmpfs = "/dev/shm/lakehouse-move-test-" + std::to_string(::getpid());
  move_and_check(on_tmpfs, "datasets/m/v2/part-0.parquet");
  EXPECT_TRUE(std::filesystem::exists(on_tmpfs)) << "another filesystem: copied, the caller removes it";
  std::filesystem::remove(on_tmpfs);

  auto missing = MoveFileInto(dir_->File("no-such-file"), bucket, "datasets/m/v3/part-0.parquet");
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError);
  EXPECT_FALSE(bucket.Head("datasets/m/v3/part-0.parquet").ok());

  // A file followed while it was written: hashed in two parts before the move, the rest after.
  const std::string growing_file = dir_->File("growing.parquet");
  GrowingFile followed(growing_file);
  ASSERT_TRUE(followed.Advance().ok());  // not there yet
  std::ofstream out(growing_file, std::ios::binary);
  out << bytes.substr(0, 1000) << std::flush;
  ASSERT_TRUE(followed.Advance().ok());
  out << bytes.substr(1000, bytes.size() / 2) << std::flush;
  ASSERT_TRUE(followed.Advance().ok());
  EXPECT_EQ(followed.hashed_bytes(), 1000 + bytes.size() / 2);
  out << bytes.substr(1000 + bytes.size() / 2);
  out.close();
  auto stored = MoveFileInto(followed, bucket, "datasets/m/v4/part-0.parquet");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->size, bytes.size());
  EXPECT_EQ(stored->sha256, want);
  EXPECT_EQ(*bucket.Get("datasets/m/v4/part-0.parquet"), bytes);
  EXPECT_FALSE(std::filesystem::exists(growing_file));
}

}  // namespace
}  // namespace lakehouse::catalog
