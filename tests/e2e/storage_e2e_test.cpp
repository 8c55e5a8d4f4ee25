// End to end: `lakehouse serve` with an s3 bucket on a real MinIO and a local rescue bucket.
// MinIO stopped: reads are answered from rescue and the response says so; writes fail naming the
// bucket; the failures show in GET /storage/errors. MinIO back: the same process reads the target.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "storage/local_object_store.h"
#include "support/http_client.h"
#include "support/minio_server.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

class StorageServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(minio_.ok()) << minio_.error();
    auto remote = minio_.Store("landing-remote");
    ASSERT_NE(remote, nullptr);
    ASSERT_TRUE(remote->Put("people.csv", "id,name\n1,target\n").ok());
    dir_ = std::filesystem::temp_directory_path() / ("lakehouse-storage-e2e-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto rescue = LocalObjectStore::Open("rescue", (dir_ / "rescue").string());
    ASSERT_TRUE(rescue.ok()) << rescue.status().ToString();
    ASSERT_TRUE((*rescue)->Put("people.csv", "id,name\n1,rescue\n").ok());
    config_ = (dir_ / "lakehouse.toml").string();
    std::ofstream(config_) << "[storage.buckets.landing]\nbackend = \"s3\"\nendpoint = \""
                           << minio_.endpoint()
                           << "\"\nbucket = \"landing-remote\"\nsecret_ref = \"env:LH_E2E_LANDING\"\n"
                           << "connect_timeout_ms = 500\nrequest_timeout_ms = 5000\nmax_attempts = 2\n"
                           << "class = \"profile:alice\"\n"
                           << "[storage.buckets.rescue]\npath = \"" << (dir_ / "rescue").string() << "\"\n";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  MinioServer minio_;
  std::filesystem::path dir_;
  std::string config_;
};

TEST_F(StorageServiceTest, ReadsComeFromRescueWhileMinioIsDownAndFromTheTargetOnceItIsBack) {
  ServerProcess server({"--config", config_}, {{"LH_E2E_LANDING", minio_.secret_value()}});
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string object = "/storage/buckets/landing/object?key=people.csv";

  HttpReply before = HttpCall(server.port(), "GET", object);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.body, "id,name\n1,target\n");
  EXPECT_EQ(before.Header("X-Lakehouse-Served-From"), "");

  minio_.Kill();
  HttpReply during = HttpCall(server.port(), "GET", object);
  ASSERT_EQ(during.status, 200) << during.body;
  EXPECT_EQ(during.body, "id,name\n1,rescue\n");
  EXPECT_EQ(during.Header("X-Lakehouse-Served-From"), "rescue");
  EXPECT_EQ(during.Header("X-Lakehouse-Rescued-Buckets"), "landing");
  HttpReply listed = HttpCall(server.port(), "GET", "/storage/buckets/landing/objects");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.Header("X-Lakehouse-Served-From"), "rescue");
  EXPECT_EQ(json::parse(listed.body)["objects"][0]["key"], "people.csv");
  // Not in rescue either: the outage is the answer (503 naming the bucket), never a 404.
  HttpReply absent = HttpCall(server.port(), "GET", "/storage/buckets/landing/object?key=other.csv");
  EXPECT_EQ(absent.status, 503) << absent.body;
  EXPECT_NE(absent.body.find("landing"), std::string::npos) << absent.body;

  HttpReply errors = HttpCall(server.port(), "GET", "/storage/errors?bucket=landing&op=head");
  ASSERT_EQ(errors.status, 200) << errors.body;
  const json found = json::parse(errors.body);
  ASSERT_GE(found["count"].get<int>(), 2) << errors.body;
  EXPECT_EQ(found["errors"][0]["key"], "other.csv");  // newest first
  EXPECT_FALSE(found["errors"][0].contains("served_from"));
  EXPECT_EQ(found["errors"][1]["key"], "people.csv");
  EXPECT_EQ(found["errors"][1]["served_from"], "rescue");
  EXPECT_EQ(found["errors"][1]["code"], "unavailable");

  ASSERT_TRUE(minio_.Restart()) << minio_.error();
  HttpReply after = HttpCall(server.port(), "GET", object);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.body, "id,name\n1,target\n");
  EXPECT_EQ(after.Header("X-Lakehouse-Served-From"), "");

  EXPECT_EQ(server.Stop(SIGTERM), 0);
  const std::string logs = server.Logs();
  EXPECT_NE(logs.find("read served from the rescue bucket"), std::string::npos) << logs;
  EXPECT_NE(logs.find("response served from the rescue bucket"), std::string::npos) << logs;
  EXPECT_EQ(logs.find(minio_.credentials().secret_key), std::string::npos);
  EXPECT_EQ(logs.find(minio_.credentials().access_key), std::string::npos);
}

TEST_F(StorageServiceTest, BucketsShowTheirClassAndTheRescueBucket) {
  ServerProcess server({"--config", config_}, {{"LH_E2E_LANDING", minio_.secret_value()}});
  ASSERT_TRUE(server.ok()) << server.error();
  HttpReply reply = HttpCall(server.port(), "GET", "/storage/buckets");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json answer = json::parse(reply.body);
  EXPECT_EQ(answer["rescue"], "rescue");
  std::map<std::string, json> by_name;
  for (const json& bucket : answer["buckets"]) by_name[bucket["name"]] = bucket;
  ASSERT_EQ(by_name.size(), 3u) << reply.body;
  EXPECT_EQ(by_name["primary"]["class"], "primary");
  EXPECT_EQ(by_name["landing"]["class"], "profile:alice");
  EXPECT_EQ(by_name["landing"]["backend"], "s3");
  EXPECT_EQ(by_name["rescue"]["class"], "rescue");
}

TEST_F(StorageServiceTest, GarbageErrorQueriesGetA400SayingWhatIsAllowed) {
  ServerProcess server({"--config", config_}, {{"LH_E2E_LANDING", minio_.secret_value()}});
  ASSERT_TRUE(server.ok()) << server.error();
  for (const std::string query :
       {"limit=abc", "limit=0", "limit=100000", "limit=-5", "limit=", "since=yesterday",
        "until=2026-13-01T00:00:00Z", "since=2026-11-23T10:00:00", "since=2026-11-23T10:00:00Zjunk",
        "since=-1", "since=2026-11-23T12:00:00Z&until=2026-11-23T11:00:00Z", "bucket=nope", "op=explode",
        "buckett=landing", "since=%00"}) {
    HttpReply reply = HttpCall(server.port(), "GET", "/storage/errors?" + query);
    EXPECT_EQ(reply.status, 400) << query << " -> " << reply.body;
    const json body = json::parse(reply.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << reply.body;
    EXPECT_EQ(body["error"]["code"], "invalid_argument") << query;
  }
  HttpReply ok = HttpCall(server.port(), "GET",
                          "/storage/errors?bucket=landing&op=get&since=2026-01-01T00:00:00.5Z&until=" +
                              std::to_string(4'000'000'000'000'000) + "&limit=5");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(json::parse(ok.body)["errors"].is_array());
  HttpReply unknown_bucket = HttpCall(server.port(), "GET", "/storage/buckets/nope/objects");
  EXPECT_EQ(unknown_bucket.status, 404) << unknown_bucket.body;
  HttpReply no_key = HttpCall(server.port(), "GET", "/storage/buckets/landing/object");
  EXPECT_EQ(no_key.status, 400) << no_key.body;
}

TEST_F(StorageServiceTest, WritesToADownBucketFailNamingItAndTheProcessKeepsServing) {
  ServerProcess server({"--config", config_}, {{"LH_E2E_LANDING", minio_.secret_value()}});
  ASSERT_TRUE(server.ok()) << server.error();
  minio_.Kill();
  HttpReply ingest = HttpCall(
      server.port(), "POST", "/datasets/people/ingest?format=csv&bucket=landing&owner=ops&source_system=test",
      "id,name\n1,Ada\n2,Grace\n", {{"Content-Type", "text/csv"}});
  EXPECT_GE(ingest.status, 400) << ingest.body;
  EXPECT_NE(ingest.body.find("landing"), std::string::npos) << ingest.body;
  // Nothing half-written is visible, and the server still answers.
  HttpReply datasets = HttpCall(server.port(), "GET", "/datasets/people");
  EXPECT_EQ(datasets.status, 404) << datasets.body;
  EXPECT_NE(HttpCall(server.port(), "GET", "/health").status, 0);
  HttpReply errors = HttpCall(server.port(), "GET", "/storage/errors?bucket=landing");
  ASSERT_EQ(errors.status, 200);
  EXPECT_GE(json::parse(errors.body)["count"].get<int>(), 1) << errors.body;
  ASSERT_TRUE(minio_.Restart()) << minio_.error();
}

// A query over a dataset in the S3 bucket: DuckDB reads the objects itself, so with MinIO down the
// query service points the table at the rescue bucket's copy and says so; MinIO back, the target.
TEST_F(StorageServiceTest, QueriesOverADatasetInADownBucketAnswerFromTheRescueCopy) {
  ServerProcess server({"--config", config_}, {{"LH_E2E_LANDING", minio_.secret_value()}});
  ASSERT_TRUE(server.ok()) << server.error();
  HttpReply ingest = HttpCall(
      server.port(), "POST", "/datasets/people/ingest?format=csv&bucket=landing&owner=ops&source_system=test",
      "id,name\n1,Ada\n2,Grace\n3,Linus\n", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(ingest.status, 201) << ingest.body;
  // The operator's replication: every object of the remote bucket is copied to rescue.
  auto remote = minio_.Store("landing-remote", false);
  auto rescue = LocalObjectStore::Open("rescue", (dir_ / "rescue").string());
  ASSERT_TRUE(rescue.ok());
  auto objects = remote->List("");
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  int copied = 0;
  for (const auto& object : *objects) {
    if (!object.key.starts_with("datasets/")) continue;
    auto data = remote->Get(object.key);
    ASSERT_TRUE(data.ok());
    ASSERT_TRUE((*rescue)->Put(object.key, *data).ok());
    ++copied;
  }
  ASSERT_GE(copied, 1) << "the dataset's objects are in MinIO";
  const std::string sql =
      json{{"sql", "SELECT string_agg(name, ',' ORDER BY id) AS names FROM people"}}.dump();

  HttpReply before = HttpCall(server.port(), "POST", "/query", sql);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_NE(before.body.find("Ada,Grace,Linus"), std::string::npos) << before.body;
  EXPECT_EQ(before.Header("X-Lakehouse-Served-From"), "");

  minio_.Kill();
  HttpReply during =
      HttpCall(server.port(), "POST", "/query", sql, {{"X-Request-Id", "query-during-outage"}});
  ASSERT_EQ(during.status, 200) << during.body;
  EXPECT_NE(during.body.find("Ada,Grace,Linus"), std::string::npos) << during.body;
  EXPECT_EQ(during.Header("X-Lakehouse-Served-From"), "rescue");
  EXPECT_EQ(during.Header("X-Lakehouse-Rescued-Buckets"), "landing");
  HttpReply again = HttpCall(server.port(), "POST", "/query", sql);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.Header("X-Lakehouse-Served-From"), "rescue");

  HttpReply errors = HttpCall(server.port(), "GET", "/storage/errors?bucket=landing&op=query_read");
  ASSERT_EQ(errors.status, 200) << errors.body;
  const json found = json::parse(errors.body);
  ASSERT_GE(found["count"].get<int>(), 1) << errors.body;
  EXPECT_EQ(found["errors"].back()["served_from"], "rescue");
  EXPECT_EQ(found["errors"].back()["code"], "unavailable");
  EXPECT_EQ(found["errors"].back()["request_id"], "query-during-outage") << errors.body;

  ASSERT_TRUE(minio_.Restart()) << minio_.error();
  HttpReply after = HttpCall(server.port(), "POST", "/query", sql);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_NE(after.body.find("Ada,Grace,Linus"), std::string::npos) << after.body;
  EXPECT_EQ(after.Header("X-Lakehouse-Served-From"), "");
}

// Every journaled failure names the HTTP request that caused it, given or generated.
TEST_F(StorageServiceTest, JournaledFailuresCarryTheRequestIdOfTheirRequest) {
  ServerProcess server({"--config", config_}, {{"LH_E2E_LANDING", minio_.secret_value()}});
  ASSERT_TRUE(server.ok()) << server.error();
  minio_.Kill();
  HttpReply given = HttpCall(server.port(), "GET", "/storage/buckets/landing/object?key=people.csv", "",
                             {{"X-Request-Id", "caller-chosen-id-1"}});
  ASSERT_EQ(given.status, 200) << given.body;  // from rescue
  HttpReply generated = HttpCall(server.port(), "GET", "/storage/buckets/landing/object?key=missing.csv");
  ASSERT_EQ(generated.status, 503) << generated.body;
  const std::string generated_id = generated.Header("X-Request-Id");
  ASSERT_FALSE(generated_id.empty());

  HttpReply errors = HttpCall(server.port(), "GET", "/storage/errors?bucket=landing");
  ASSERT_EQ(errors.status, 200) << errors.body;
  std::set<std::string> ids;
  const json found = json::parse(errors.body);
  for (const json& record : found["errors"]) {
    ASSERT_TRUE(record.contains("request_id")) << record.dump();
    ids.insert(record["request_id"].get<std::string>());
  }
  EXPECT_EQ(ids, (std::set<std::string>{"caller-chosen-id-1", generated_id})) << errors.body;
  ASSERT_TRUE(minio_.Restart()) << minio_.error();
}

// The server's clock is 20 minutes behind MinIO's (libfaketime shifts the clock the process sees,
// as a machine without NTP would): MinIO refuses the signed requests, and both the response and
// the error journal name clock skew as the cause.
TEST_F(StorageServiceTest, ClockSkewIsNamedInTheResponseAndTheJournal) {
  const std::string faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  ASSERT_TRUE(std::filesystem::exists(faketime)) << "install Debian's faketime (scripts/bootstrap)";
  const char* asan_options = std::getenv("ASAN_OPTIONS");
  ServerProcess server(
      {"--config", config_},
      {{"LH_E2E_LANDING", minio_.secret_value()},
       {"LD_PRELOAD", faketime},
       {"FAKETIME", "-20m"},
       {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
       // An ASan build wants its runtime first; the preload is deliberate here.
       {"ASAN_OPTIONS", std::string(asan_options ? asan_options : "") + ":verify_asan_link_order=0"}});
  ASSERT_TRUE(server.ok()) << server.error();
  // Not an outage: the rescue bucket must not hide it.
  HttpReply read = HttpCall(server.port(), "GET", "/storage/buckets/landing/object?key=people.csv", "",
                            {{"X-Request-Id", "skewed-read"}});
  EXPECT_EQ(read.status, 409) << read.body;
  EXPECT_NE(read.body.find("clock skew"), std::string::npos) << read.body;
  EXPECT_NE(read.body.find("RequestTimeTooSkewed"), std::string::npos) << read.body;
  EXPECT_NE(read.body.find("NTP"), std::string::npos) << read.body;
  EXPECT_EQ(read.Header("X-Lakehouse-Served-From"), "");

  // The background health check and the vector store fail the same way; every record says why.
  HttpReply errors = HttpCall(server.port(), "GET", "/storage/errors?bucket=landing");
  ASSERT_EQ(errors.status, 200) << errors.body;
  const json found = json::parse(errors.body);
  ASSERT_GE(found["count"].get<int>(), 1) << errors.body;
  int from_this_request = 0;
  for (const json& record : found["errors"]) {
    EXPECT_EQ(record["code"], "failed_precondition") << record.dump();
    EXPECT_NE(record["message"].get<std::string>().find("clock skew"), std::string::npos) << record.dump();
    if (record.value("request_id", "") != "skewed-read") continue;
    ++from_this_request;
    EXPECT_EQ(record["op"], "head");
    EXPECT_EQ(record["key"], "people.csv");
  }
  EXPECT_EQ(from_this_request, 1) << errors.body;
}

}  // namespace
}  // namespace lakehouse::testing
