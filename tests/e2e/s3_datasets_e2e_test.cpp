// End to end on a real MinIO: a dataset placed in an S3 bucket at ingest is queried through
// POST /query (DuckDB reads the objects with that bucket's credentials), while the sandbox stays
// closed to every other object, bucket and file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/http_client.h"
#include "support/minio_server.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

const std::string kPlacements =
    "placement_id,candidate,client,rate\n"
    "1,Ada,Acme,95.5\n"
    "2,Grace,Globex,120\n"
    "3,Linus,Acme,80.25\n";

HttpReply Query(const ServerProcess& server, const std::string& sql) {
  return HttpCall(server.port(), "POST", "/query", json{{"sql", sql}}.dump());
}

TEST(S3Datasets, IngestIntoAMinioBucketThenQueryItAndNothingElse) {
  MinioServer minio;
  ASSERT_TRUE(minio.ok()) << minio.error();
  auto lake = minio.Store("lake-a", true, "tenant-a");
  auto other = minio.Store("other-bucket", true, "other");
  ASSERT_NE(lake, nullptr);
  ASSERT_NE(other, nullptr);
  // The export lands in the tenant's bucket first (e.g. dropped there by the CRM).
  ASSERT_TRUE(lake->Put("incoming/placements.csv", kPlacements).ok());

  const std::string config_path = std::filesystem::temp_directory_path().string() +
                                  "/lakehouse-s3-datasets-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(config_path) << "[storage.buckets.tenant-a]\nbackend = \"s3\"\nendpoint = \""
                             << minio.endpoint()
                             << "\"\nbucket = \"lake-a\"\nsecret_ref = \"env:LH_E2E_TENANT_A\"\n";
  ServerProcess server({"--config", config_path}, {{"LH_E2E_TENANT_A", minio.secret_value()}});
  ASSERT_TRUE(server.ok()) << server.error();

  json request = {{"name", "placements"},
                  {"source", {{"bucket", "tenant-a"}, {"key", "incoming/placements.csv"}}},
                  {"bucket", "tenant-a"},
                  {"owner", "finance"},
                  {"source_system", "crm"}};
  HttpReply created = HttpCall(server.port(), "POST", "/datasets", request.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  json dataset = json::parse(created.body)["dataset"];
  EXPECT_EQ(dataset["bucket"], "tenant-a");
  const std::string key = dataset["files"][0]["key"];
  ASSERT_TRUE(lake->Head(key).ok()) << "the data object is in MinIO: " << key;

  // A local dataset next to it: both kinds of bucket are served together.
  HttpReply local =
      HttpCall(server.port(), "POST", "/datasets/clients/ingest?format=csv&owner=sales&source_system=crm",
               "client,city\nAcme,Springfield\nGlobex,Cypress Creek\n");
  ASSERT_EQ(local.status, 201) << local.body;

  HttpReply joined =
      Query(server,
            "SELECT c.city, count(*) AS n, sum(p.rate) AS total FROM placements p JOIN clients c "
            "USING (client) GROUP BY 1 ORDER BY 1");
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_EQ(json::parse(joined.body)["rows"],
            json::parse(R"([["Cypress Creek", 1, 120.0], ["Springfield", 2, 175.75]])"));

  // A second version lands in the bucket too, and the query sees it.
  ASSERT_TRUE(lake->Put("incoming/placements.csv", kPlacements + "4,Barbara,Globex,99\n").ok());
  HttpReply v2 = HttpCall(server.port(), "POST", "/datasets", request.dump());
  ASSERT_EQ(v2.status, 201) << v2.body;
  HttpReply counted = Query(server, "SELECT count(*) FROM placements");
  ASSERT_EQ(counted.status, 200) << counted.body;
  EXPECT_EQ(json::parse(counted.body)["rows"][0][0], 4);

  // The sandbox reads the datasets' own objects and nothing else: not another bucket, not another
  // object of the same bucket, not a local file.
  ASSERT_TRUE(other->Put("secret.csv", "a,b\n1,2\n").ok());
  for (const std::string sql :
       {"SELECT * FROM read_csv('s3://other-bucket/secret.csv')",
        "SELECT * FROM read_text('s3://other-bucket/secret.csv')",
        "SELECT * FROM read_csv('s3://lake-a/incoming/placements.csv')",
        "SELECT * FROM glob('s3://lake-a/*')", "SELECT * FROM read_text('/etc/passwd')"}) {
    HttpReply refused = Query(server, sql);
    EXPECT_EQ(refused.status, 403) << sql << ": " << refused.body;
    EXPECT_EQ(refused.body.find("a,b"), std::string::npos) << sql;
  }
  HttpReply copy = Query(server, "COPY (SELECT 1) TO 's3://lake-a/evil.csv'");
  EXPECT_EQ(copy.status, 403) << copy.body;
  EXPECT_FALSE(lake->Head("evil.csv").ok());

  const std::string logs = server.Logs();
  EXPECT_EQ(logs.find(minio.credentials().secret_key), std::string::npos) << "no secret in the logs";
  std::filesystem::remove(config_path);
}

}  // namespace
}  // namespace lakehouse::testing
