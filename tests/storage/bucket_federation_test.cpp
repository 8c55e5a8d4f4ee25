// BucketRegistry with an s3 bucket on a real MinIO: every failure lands in the error journal
// (scrubbed of secrets), reads fall back to the rescue bucket while MinIO is down and come back
// to it without reopening anything, writes never fall back, and a multipart write cut by a
// crash of MinIO fails cleanly.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <thread>

#include "common/config.h"
#include "storage/bucket_registry.h"
#include "storage/journaled_object_store.h"
#include "storage/scratch_dir.h"
#include "support/minio_server.h"

namespace lakehouse {
namespace {

using testing::MinioServer;
using testutil::ScratchDir;

constexpr const char* kKeysEnv = "LH_FEDERATION_TEST_KEYS";

// Options for a registry: local primary (and rescue, if asked) plus s3 bucket "landing".
StorageOptions Federation(const ScratchDir& dir, const MinioServer& minio, const std::string& remote,
                          bool with_rescue) {
  StorageOptions options;
  options.data_dir = dir.Join("primary");
  BucketOptions landing;
  landing.name = "landing";
  landing.backend = "s3";
  landing.endpoint = minio.endpoint();
  landing.bucket = remote;
  landing.secret_ref = std::string("env:") + kKeysEnv;
  landing.connect_timeout_ms = 500;
  landing.request_timeout_ms = 5000;
  landing.max_attempts = 2;
  options.buckets["landing"] = landing;
  if (with_rescue) {
    BucketOptions rescue;
    rescue.name = "rescue";
    rescue.path = dir.Join("rescue");
    options.buckets["rescue"] = rescue;
  }
  return options;
}

std::vector<Json> Errors(BucketRegistry& buckets, BucketErrorQuery query = {}) {
  auto found = buckets.errors().Query(query);
  EXPECT_TRUE(found.ok()) << found.status().ToString();
  return found.ok() ? *found : std::vector<Json>{};
}

class BucketFederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(minio_.ok()) << minio_.error();
    ASSERT_NE(minio_.Store("landing-remote"), nullptr);
    ::setenv(kKeysEnv, minio_.secret_value().c_str(), 1);
  }
  void TearDown() override { ::unsetenv(kKeysEnv); }

  MinioServer minio_;
  ScratchDir dir_;
};

TEST_F(BucketFederationTest, FailuresAreJournaledWithoutSecretsAndExpectedAnswersAreNot) {
  auto buckets = BucketRegistry::Open(Federation(dir_, minio_, "landing-remote", false));
  ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
  ObjectStore* landing = *(*buckets)->Get("landing");
  // Part of the contract, not failures: nothing is journaled.
  EXPECT_EQ(landing->Get("missing.csv").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(landing->PutIfAbsent("once", "1").ok());
  EXPECT_EQ(landing->PutIfAbsent("once", "2").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(landing->Get("../escape").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Errors(**buckets).empty());

  // A remote bucket that does not exist: every operation fails and is journaled, naming the cause.
  auto missing = BucketRegistry::Open(Federation(dir_, minio_, "no-such-remote", false));
  ASSERT_TRUE(missing.ok());
  ObjectStore* gone = *(*missing)->Get("landing");
  Status put = gone->Put("a.csv", "x");
  EXPECT_EQ(put.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(put.message().find("does not exist"), std::string::npos) << put.ToString();
  EXPECT_NE(put.message().find("landing"), std::string::npos) << put.ToString();
  EXPECT_FALSE(gone->List("").ok());
  std::vector<Json> errors = Errors(**missing);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["op"], "list");  // newest first
  EXPECT_EQ(errors[1]["op"], "put");
  EXPECT_EQ(errors[1]["bucket"], "landing");
  EXPECT_EQ(errors[1]["key"], "a.csv");
  EXPECT_EQ(errors[1]["code"], "failed_precondition");
  EXPECT_FALSE(errors[1]["time"].get<std::string>().empty());

  // Wrong secret key: a clear PermissionDenied, journaled, and the secret is nowhere.
  const std::string wrong = minio_.credentials().access_key + ":WrongSecretThatMustNotLeak42";
  ::setenv(kKeysEnv, wrong.c_str(), 1);
  auto denied = BucketRegistry::Open(Federation(dir_, minio_, "landing-remote", false));
  ASSERT_TRUE(denied.ok());
  Result<std::string> read = (*(*denied)->Get("landing"))->Get("once");
  EXPECT_EQ(read.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(read.status().message().find("secret_ref"), std::string::npos) << read.status().ToString();
  ASSERT_TRUE((*denied)->errors().Flush().ok());
  std::string everything;
  for (const Json& record : Errors(**denied)) everything += ToJsonText(record);
  auto objects = (*(*denied)->Get("primary"))->List(std::string(kBucketErrorsPrefix));
  ASSERT_TRUE(objects.ok());
  for (const ObjectInfo& info : *objects) everything += *(*(*denied)->Get("primary"))->Get(info.key);
  EXPECT_NE(everything.find("permission_denied"), std::string::npos) << everything;
  EXPECT_EQ(everything.find("WrongSecretThatMustNotLeak42"), std::string::npos) << everything;
  EXPECT_EQ(everything.find(minio_.credentials().access_key), std::string::npos) << everything;
  EXPECT_EQ(everything.find(minio_.credentials().secret_key), std::string::npos) << everything;
}

TEST_F(BucketFederationTest, TheJournalAnswersAcrossRestartsNewestFirstWithFilters) {
  std::int64_t between = 0;
  {
    auto buckets = BucketRegistry::Open(Federation(dir_, minio_, "no-such-remote", false));
    ASSERT_TRUE(buckets.ok());
    ObjectStore* gone = *(*buckets)->Get("landing");
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(gone->Put("old-" + std::to_string(i), "x").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    between = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }  // closing the registry flushes the journal
  auto buckets = BucketRegistry::Open(Federation(dir_, minio_, "no-such-remote", false));
  ASSERT_TRUE(buckets.ok());
  ObjectStore* gone = *(*buckets)->Get("landing");
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(gone->Get("new-" + std::to_string(i)).ok());

  std::vector<Json> all = Errors(**buckets);  // two from memory, three from the objects
  ASSERT_EQ(all.size(), 5u);
  std::vector<std::string> keys;
  for (const Json& record : all) keys.push_back(record["key"]);
  EXPECT_EQ(keys, (std::vector<std::string>{"new-1", "new-0", "old-2", "old-1", "old-0"}));

  BucketErrorQuery query;
  query.op = "put";
  EXPECT_EQ(Errors(**buckets, query).size(), 3u);
  query = {};
  query.since_us = between;
  EXPECT_EQ(Errors(**buckets, query).size(), 2u);
  query = {};
  query.until_us = between;
  EXPECT_EQ(Errors(**buckets, query).size(), 3u);
  query = {};
  query.limit = 4;
  ASSERT_EQ(Errors(**buckets, query).size(), 4u);
  EXPECT_EQ(Errors(**buckets, query)[3]["key"], "old-1");
  query = {};
  query.bucket = "primary";
  EXPECT_TRUE(Errors(**buckets, query).empty());
}

TEST_F(BucketFederationTest, ReadsFallBackToRescueWhileTheTargetIsDownAndWritesNever) {
  auto buckets = BucketRegistry::Open(Federation(dir_, minio_, "landing-remote", true));
  ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
  ObjectStore* landing = *(*buckets)->Get("landing");
  ObjectStore* rescue = *(*buckets)->Get("rescue");
  EXPECT_EQ((*buckets)->rescue(), rescue);
  ASSERT_TRUE(landing->Put("people.csv", "target copy\n").ok());
  ASSERT_TRUE(rescue->Put("people.csv", "rescue copy\n").ok());

  {
    RescueReadScope scope;
    EXPECT_EQ(*landing->Get("people.csv"), "target copy\n");
    EXPECT_FALSE(scope.served());
  }

  minio_.Kill();
  {
    RescueReadScope scope;
    Result<std::string> read = landing->Get("people.csv");
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, "rescue copy\n");
    EXPECT_EQ(*landing->GetRange("people.csv", 0, 6), "rescue");
    EXPECT_EQ(landing->Head("people.csv")->size, 12u);
    auto listed = landing->List("");
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_TRUE(scope.served());
    EXPECT_EQ(scope.targets(), std::vector<std::string>{"landing"});
    EXPECT_EQ(scope.rescue(), "rescue");
    // Not in the rescue bucket either: the target's outage is the answer, never "not found".
    EXPECT_EQ(landing->Get("only-on-target.csv").status().code(), StatusCode::kUnavailable);
  }
  // Writes fail with the target's error, which names the bucket and the cause.
  Status put = landing->Put("new.csv", "x");
  EXPECT_EQ(put.code(), StatusCode::kUnavailable);
  EXPECT_NE(put.message().find("landing"), std::string::npos) << put.ToString();
  EXPECT_NE(put.message().find("cannot be reached"), std::string::npos) << put.ToString();
  EXPECT_EQ(*rescue->Get("people.csv"), "rescue copy\n");
  EXPECT_EQ(rescue->Get("new.csv").status().code(), StatusCode::kNotFound);

  BucketErrorQuery rescued;
  rescued.op = "get";
  std::vector<Json> gets = Errors(**buckets, rescued);
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_FALSE(gets[0].contains("served_from"));  // only-on-target.csv
  EXPECT_EQ(gets[1]["served_from"], "rescue");
  EXPECT_EQ(gets[1]["code"], "unavailable");
  rescued.op = "put";
  EXPECT_EQ(Errors(**buckets, rescued).size(), 1u);

  // MinIO back: the same registry reads the target again.
  ASSERT_TRUE(minio_.Restart()) << minio_.error();
  RescueReadScope scope;
  EXPECT_EQ(*landing->Get("people.csv"), "target copy\n");
  EXPECT_TRUE(landing->Put("new.csv", "x").ok());
  EXPECT_FALSE(scope.served());
}

TEST_F(BucketFederationTest, AMultipartWriteCutByACrashFailsCleanlyAndIsJournaled) {
  auto buckets = BucketRegistry::Open(Federation(dir_, minio_, "landing-remote", true));
  ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
  ObjectStore* landing = *(*buckets)->Get("landing");
  auto writer = landing->NewWriter("big/part-0.parquet");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  const std::string chunk(6 << 20, 'p');  // larger than one multipart part
  ASSERT_TRUE((*writer)->Append(chunk).ok());
  ASSERT_TRUE((*writer)->Append(chunk).ok());
  minio_.Kill();
  Status failed = (*writer)->Append(chunk);
  if (failed.ok()) failed = (*writer)->Commit();
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("landing"), std::string::npos) << failed.ToString();
  writer->reset();

  std::vector<Json> errors = Errors(**buckets);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0]["key"], "big/part-0.parquet");
  EXPECT_TRUE(errors[0]["op"] == "write" || errors[0]["op"] == "commit") << errors[0].dump();

  ASSERT_TRUE(minio_.Restart()) << minio_.error();
  EXPECT_EQ(landing->Head("big/part-0.parquet").status().code(), StatusCode::kNotFound);
  auto listed = landing->List("big/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(listed->empty());
  // The bucket works again without reopening.
  EXPECT_TRUE(landing->Put("big/after.txt", "ok").ok());
}

TEST(BucketClasses, ComeFromConfigWithDefaultsByName) {
  ScratchDir dir;
  const std::string path = dir.Join("lakehouse.toml");
  std::ofstream(path) << "[storage.buckets.alice]\npath = \"" << dir.Join("alice")
                      << "\"\nclass = \"profile:alice\"\n"
                      << "[storage.buckets.acme]\npath = \"" << dir.Join("acme") << "\"\n"
                      << "[storage.buckets.rescue]\npath = \"" << dir.Join("rescue") << "\"\n";
  auto config = LoadConfig(ConfigSources{path, {}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->storage.buckets.at("alice").bucket_class, "profile:alice");
  EXPECT_EQ(config->storage.buckets.at("acme").bucket_class, "tenant");
  EXPECT_EQ(config->storage.buckets.at("rescue").bucket_class, "rescue");
  EXPECT_EQ(config->storage.buckets.at("primary").bucket_class, "primary");
  // The rendered config reads back the same.
  std::ofstream(path) << ConfigToToml(*config);
  auto again = LoadConfig(ConfigSources{path, {}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->storage.buckets.at("alice").bucket_class, "profile:alice");

  for (const char* bad : {"class = \"gold\"", "class = \"profile:\"", "class = \"profile:Al ice\"",
                          "class = \"primary\"", "class = \"rescue\"", "class = 3"}) {
    std::ofstream(path) << "[storage.buckets.acme]\npath = \"" << dir.Join("acme") << "\"\n" << bad << "\n";
    auto rejected = LoadConfig(ConfigSources{path, {}});
    EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(rejected.status().message().find("storage.buckets.acme.class"), std::string::npos)
        << rejected.status().ToString();
  }
}

}  // namespace
}  // namespace lakehouse
