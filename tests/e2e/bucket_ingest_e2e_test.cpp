// End to end: ingest of an object that is already in a bucket -- POST /datasets with a "source"
// and `lakehouse ingest --from-bucket B --key K` -- and the keys that must be refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

const std::string kPeople =
    "id,name,city\n"
    "1,Ada,London\n"
    "2,Grace,New York\n"
    "3,Linus,Helsinki\n";

// The server's primary bucket: a local bucket is a directory (ServerProcess serves <dir>/data).
std::filesystem::path BucketRoot(const ServerProcess& server) {
  return std::filesystem::path(server.data_dir()) / "data";
}

// Places a file as an object of the server's primary bucket.
void PutObject(const ServerProcess& server, const std::string& key, const std::string& bytes) {
  const auto path = BucketRoot(server) / key;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

json Request(const std::string& key, const std::string& bucket = "primary") {
  return {{"name", "people"},
          {"source", {{"bucket", bucket}, {"key", key}}},
          {"owner", "talent"},
          {"source_system", "sftp-drop"},
          {"tags", {"hr"}}};
}

TEST(IngestFromBucket, PostDatasetsIngestsAnObjectInPlaceAndRecordsItInLineage) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  PutObject(server, "incoming/2026-11/people.csv", kPeople);

  HttpReply created =
      HttpCall(server.port(), "POST", "/datasets", Request("incoming/2026-11/people.csv").dump());
  ASSERT_EQ(created.status, 201) << created.body;
  json dataset = json::parse(created.body)["dataset"];
  EXPECT_EQ(dataset["version"], 1);
  EXPECT_EQ(dataset["row_count"], 3);
  EXPECT_EQ(dataset["source_format"], "csv") << "the format comes from the key's extension";
  EXPECT_EQ(dataset["metadata"]["lineage"]["source_object"], "primary:incoming/2026-11/people.csv");
  EXPECT_EQ(dataset["metadata"]["tags"], json::array({"hr"}));

  HttpReply again =
      HttpCall(server.port(), "POST", "/datasets", Request("incoming/2026-11/people.csv").dump());
  EXPECT_EQ(again.status, 200) << "the same bytes again are a no-op";
  EXPECT_TRUE(json::parse(again.body)["unchanged"].get<bool>());

  HttpReply answer =
      HttpCall(server.port(), "POST", "/query", R"({"sql": "SELECT name FROM people WHERE id = 3"})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json::parse(answer.body)["rows"], json::array({json::array({"Linus"})}));
  EXPECT_TRUE(std::filesystem::exists(BucketRoot(server) / "incoming/2026-11/people.csv"))
      << "the source object stays where it was";
}

TEST(IngestFromBucket, KeysThatLeaveTheBucketOrReachInternalsAreRefused) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  // A CSV just outside the bucket's directory, which a "../" key would reach.
  const auto outside = BucketRoot(server).parent_path() / "outside-the-bucket.csv";
  std::ofstream(outside) << kPeople;

  for (const std::string key : {"../outside-the-bucket.csv", "incoming/../../outside-the-bucket.csv",
                                "/etc/passwd", "incoming//people.csv", "incoming\\people.csv"}) {
    HttpReply reply = HttpCall(server.port(), "POST", "/datasets", Request(key).dump());
    EXPECT_EQ(reply.status, 400) << key << ": " << reply.body;
    EXPECT_EQ(json::parse(reply.body)["error"]["code"], "invalid_argument") << key;
  }
  HttpReply internal =
      HttpCall(server.port(), "POST", "/datasets", Request("_catalog/manifests/batch_1.parquet").dump());
  EXPECT_EQ(internal.status, 403) << internal.body;
  EXPECT_NE(json::parse(internal.body)["error"]["message"].get<std::string>().find("reserved"),
            std::string::npos);

  HttpReply missing = HttpCall(server.port(), "POST", "/datasets", Request("incoming/nothing.csv").dump());
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_NE(missing.body.find("incoming/nothing.csv"), std::string::npos);
  HttpReply no_bucket = HttpCall(server.port(), "POST", "/datasets", Request("a.csv", "nowhere").dump());
  EXPECT_EQ(no_bucket.status, 404) << no_bucket.body;

  json no_owner = Request("incoming/people.csv");
  no_owner.erase("owner");
  HttpReply unowned = HttpCall(server.port(), "POST", "/datasets", no_owner.dump());
  EXPECT_EQ(unowned.status, 400);
  EXPECT_EQ(json::parse(unowned.body)["error"]["detail"]["missing"], json::array({"owner"}));
  json typo = Request("incoming/people.csv");
  typo["sauce"] = "x";
  HttpReply unknown = HttpCall(server.port(), "POST", "/datasets", typo.dump());
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("sauce"), std::string::npos);
  EXPECT_EQ(HttpCall(server.port(), "POST", "/datasets", "not json").status, 400);

  EXPECT_EQ(json::parse(HttpCall(server.port(), "GET", "/datasets").body)["count"], 0)
      << "nothing was ingested";
  std::filesystem::remove(outside);
}

TEST(IngestFromBucket, CliIngestsFromABucketAndRefusesEscapingKeys) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("lakehouse-cli-bucket-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "data/incoming");
  std::ofstream(dir / "data/incoming/people.csv") << kPeople;
  std::ofstream(dir / "outside.csv") << kPeople;
  const std::string data_dir = (dir / "data").string();
  auto ingest = [&](const std::string& key) {
    return RunLakehouse({"ingest", "--from-bucket", "primary", "--key", key, "--name", "people", "--owner",
                         "talent", "--source-system", "sftp-drop", "--data-dir", data_dir});
  };

  CommandResult escaped = ingest("../outside.csv");
  EXPECT_EQ(escaped.exit_code, 3) << escaped.out << escaped.err;
  EXPECT_NE(escaped.err.find("key"), std::string::npos) << escaped.err;

  CommandResult done = ingest("incoming/people.csv");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("people: version 1, 3 rows"), std::string::npos) << done.out;

  CommandResult both = RunLakehouse({"ingest", (dir / "outside.csv").string(), "--from-bucket", "primary",
                                     "--key", "incoming/people.csv", "--name", "people", "--owner", "o",
                                     "--source-system", "s", "--data-dir", data_dir});
  EXPECT_EQ(both.exit_code, 3) << "a FILE and a bucket object at once is ambiguous";
  CommandResult half = RunLakehouse({"ingest", "--from-bucket", "primary", "--name", "people", "--owner", "o",
                                     "--source-system", "s", "--data-dir", data_dir});
  EXPECT_EQ(half.exit_code, 3);
  EXPECT_NE(half.err.find("--key"), std::string::npos) << half.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lakehouse::testing
