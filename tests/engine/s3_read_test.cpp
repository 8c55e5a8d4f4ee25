// DuckDB reads a Parquet object that S3ObjectStore wrote into a real MinIO, through httpfs with
// that bucket's credentials.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/s3_bucket_secret.h"
#include "engine/temp_dir.h"
#include "engine/test_support.h"
#include "support/minio_server.h"

namespace lakehouse::engine {
namespace {

using lakehouse::testing::MinioServer;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class S3ReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(minio_.ok()) << minio_.error();
    store_ = minio_.Store("lake", true, "tenant-a");
    ASSERT_NE(store_, nullptr);
    db_ = testing::OpenMemoryDatabase();
    ASSERT_NE(db_, nullptr);
    auto connection = Connection::Open(*db_);
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_.emplace(std::move(connection).value());
  }

  // Writes a 1000-row Parquet file with DuckDB and stores it in the bucket through a writer.
  std::string StoreParquet(const std::string& key) {
    const std::string local = temp_.path() + "/people.parquet";
    EXPECT_TRUE(connection_
                    ->Execute("COPY (SELECT i AS id, 'name-' || i AS name FROM range(1000) t(i)) TO '" +
                              local + "' (FORMAT parquet)")
                    .ok());
    auto writer = store_->NewWriter(key);
    EXPECT_TRUE(writer.ok());
    EXPECT_TRUE((*writer)->Append(ReadAll(local)).ok());
    EXPECT_TRUE((*writer)->Commit().ok());
    return *store_->Uri(key);
  }

  MinioServer minio_;
  testing::TempDir temp_;
  std::unique_ptr<S3ObjectStore> store_;
  std::unique_ptr<Database> db_;
  std::optional<Connection> connection_;
};

TEST_F(S3ReadTest, QueriesAParquetObjectInMinioWithTheBucketsCredentials) {
  const std::string uri = StoreParquet("datasets/people/v1/part-0.parquet");
  EXPECT_EQ(uri, "s3://lake/datasets/people/v1/part-0.parquet");
  ASSERT_TRUE(RegisterS3Bucket(*connection_, *store_).ok());
  auto rows = testing::QueryRows(
      *connection_, "SELECT count(*)::BIGINT, sum(id)::BIGINT, max(name) FROM read_parquet('" + uri + "')");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].ToString(), "1000");
  EXPECT_EQ(rows[0][1].ToString(), "499500");
  EXPECT_EQ(rows[0][2].ToString(), "name-999");
}

TEST_F(S3ReadTest, WithoutTheBucketsSecretTheReadIsRefused) {
  const std::string uri = StoreParquet("datasets/people/v1/part-0.parquet");
  // A bucket registered with wrong credentials: the query fails and its error carries no secret.
  S3Options options = minio_.Options("lake");
  const std::string wrong_secret = "NotTheRightSecretKeyForThisServer9";
  auto wrong =
      S3ObjectStore::Open("tenant-a", options, AccessKeyPair{minio_.credentials().access_key, wrong_secret});
  ASSERT_TRUE(wrong.ok());
  ASSERT_TRUE(RegisterS3Bucket(*connection_, **wrong).ok());
  auto result = connection_->Query("SELECT count(*) FROM read_parquet('" + uri + "')");
  Status status = result.ok() ? result->Next().status() : result.status();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().find(wrong_secret), std::string::npos) << status.message();
  // Registering the right credentials replaces the wrong ones.
  ASSERT_TRUE(RegisterS3Bucket(*connection_, *store_).ok());
  auto rows = testing::QueryRows(*connection_, "SELECT count(*)::BIGINT FROM read_parquet('" + uri + "')");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].ToString(), "1000");
}

}  // namespace
}  // namespace lakehouse::engine
