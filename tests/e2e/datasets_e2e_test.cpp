// End to end: datasets through the real binary -- HTTP ingest and catalog routes, and the
// `lakehouse ingest|datasets|gc` commands working on the same buckets.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

const std::string kCandidates =
    "id,name,zip,phone,email,score\n"
    "1,Ada,02134,+1 555-0100,ada@example.com,91\n"
    "2,Grace,10001,(555) 010-0000,grace@example.org,N/A\n";

TEST(DatasetRoutes, MissingOwnerIs400ListingWhatIsMissing) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  HttpReply reply = HttpCall(server.port(), "POST", "/datasets/candidates/ingest?format=csv", kCandidates);
  EXPECT_EQ(reply.status, 400) << reply.body;
  json error = json::parse(reply.body)["error"];
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_EQ(error["detail"]["missing"], json::array({"owner", "source_system"}));
  EXPECT_NE(error["message"].get<std::string>().find("owner, source_system"), std::string::npos);

  reply = HttpCall(server.port(), "POST", "/datasets/candidates/ingest?format=csv&owner=ops", kCandidates);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(json::parse(reply.body)["error"]["detail"]["missing"], json::array({"source_system"}));
  EXPECT_EQ(json::parse(HttpCall(server.port(), "GET", "/datasets").body)["count"], 0);
}

TEST(DatasetRoutes, IngestThenListShowPatchAndVersions) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string target =
      "/datasets/candidates/ingest?format=csv&owner=talent&source_system=bullhorn&tags=hr,crm";
  HttpReply created = HttpCall(server.port(), "POST", target, kCandidates);
  ASSERT_EQ(created.status, 201) << created.body;
  json result = json::parse(created.body);
  EXPECT_FALSE(result["unchanged"].get<bool>());
  EXPECT_EQ(result["dataset"]["version"], 1);
  EXPECT_EQ(result["dataset"]["row_count"], 2);
  EXPECT_EQ(result["dataset"]["metadata"]["sensitivity"], "confidential") << "emails and phones are PII";
  std::map<std::string, json> columns;
  for (const auto& c : result["columns"]) columns[c["name"]] = c;
  EXPECT_EQ(columns["id"]["type"], "BIGINT");
  EXPECT_EQ(columns["zip"]["type"], "VARCHAR");
  EXPECT_TRUE(columns["zip"].contains("string_reason"));
  EXPECT_EQ(columns["score"]["type"], "VARCHAR");

  HttpReply again = HttpCall(server.port(), "POST", target, kCandidates);
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(json::parse(again.body)["unchanged"].get<bool>());

  HttpReply v2 =
      HttpCall(server.port(), "POST", target, kCandidates + "3,Linus,94110,555-123-4567,l@x.io,70\n");
  ASSERT_EQ(v2.status, 201) << v2.body;

  json listed = json::parse(HttpCall(server.port(), "GET", "/datasets?tag=hr&owner=talent").body);
  ASSERT_EQ(listed["count"], 1);
  EXPECT_EQ(listed["datasets"][0]["version"], 2);
  EXPECT_EQ(json::parse(HttpCall(server.port(), "GET", "/datasets?sensitivity=public").body)["count"], 0);
  EXPECT_EQ(HttpCall(server.port(), "GET", "/datasets?sensitivity=secret").status, 400);

  HttpReply patched = HttpCall(server.port(), "PATCH", "/datasets/candidates",
                               R"({"description":"Candidates from the ATS","freshness_sla":"24h"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  json shown = json::parse(HttpCall(server.port(), "GET", "/datasets/candidates").body);
  EXPECT_EQ(shown["metadata"]["description"], "Candidates from the ATS");
  EXPECT_EQ(shown["stale"], false);
  EXPECT_EQ(HttpCall(server.port(), "PATCH", "/datasets/candidates", R"({"sensitivity":"public"})").status,
            400)
      << "PII keeps the dataset at least confidential";
  EXPECT_EQ(HttpCall(server.port(), "PATCH", "/datasets/candidates", R"({"colour":"red"})").status, 400);
  EXPECT_EQ(HttpCall(server.port(), "GET", "/datasets/nobody").status, 404);

  json versions = json::parse(HttpCall(server.port(), "GET", "/datasets/candidates/versions").body);
  ASSERT_EQ(versions["versions"].size(), 2u);
  EXPECT_EQ(versions["versions"][0]["row_count"], 2);
  EXPECT_EQ(versions["versions"][1]["row_count"], 3);

  // Health is re-checked in the background (server.health_interval_ms); wait for the next check.
  json health;
  for (int i = 0; i < 50; ++i) {
    health = json::parse(HttpCall(server.port(), "GET", "/catalog/health").body);
    if (health["datasets"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(health["datasets"], 1) << health.dump();
}

TEST(DatasetRoutes, BadInputIs400AndNothingAppears) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string q = "?format=csv&owner=o&source_system=s";
  HttpReply empty = HttpCall(server.port(), "POST", "/datasets/bad/ingest" + q, "");
  EXPECT_EQ(empty.status, 400);
  HttpReply ragged = HttpCall(server.port(), "POST", "/datasets/bad/ingest" + q, "a,b\n1,2\n3,4,5\n");
  EXPECT_EQ(ragged.status, 400);
  EXPECT_NE(json::parse(ragged.body)["error"]["message"].get<std::string>().find("Line: 3"),
            std::string::npos)
      << ragged.body;
  HttpReply binary =
      HttpCall(server.port(), "POST", "/datasets/bad/ingest" + q, std::string("a\n\x00\xff\x01", 5));
  EXPECT_EQ(binary.status, 400);
  EXPECT_EQ(HttpCall(server.port(), "POST", "/datasets/bad/ingest?owner=o&source_system=s", "a\n1\n").status,
            400)
      << "the format is required";
  EXPECT_EQ(json::parse(HttpCall(server.port(), "GET", "/datasets").body)["count"], 0);
  EXPECT_FALSE(std::filesystem::exists(server.data_dir() + "/data/datasets/bad/v1/part-0.parquet"));
}

TEST(DatasetCli, IngestWithoutAServerThenTheServerSeesIt) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string data = server.data_dir() + "/data";
  const std::string file = server.data_dir() + "/people.csv";
  std::ofstream(file) << kCandidates;

  CommandResult missing = RunLakehouse({"ingest", file, "--name", "people", "--data-dir", data});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("missing required metadata: owner, source_system"), std::string::npos)
      << missing.err;

  CommandResult ingested = RunLakehouse(
      {"ingest", file, "--name", "people", "--owner", "ops", "--source-system", "ats", "--data-dir", data});
  ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
  EXPECT_NE(ingested.out.find("people: version 1, 2 rows"), std::string::npos) << ingested.out;

  HttpReply counted =
      HttpCall(server.port(), "POST", "/query", R"({"sql":"SELECT count(*) AS n FROM people"})");
  ASSERT_EQ(counted.status, 200) << counted.body;
  EXPECT_EQ(json::parse(counted.body)["rows"][0][0], 2)
      << "SQL sees the CLI's commit without another request first";
  json shown = json::parse(HttpCall(server.port(), "GET", "/datasets/people").body);
  EXPECT_EQ(shown["version"], 1) << "the server loads commits made by the CLI";

  CommandResult listed = RunLakehouse({"datasets", "--data-dir", data});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("people"), std::string::npos);
}

TEST(DatasetCli, GcRemovesOnlyObjectsNoManifestReferences) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string data = server.data_dir() + "/data";
  ASSERT_EQ(HttpCall(server.port(), "POST", "/datasets/t/ingest?format=csv&owner=o&source_system=s", "a\n1\n")
                .status,
            201);
  std::filesystem::create_directories(data + "/datasets/t/v9");
  std::ofstream(data + "/datasets/t/v9/part-0.parquet") << "left by a crash";
  CommandResult gc = RunLakehouse({"gc", "--grace", "0", "--data-dir", data});
  ASSERT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("removed primary:datasets/t/v9/part-0.parquet"), std::string::npos) << gc.out;
  EXPECT_FALSE(std::filesystem::exists(data + "/datasets/t/v9/part-0.parquet"));
  EXPECT_TRUE(std::filesystem::exists(data + "/datasets/t/v1/part-0.parquet"));
}

}  // namespace
}  // namespace lakehouse::testing
