// S3ObjectStore against a real MinIO server (tests/support/minio_server.h); no mock S3.
#include "storage/s3_object_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/minio_server.h"

namespace lakehouse {
namespace {

using testing::MinioServer;

std::string RandomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string out(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    const uint64_t word = random();
    for (size_t j = 0; j < 8 && i + j < size; ++j) out[i + j] = static_cast<char>(word >> (8 * j));
  }
  return out;
}

std::vector<std::string> Keys(const Result<std::vector<ObjectInfo>>& listed) {
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> keys;
  if (!listed.ok()) return keys;
  for (const ObjectInfo& info : *listed) keys.push_back(info.key);
  return keys;
}

// One MinIO for the suite; each test gets a bucket of its own.
class S3ObjectStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new MinioServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->ok()) << server_->error();
    static std::atomic<int> counter{0};
    remote_ = "test-" + std::to_string(counter.fetch_add(1));
    store_ = server_->Store(remote_);
    ASSERT_NE(store_, nullptr);
  }

  static MinioServer* server_;
  std::string remote_;
  std::unique_ptr<S3ObjectStore> store_;
};

MinioServer* S3ObjectStoreTest::server_ = nullptr;

TEST_F(S3ObjectStoreTest, RoundTripsAnObjectAndDescribesIt) {
  const std::string data = "hello, bucket\n" + std::string(1, '\0') + "binary";
  ASSERT_TRUE(store_->Put("datasets/people/v1/part-0.parquet", data).ok());
  auto got = store_->Get("datasets/people/v1/part-0.parquet");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
  auto info = store_->Head("datasets/people/v1/part-0.parquet");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, data.size());
  const auto age = std::chrono::system_clock::now() - info->last_modified;
  EXPECT_LT(std::chrono::abs(age), std::chrono::minutes(5));
  EXPECT_EQ(*store_->Uri("datasets/people/v1/part-0.parquet"),
            "s3://" + remote_ + "/datasets/people/v1/part-0.parquet");
}

TEST_F(S3ObjectStoreTest, KeysWithSpacesAndUnicodeRoundTrip) {
  const std::string key = "odd keys/a b+c=d&e%f/caf\xC3\xA9 (1).txt";
  ASSERT_TRUE(store_->Put(key, "x").ok());
  EXPECT_EQ(*store_->Get(key), "x");
  EXPECT_EQ(Keys(store_->List("odd keys/")), std::vector<std::string>{key});
  EXPECT_EQ(store_->Head(key)->size, 1u);
}

TEST_F(S3ObjectStoreTest, PutReplacesTheWholeObject) {
  ASSERT_TRUE(store_->Put("k", std::string(1000, 'a')).ok());
  ASSERT_TRUE(store_->Put("k", "short").ok());
  EXPECT_EQ(*store_->Get("k"), "short");
}

TEST_F(S3ObjectStoreTest, EmptyObjectsAreObjects) {
  ASSERT_TRUE(store_->Put("empty", "").ok());
  EXPECT_EQ(*store_->Get("empty"), "");
  EXPECT_EQ(store_->Head("empty")->size, 0u);
}

TEST_F(S3ObjectStoreTest, MissingKeysAreNotFoundNamingBucketAndKey) {
  for (const Status& status : {store_->Get("nope/x").status(), store_->Head("nope/x").status(),
                               store_->GetRange("nope/x", 0, 10).status()}) {
    EXPECT_EQ(status.code(), StatusCode::kNotFound) << status.ToString();
    EXPECT_NE(status.message().find("test-bucket"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("nope/x"), std::string::npos) << status.message();
  }
}

TEST_F(S3ObjectStoreTest, InvalidKeysAreRejectedBeforeAnyRequest) {
  for (const std::string& key :
       std::vector<std::string>{"", "../escape", "/abs", "a//b", std::string("nul\0", 4)}) {
    EXPECT_EQ(store_->Put(key, "x").code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Get(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->NewWriter(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Uri(key).status().code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_TRUE(Keys(store_->List("")).empty());
}

TEST_F(S3ObjectStoreTest, PutIfAbsentHasExactlyOneWinnerAmongEightThreads) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> won{0};
  std::atomic<int> lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const Status status = store_->PutIfAbsent("_leases/writer", "holder " + std::to_string(i));
      if (status.ok()) {
        won.fetch_add(1);
      } else if (status.code() == StatusCode::kAlreadyExists) {
        lost.fetch_add(1);
      } else {
        ADD_FAILURE() << status.ToString();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kThreads - 1);
  EXPECT_TRUE(store_->Get("_leases/writer")->starts_with("holder "));
  const Status again = store_->PutIfAbsent("_leases/writer", "late");
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();
}

TEST_F(S3ObjectStoreTest, RangeReadsFollowTheContract) {
  const std::string data = "0123456789";
  ASSERT_TRUE(store_->Put("r", data).ok());
  EXPECT_EQ(*store_->GetRange("r", 2, 3), "234");
  EXPECT_EQ(*store_->GetRange("r", 0, 10), data);
  EXPECT_EQ(*store_->GetRange("r", 7, 100), "789");  // cut at the end
  EXPECT_EQ(*store_->GetRange("r", 9, 1), "9");
  EXPECT_EQ(*store_->GetRange("r", 3, std::numeric_limits<uint64_t>::max()), "3456789");
  EXPECT_EQ(*store_->GetRange("r", 10, 5), "");  // offset == size
  EXPECT_EQ(*store_->GetRange("r", 4, 0), "");
  EXPECT_EQ(store_->GetRange("r", 11, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetRange("r", 11, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(S3ObjectStoreTest, ListIsRecursiveSortedAndFilteredByPrefix) {
  for (const char* key : {"b/2", "a/1", "a/sub/3", "ab", "c"}) ASSERT_TRUE(store_->Put(key, key).ok());
  EXPECT_EQ(Keys(store_->List("")), (std::vector<std::string>{"a/1", "a/sub/3", "ab", "b/2", "c"}));
  EXPECT_EQ(Keys(store_->List("a/")), (std::vector<std::string>{"a/1", "a/sub/3"}));
  EXPECT_EQ(Keys(store_->List("a")), (std::vector<std::string>{"a/1", "a/sub/3", "ab"}));
  EXPECT_TRUE(Keys(store_->List("zzz/")).empty());
  auto listed = store_->List("c");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].size, 1u);
  EXPECT_EQ(store_->List("../x").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(S3ObjectStoreTest, ListFollowsContinuationTokensAcrossPages) {
  S3Options options = server_->Options(remote_);
  options.list_page_size = 7;
  auto paged = S3ObjectStore::Open("paged", options, server_->credentials());
  ASSERT_TRUE(paged.ok()) << paged.status().ToString();
  std::vector<std::string> expected;
  expected.reserve(30);
  for (int i = 0; i < 30; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "many/%03d", i);
    expected.emplace_back(key);
    ASSERT_TRUE((*paged)->Put(key, "v").ok());
  }
  ASSERT_TRUE((*paged)->Put("other", "v").ok());
  EXPECT_EQ(Keys((*paged)->List("many/")), expected);
  EXPECT_EQ(Keys((*paged)->List("")).size(), 31u);
}

TEST_F(S3ObjectStoreTest, DeleteRemovesAndMissingKeysAreFine) {
  ASSERT_TRUE(store_->Put("d", "x").ok());
  EXPECT_TRUE(store_->Delete("d").ok());
  EXPECT_EQ(store_->Get("d").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("d").ok());
  EXPECT_TRUE(store_->Delete("never/was").ok());
}

TEST_F(S3ObjectStoreTest, SmallWriterPublishesOnCommitOnly) {
  auto writer = store_->NewWriter("w/small");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("abc").ok());
  ASSERT_TRUE((*writer)->Append("def").ok());
  EXPECT_EQ(store_->Get("w/small").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*writer)->bytes_written(), 6u);
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*store_->Get("w/small"), "abcdef");
  EXPECT_EQ((*writer)->Append("x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().code(), StatusCode::kFailedPrecondition);
}

TEST_F(S3ObjectStoreTest, LargeWriterUploadsInPartsAndPublishesAtOnce) {
  const std::string data = RandomBytes(20'000'000 + 123, 42);  // three 8 MiB parts, the last short
  auto writer = store_->NewWriter("big/object.bin");
  ASSERT_TRUE(writer.ok());
  for (size_t at = 0; at < data.size(); at += 1'000'000) {
    ASSERT_TRUE((*writer)->Append(std::string_view(data).substr(at, 1'000'000)).ok());
  }
  // Parts are stored, but nothing is visible before Commit.
  EXPECT_EQ(store_->Head("big/object.bin").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Keys(store_->List("big/")).empty());
  EXPECT_EQ(*store_->ListIncompleteUploads("big/object.bin"), std::vector<std::string>{"big/object.bin"});
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(store_->Head("big/object.bin")->size, data.size());
  auto got = store_->Get("big/object.bin");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == data);
  EXPECT_EQ(*store_->GetRange("big/object.bin", 9'000'000, 16), data.substr(9'000'000, 16));
  EXPECT_TRUE(store_->ListIncompleteUploads("big/object.bin")->empty());
}

TEST_F(S3ObjectStoreTest, AbortedOrAbandonedWritersLeaveNothing) {
  const std::string data = RandomBytes(9 << 20, 7);  // more than one part: a multipart upload starts
  {
    auto writer = store_->NewWriter("gone/aborted");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(data).ok());
    (*writer)->Abort();
    (*writer)->Abort();
    EXPECT_EQ((*writer)->Commit().code(), StatusCode::kFailedPrecondition);
  }
  {
    auto writer = store_->NewWriter("gone/dropped");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(data).ok());
  }  // destroyed without Commit
  EXPECT_TRUE(Keys(store_->List("gone/")).empty());
  EXPECT_TRUE(store_->ListIncompleteUploads("gone/aborted")->empty());
  EXPECT_TRUE(store_->ListIncompleteUploads("gone/dropped")->empty());
}

TEST_F(S3ObjectStoreTest, CommitReplacesAnExistingObjectWhole) {
  ASSERT_TRUE(store_->Put("rep", "old").ok());
  auto writer = store_->NewWriter("rep");
  ASSERT_TRUE((*writer)->Append("new content").ok());
  EXPECT_EQ(*store_->Get("rep"), "old");
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*store_->Get("rep"), "new content");
}

TEST_F(S3ObjectStoreTest, VirtualHostStyleAddressesTheSameBucket) {
  ASSERT_TRUE(store_->Put("vh/key", "path style").ok());
  S3Options options = server_->Options(remote_);
  options.endpoint = "http://localhost:" + std::to_string(server_->port());
  options.virtual_host_style = true;
  auto virtual_store = S3ObjectStore::Open("vhost", options, server_->credentials());
  ASSERT_TRUE(virtual_store.ok()) << virtual_store.status().ToString();
  auto got = (*virtual_store)->Get("vh/key");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "path style");
  ASSERT_TRUE((*virtual_store)->Put("vh/other", "virtual").ok());
  EXPECT_EQ(Keys(store_->List("vh/")), (std::vector<std::string>{"vh/key", "vh/other"}));
}

TEST_F(S3ObjectStoreTest, WrongSecretKeyIsPermissionDeniedAndNeverEchoed) {
  AccessKeyPair wrong = server_->credentials();
  wrong.secret_key = "WrongSecretWrongSecretWrongSecret0";
  auto store = S3ObjectStore::Open("creds", server_->Options(remote_), wrong);
  ASSERT_TRUE(store.ok());
  const Status put = (*store)->Put("k", "v");
  EXPECT_EQ(put.code(), StatusCode::kPermissionDenied) << put.ToString();
  EXPECT_NE(put.message().find("SignatureDoesNotMatch"), std::string::npos) << put.message();
  EXPECT_NE(put.message().find("secret_ref"), std::string::npos) << put.message();
  EXPECT_EQ(put.message().find(wrong.secret_key), std::string::npos);
  EXPECT_EQ(put.message().find(server_->credentials().secret_key), std::string::npos);
  EXPECT_EQ(put.message().find(wrong.access_key), std::string::npos);
}

TEST_F(S3ObjectStoreTest, UnknownAccessKeyIsPermissionDeniedWithItsOwnMessage) {
  AccessKeyPair unknown{"NoSuchAccessKey123", server_->credentials().secret_key};
  auto store = S3ObjectStore::Open("creds", server_->Options(remote_), unknown);
  ASSERT_TRUE(store.ok());
  const Status get = (*store)->Get("k").status();
  EXPECT_EQ(get.code(), StatusCode::kPermissionDenied) << get.ToString();
  EXPECT_NE(get.message().find("InvalidAccessKeyId"), std::string::npos) << get.message();
  EXPECT_EQ(get.message().find(unknown.access_key), std::string::npos) << get.message();
  EXPECT_EQ(get.message().find(unknown.secret_key), std::string::npos);
}

TEST_F(S3ObjectStoreTest, ClockSkewIsNamedAsTheCause) {
  S3Options options = server_->Options(remote_);
  options.clock_offset_seconds = -3600;  // this client's clock an hour behind the server's
  auto skewed = S3ObjectStore::Open("skewed", options, server_->credentials());
  ASSERT_TRUE(skewed.ok());
  const Status put = (*skewed)->Put("k", "v");
  EXPECT_EQ(put.code(), StatusCode::kFailedPrecondition) << put.ToString();
  EXPECT_NE(put.message().find("clock"), std::string::npos) << put.message();
  EXPECT_NE(put.message().find("RequestTimeTooSkewed"), std::string::npos) << put.message();
  EXPECT_EQ(store_->Get("k").status().code(), StatusCode::kNotFound) << "the skewed write stored nothing";
}

TEST_F(S3ObjectStoreTest, MissingRemoteBucketIsNamedAsTheCause) {
  auto store = server_->Store("no-such-bucket", /*create=*/false, "tenant-x");
  ASSERT_NE(store, nullptr);
  for (const Status& status : {store->Put("k", "v"), store->Get("k").status(), store->Head("k").status(),
                               store->List("").status()}) {
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
    EXPECT_NE(status.message().find("'no-such-bucket' does not exist"), std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("tenant-x"), std::string::npos) << status.message();
  }
}

TEST(S3ObjectStore, UnreachableEndpointIsUnavailableAfterRetries) {
  S3Options options;
  options.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  options.bucket = "any-bucket";
  options.max_attempts = 3;
  options.backoff_initial_ms = 10;
  auto store = S3ObjectStore::Open("remote", options, AccessKeyPair{"a", "b"});
  ASSERT_TRUE(store.ok());
  const Status status = (*store)->Put("k", "v");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_NE(status.message().find("3 attempt(s)"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("127.0.0.1:1"), std::string::npos) << status.message();
}

TEST(S3ObjectStore, OpenRejectsBadOptionsClearly) {
  S3Options options;
  options.bucket = "fine-bucket";
  options.endpoint = "ftp://host";
  EXPECT_EQ(S3ObjectStore::Open("b", options, {"a", "b"}).status().code(), StatusCode::kInvalidArgument);
  options.endpoint = "http://127.0.0.1:9000";
  options.bucket = "Bad_Name";
  EXPECT_EQ(S3ObjectStore::Open("b", options, {"a", "b"}).status().code(), StatusCode::kInvalidArgument);
  options.bucket = "fine-bucket";
  options.part_size_bytes = 1 << 20;
  EXPECT_EQ(S3ObjectStore::Open("b", options, {"a", "b"}).status().code(), StatusCode::kInvalidArgument);
  options.part_size_bytes = 8 << 20;
  EXPECT_EQ(S3ObjectStore::Open("b", options, {"", ""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(S3ObjectStore::Open("b", options, {"a", "b"}).ok());
}

// MinIO dies while a large object is being uploaded: the write fails cleanly, nothing is
// visible, and the same store works again once MinIO is back -- no restart of ours.
TEST(S3ObjectStoreFaults, ServerKilledMidMultipartWriteFailsCleanlyAndTheStoreRecovers) {
  MinioServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto store = server.Store("faults");
  ASSERT_NE(store, nullptr);
  const std::string part = RandomBytes(8 << 20, 3);

  auto writer = store->NewWriter("datasets/big/v1/part-0.parquet");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(part).ok());  // the first part is uploaded
  server.Kill();
  const Status failed = (*writer)->Append(part);
  EXPECT_TRUE(failed.code() == StatusCode::kUnavailable || failed.code() == StatusCode::kDeadlineExceeded)
      << failed.ToString();
  EXPECT_NE(failed.message().find("datasets/big/v1/part-0.parquet"), std::string::npos) << failed.message();
  EXPECT_EQ((*writer)->Commit().code(), StatusCode::kFailedPrecondition);
  writer->reset();
  EXPECT_EQ(store->Get("datasets/big/v1/part-0.parquet").status().code(), StatusCode::kUnavailable);

  ASSERT_TRUE(server.Restart()) << server.error();
  EXPECT_EQ(store->Head("datasets/big/v1/part-0.parquet").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Keys(store->List("")).empty());
  ASSERT_TRUE(store->Put("after/restart", "back").ok());
  EXPECT_EQ(*store->Get("after/restart"), "back");
}

}  // namespace
}  // namespace lakehouse
