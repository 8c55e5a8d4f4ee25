// End to end: `lakehouse serve` with an s3 bucket on a real MinIO and a local rescue bucket.
// MinIO stopped: reads are answered from rescue and the response says so; writes fail naming the
// bucket; the failures show in GET /storage/errors. MinIO back: the same process reads the target.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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

}  // namespace
}  // namespace lakehouse::testing
