// End to end: `lakehouse serve` with S3 buckets on a real MinIO, credentials from secret_refs.
// After a run that used a good and a wrong secret, neither appears in any response or log line.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http_client.h"
#include "support/minio_server.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

TEST(ServeWithS3Buckets, ReportsBucketHealthAndNeverShowsASecret) {
  MinioServer minio;
  ASSERT_TRUE(minio.ok()) << minio.error();
  ASSERT_NE(minio.Store("lake-a"), nullptr);
  const std::string dir = std::filesystem::temp_directory_path().string();
  const std::string config_path = dir + "/lakehouse-s3-e2e-" + std::to_string(::getpid()) + ".toml";
  const std::string bad_keys = dir + "/lakehouse-s3-e2e-" + std::to_string(::getpid()) + ".keys";
  const std::string wrong_secret = "ThisWrongSecretMustNotLeak0123456";
  std::ofstream(bad_keys) << minio.credentials().access_key << ":" << wrong_secret << "\n";
  std::ofstream(config_path) << "[storage.buckets.tenant-a]\nbackend = \"s3\"\nendpoint = \""
                             << minio.endpoint()
                             << "\"\nbucket = \"lake-a\"\nsecret_ref = \"env:LH_E2E_TENANT_A\"\n"
                             << "[storage.buckets.tenant-b]\nbackend = \"s3\"\nendpoint = \""
                             << minio.endpoint()
                             << "\"\nbucket = \"lake-a\"\nsecret_ref = \"file:" << bad_keys << "\"\n";

  std::string seen;
  {
    ServerProcess server({"--config", config_path}, {{"LH_E2E_TENANT_A", minio.secret_value()}});
    ASSERT_TRUE(server.ok()) << server.error();
    json buckets;
    // Bucket health comes from the background check; wait for it to cover the s3 buckets.
    for (int i = 0; i < 100; ++i) {
      HttpReply reply = HttpCall(server.port(), "GET", "/storage/buckets");
      seen += reply.body;
      buckets = json::parse(reply.body)["buckets"];
      bool checked = true;
      for (const auto& bucket : buckets) checked = checked && bucket.contains("status");
      if (checked) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::map<std::string, json> by_name;
    for (const auto& bucket : buckets) by_name[bucket["name"]] = bucket;
    ASSERT_TRUE(by_name.count("tenant-a") && by_name.count("tenant-b")) << buckets.dump();
    EXPECT_EQ(by_name["tenant-a"]["backend"], "s3");
    EXPECT_EQ(by_name["tenant-a"]["status"], "ok") << buckets.dump();
    EXPECT_EQ(by_name["tenant-b"]["status"], "down") << buckets.dump();
    EXPECT_NE(by_name["tenant-b"]["error"].get<std::string>().find("SignatureDoesNotMatch"),
              std::string::npos);
    HttpReply health = HttpCall(server.port(), "GET", "/health");
    seen += health.body;
    HttpReply config = HttpCall(server.port(), "GET", "/storage/health");
    seen += config.body;
    EXPECT_EQ(server.Stop(SIGTERM), 0);
    seen += server.Logs();
  }
  CommandResult printed =
      RunLakehouse({"config", "--config", config_path}, {{"LH_E2E_TENANT_A", minio.secret_value()}});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find("secret_ref = \"env:LH_E2E_TENANT_A\""), std::string::npos) << printed.out;
  seen += printed.out + printed.err;

  EXPECT_NE(seen.find("tenant-b"), std::string::npos);
  EXPECT_EQ(seen.find(minio.credentials().secret_key), std::string::npos) << seen;
  EXPECT_EQ(seen.find(minio.credentials().access_key), std::string::npos) << seen;
  EXPECT_EQ(seen.find(wrong_secret), std::string::npos) << seen;
  std::filesystem::remove(config_path);
  std::filesystem::remove(bad_keys);
}

}  // namespace
}  // namespace lakehouse::testing
