// s3 buckets from lakehouse.toml: parsing, the ban on inline credentials, and BucketRegistry
// opening them against a real MinIO with credentials from a SecretsProvider -- and no secret
// leaking into an error, a log line or the rendered config.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "common/config.h"
#include "common/log.h"
#include "storage/bucket_registry.h"
#include "storage/scratch_dir.h"
#include "support/minio_server.h"

namespace lakehouse {
namespace {

using testing::MinioServer;
using testutil::ScratchDir;

Result<Config> LoadToml(const ScratchDir& dir, const std::string& toml) {
  const std::string path = dir.Join("lakehouse.toml");
  std::ofstream(path) << toml;
  return LoadConfig(ConfigSources{path, {}});
}

TEST(S3BucketConfig, ParsesEveryKeyOfAnS3Bucket) {
  ScratchDir dir;
  auto config = LoadToml(dir, R"(
[storage.buckets.tenant-a]
backend = "s3"
endpoint = "https://s3.eu-west-1.amazonaws.com"
region = "eu-west-1"
bucket = "acme-lakehouse"
url_style = "virtual"
secret_ref = "env:TENANT_A_KEYS"
connect_timeout_ms = 1500
request_timeout_ms = 20000
max_attempts = 6
)");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const BucketOptions& bucket = config->storage.buckets.at("tenant-a");
  EXPECT_EQ(bucket.backend, "s3");
  EXPECT_EQ(bucket.endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(bucket.region, "eu-west-1");
  EXPECT_EQ(bucket.bucket, "acme-lakehouse");
  EXPECT_EQ(bucket.url_style, "virtual");
  EXPECT_EQ(bucket.secret_ref, "env:TENANT_A_KEYS");
  EXPECT_EQ(bucket.connect_timeout_ms, 1500);
  EXPECT_EQ(bucket.request_timeout_ms, 20000);
  EXPECT_EQ(bucket.max_attempts, 6);
  // The rendered config is itself a valid config describing the same bucket.
  auto again = LoadToml(dir, ConfigToToml(*config));
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << ConfigToToml(*config);
  EXPECT_EQ(again->storage.buckets.at("tenant-a").secret_ref, "env:TENANT_A_KEYS");
  EXPECT_EQ(again->storage.buckets.at("tenant-a").url_style, "virtual");
}

TEST(S3BucketConfig, RejectsInlineCredentialsAnywhereInABucketWithoutEchoingThem) {
  ScratchDir dir;
  const std::string secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
  for (const std::string& entry :
       {"secret_key = \"" + secret + "\"", "access_key = \"" + secret + "\"",
        "aws_secret_access_key = \"" + secret + "\"", "password = \"" + secret + "\"",
        "session_token = \"" + secret + "\"", "[storage.buckets.t.credentials]\nkey = \"" + secret + "\""}) {
    auto config = LoadToml(dir,
                           "[storage.buckets.t]\nbackend = \"s3\"\nendpoint = \"http://127.0.0.1:9000\"\n"
                           "secret_ref = \"env:X\"\n" +
                               entry + "\n");
    ASSERT_EQ(config.status().code(), StatusCode::kInvalidArgument) << entry;
    const std::string& message = config.status().message();
    EXPECT_NE(message.find("storage.buckets.t.secret_ref"), std::string::npos) << message;
    EXPECT_NE(message.find("credential"), std::string::npos) << message;
    EXPECT_NE(message.find("lakehouse.toml:"), std::string::npos) << "names file and line: " << message;
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
  }
}

TEST(S3BucketConfig, IncompleteOrMixedBucketsAreRejectedClearly) {
  ScratchDir dir;
  auto no_ref =
      LoadToml(dir, "[storage.buckets.t]\nbackend = \"s3\"\nendpoint = \"http://127.0.0.1:9000\"\n");
  EXPECT_NE(no_ref.status().message().find("needs an endpoint and a secret_ref"), std::string::npos)
      << no_ref.status().ToString();
  auto with_path = LoadToml(dir,
                            "[storage.buckets.t]\nbackend = \"s3\"\nendpoint = \"http://h:1\"\n"
                            "secret_ref = \"env:X\"\npath = \"/tmp/x\"\n");
  EXPECT_NE(with_path.status().message().find("cannot have a path"), std::string::npos)
      << with_path.status().ToString();
  auto local_endpoint = LoadToml(dir, "[storage.buckets.t]\npath = \"/tmp/x\"\nendpoint = \"http://h:1\"\n");
  EXPECT_NE(local_endpoint.status().message().find("only apply with backend = \"s3\""), std::string::npos)
      << local_endpoint.status().ToString();
  auto style = LoadToml(dir,
                        "[storage.buckets.t]\nbackend = \"s3\"\nendpoint = \"http://h:1\"\n"
                        "secret_ref = \"env:X\"\nurl_style = \"dns\"\n");
  EXPECT_NE(style.status().message().find("url_style must be \"path\" or \"virtual\""), std::string::npos)
      << style.status().ToString();
  auto attempts = LoadToml(dir,
                           "[storage.buckets.t]\nbackend = \"s3\"\nendpoint = \"http://h:1\"\n"
                           "secret_ref = \"env:X\"\nmax_attempts = 0\n");
  EXPECT_EQ(attempts.status().code(), StatusCode::kInvalidArgument);
}

// Captures everything this process writes to stderr (where logs go) while alive.
class StderrCapture {
 public:
  explicit StderrCapture(std::string path) : path_(std::move(path)) {
    saved_ = ::dup(STDERR_FILENO);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrCapture() { Stop(); }
  std::string Stop() {
    if (saved_ >= 0) {
      log::Shutdown();  // drains queued log lines
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
      saved_ = -1;
    }
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string path_;
  int saved_ = -1;
};

// One run that uses secrets every way a bucket can: a healthy bucket, one with a wrong secret,
// one whose endpoint is down (retries are logged). Then every error, log line and the rendered
// config are searched for the secrets.
TEST(S3BucketRegistry, OpensS3BucketsFromConfigAndNoSecretLeaks) {
  MinioServer minio;
  ASSERT_TRUE(minio.ok()) << minio.error();
  ASSERT_NE(minio.Store("lake-a"), nullptr);  // creates the remote bucket
  ScratchDir dir;
  const std::string wrong_secret = "Wr0ngSecretThatMustNeverBeLogged42";
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs
  ::setenv("LH_TEST_GOOD_KEYS", minio.secret_value().c_str(), 1);
  std::ofstream(dir.Join("bad-keys")) << minio.credentials().access_key << ":" << wrong_secret << "\n";

  const std::string toml =
      "[storage]\ndata_dir = \"" + dir.Join("data") + "\"\n" +
      "[storage.buckets.tenant-a]\nbackend = \"s3\"\nendpoint = \"" + minio.endpoint() +
      "\"\nbucket = \"lake-a\"\nsecret_ref = \"env:LH_TEST_GOOD_KEYS\"\n" +
      "[storage.buckets.tenant-b]\nbackend = \"s3\"\nendpoint = \"" + minio.endpoint() +
      "\"\nbucket = \"lake-a\"\nsecret_ref = \"file:" + dir.Join("bad-keys") + "\"\n" +
      "[storage.buckets.tenant-c]\nbackend = \"s3\"\nendpoint = \"http://127.0.0.1:1\"\n" +
      "bucket = \"lake-c\"\nsecret_ref = \"env:LH_TEST_GOOD_KEYS\"\nmax_attempts = 2\n";
  std::string seen;  // every error message and rendered text of the run
  StderrCapture capture(dir.Join("stderr.log"));
  {
    auto config = LoadToml(dir, toml);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    seen += ConfigToToml(*config);
    auto registry = BucketRegistry::Open(config->storage);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    EXPECT_EQ((*registry)->names(),
              (std::vector<std::string>{"primary", "tenant-a", "tenant-b", "tenant-c"}));

    EXPECT_TRUE((*registry)->CheckHealth("tenant-a").ok());
    ObjectStore* a = *(*registry)->Get("tenant-a");
    ASSERT_TRUE(a->Put("datasets/x/v1/part-0.parquet", "bytes").ok());
    EXPECT_EQ(*a->Get("datasets/x/v1/part-0.parquet"), "bytes");
    EXPECT_EQ(*a->Uri("datasets/x/v1/part-0.parquet"), "s3://lake-a/datasets/x/v1/part-0.parquet");

    const Status b = (*registry)->CheckHealth("tenant-b");
    EXPECT_EQ(b.code(), StatusCode::kUnavailable);
    EXPECT_NE(b.message().find("SignatureDoesNotMatch"), std::string::npos) << b.message();
    seen += b.message() + "\n";
    const Status c = (*registry)->CheckHealth("tenant-c");
    EXPECT_EQ(c.code(), StatusCode::kUnavailable);
    EXPECT_NE(c.message().find("cannot be reached"), std::string::npos) << c.message();
    seen += c.message() + "\n";
  }
  seen += capture.Stop();
  EXPECT_NE(seen.find("http request failed, retrying"), std::string::npos)
      << "the logs were captured: " << seen;
  EXPECT_EQ(seen.find(minio.credentials().secret_key), std::string::npos) << seen;
  EXPECT_EQ(seen.find(wrong_secret), std::string::npos) << seen;
  EXPECT_EQ(seen.find(minio.credentials().access_key), std::string::npos) << seen;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs
  ::unsetenv("LH_TEST_GOOD_KEYS");
}

TEST(S3BucketRegistry, AnUnresolvableSecretRefStopsOpeningNamingTheBucket) {
  ScratchDir dir;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs
  ::unsetenv("LH_TEST_MISSING_KEYS");
  StorageOptions options;
  options.data_dir = dir.Join("data");
  BucketOptions bucket;
  bucket.name = "tenant";
  bucket.backend = "s3";
  bucket.endpoint = "http://127.0.0.1:9000";
  bucket.secret_ref = "env:LH_TEST_MISSING_KEYS";
  options.buckets["tenant"] = bucket;
  auto registry = BucketRegistry::Open(options);
  ASSERT_EQ(registry.status().code(), StatusCode::kNotFound);
  EXPECT_NE(registry.status().message().find("bucket 'tenant'"), std::string::npos)
      << registry.status().message();
  EXPECT_NE(registry.status().message().find("LH_TEST_MISSING_KEYS"), std::string::npos);
}

}  // namespace
}  // namespace lakehouse
