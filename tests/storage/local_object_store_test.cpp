#include "storage/local_object_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "storage/scratch_dir.h"

namespace lakehouse {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using testutil::ScratchDir;

std::unique_ptr<LocalObjectStore> OpenStore(const std::string& root, std::string name = "test-bucket") {
  auto store = LocalObjectStore::Open(std::move(name), root);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

std::vector<std::string> Keys(const Result<std::vector<ObjectInfo>>& listed) {
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> keys;
  if (!listed.ok()) return keys;
  for (const ObjectInfo& info : *listed) keys.push_back(info.key);
  return keys;
}

// Every path below `dir`, relative to it, so that tests can assert what exists on disk.
std::set<std::string> Tree(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    out.insert(fs::relative(entry.path(), dir).string());
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

void MakeOld(const std::string& path) {
  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(2);
  fs::last_write_time(path, old_time);
}

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_.Join("bucket");
    store_ = OpenStore(root_);
    ASSERT_NE(store_, nullptr);
  }

  std::string TempFolder() const { return store_->root() + "/.lakehouse-tmp"; }

  ScratchDir scratch_;
  std::string root_;
  std::unique_ptr<LocalObjectStore> store_;
};

TEST(LocalObjectStore, OpenCreatesTheRootDirectoryAndItsParents) {
  ScratchDir scratch;
  const std::string root = scratch.Join("deep/er/bucket");
  auto store = OpenStore(root, "primary");
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(fs::is_directory(root));
  EXPECT_EQ(store->name(), "primary");
  EXPECT_EQ(store->root(), fs::canonical(root).string());
}

TEST(LocalObjectStore, OpenFailsWhenTheRootIsAFile) {
  ScratchDir scratch;
  WriteFile(scratch.Join("file"), "x");
  auto store = LocalObjectStore::Open("b", scratch.Join("file"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIOError);
  EXPECT_NE(store.status().message().find("bucket 'b'"), std::string::npos) << store.status().message();
}

TEST(LocalObjectStore, OpenRefusesAnEmptyRootAndTheFilesystemRoot) {
  EXPECT_EQ(LocalObjectStore::Open("b", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LocalObjectStore::Open("b", "/").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalObjectStoreTest, RoundTripsAnObject) {
  ASSERT_TRUE(store_->Put("datasets/sales/v1/part-0.parquet", "hello").ok());
  auto data = store_->Get("datasets/sales/v1/part-0.parquet");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, "hello");
}

TEST_F(LocalObjectStoreTest, RoundTripsBinaryDataWithNulBytes) {
  const std::string binary = "\0\x01\xff\0tail"s;
  ASSERT_TRUE(store_->Put("bin", binary).ok());
  EXPECT_EQ(*store_->Get("bin"), binary);
}

TEST_F(LocalObjectStoreTest, PutReplacesAnExistingObject) {
  ASSERT_TRUE(store_->Put("k", "a much longer first version").ok());
  ASSERT_TRUE(store_->Put("k", "v2").ok());
  EXPECT_EQ(*store_->Get("k"), "v2");
  EXPECT_EQ(Tree(TempFolder()).size(), 0U);
}

TEST_F(LocalObjectStoreTest, StoresAnEmptyObject) {
  ASSERT_TRUE(store_->Put("empty", "").ok());
  EXPECT_EQ(*store_->Get("empty"), "");
  EXPECT_EQ(store_->Head("empty")->size, 0U);
  EXPECT_EQ(Keys(store_->List("")), std::vector<std::string>{"empty"});
}

TEST_F(LocalObjectStoreTest, PutIfAbsentCreatesOnceThenReportsAlreadyExists) {
  ASSERT_TRUE(store_->PutIfAbsent("leases/ingest", "owner-1").ok());
  const Status second = store_->PutIfAbsent("leases/ingest", "owner-2");
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(second.message().find("leases/ingest"), std::string::npos) << second.message();
  EXPECT_EQ(*store_->Get("leases/ingest"), "owner-1");
  EXPECT_EQ(Tree(TempFolder()).size(), 0U) << "the losing temp file must be removed";
}

TEST_F(LocalObjectStoreTest, ConcurrentPutIfAbsentHasExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> winners{0};
  std::atomic<int> already_exists{0};
  std::atomic<int> winner_id{-1};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const Status status = store_->PutIfAbsent("leases/one", "owner-" + std::to_string(i));
      if (status.ok()) {
        winners.fetch_add(1);
        winner_id.store(i);
      } else if (status.code() == StatusCode::kAlreadyExists) {
        already_exists.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(already_exists.load(), kThreads - 1);
  EXPECT_EQ(*store_->Get("leases/one"), "owner-" + std::to_string(winner_id.load()));
}

TEST_F(LocalObjectStoreTest, GetOfAMissingKeyIsNotFoundNamingTheKeyAndBucket) {
  auto data = store_->Get("no/such/key");
  ASSERT_EQ(data.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(data.status().message(), "bucket 'test-bucket' has no object 'no/such/key'");
  EXPECT_EQ(store_->GetRange("no/such/key", 0, 1).status().code(), StatusCode::kNotFound);
}

TEST_F(LocalObjectStoreTest, AFolderIsNotAnObject) {
  ASSERT_TRUE(store_->Put("folder/child", "x").ok());
  EXPECT_EQ(store_->Get("folder").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Head("folder").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("folder").ok());
  EXPECT_EQ(*store_->Get("folder/child"), "x");
}

TEST_F(LocalObjectStoreTest, AKeyCannotBeBothAnObjectAndAFolder) {
  ASSERT_TRUE(store_->Put("a", "object").ok());
  const Status nested = store_->Put("a/b", "x");
  EXPECT_EQ(nested.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(nested.message().find("object 'a' exists"), std::string::npos) << nested.message();

  ASSERT_TRUE(store_->Put("x/y", "object").ok());
  EXPECT_EQ(store_->Put("x", "v").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->PutIfAbsent("x", "v").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store_->Get("x/y"), "object");
  EXPECT_EQ(Tree(TempFolder()).size(), 0U);
}

TEST_F(LocalObjectStoreTest, GetRangeReadsTheRequestedBytes) {
  ASSERT_TRUE(store_->Put("r", "0123456789").ok());
  EXPECT_EQ(*store_->GetRange("r", 0, 3), "012");
  EXPECT_EQ(*store_->GetRange("r", 4, 2), "45");
  EXPECT_EQ(*store_->GetRange("r", 3, 0), "");
}

TEST_F(LocalObjectStoreTest, GetRangeClampsARangeRunningPastTheEnd) {
  ASSERT_TRUE(store_->Put("r", "0123456789").ok());
  EXPECT_EQ(*store_->GetRange("r", 7, 100), "789");
  EXPECT_EQ(*store_->GetRange("r", 1, std::numeric_limits<uint64_t>::max()), "123456789");
}

TEST_F(LocalObjectStoreTest, GetRangeAtTheEndIsEmptyAndBeyondItIsInvalidArgument) {
  ASSERT_TRUE(store_->Put("r", "0123456789").ok());
  EXPECT_EQ(*store_->GetRange("r", 10, 5), "");
  auto beyond = store_->GetRange("r", 11, 1);
  ASSERT_EQ(beyond.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(beyond.status().message().find("offset 11 is beyond the end of object 'r' (10 bytes)"),
            std::string::npos)
      << beyond.status().message();
  EXPECT_EQ(store_->GetRange("r", std::numeric_limits<uint64_t>::max(), 1).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(LocalObjectStoreTest, HeadReportsKeySizeAndModificationTime) {
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(2);
  ASSERT_TRUE(store_->Put("h/obj", "12345").ok());
  const auto after = std::chrono::system_clock::now() + std::chrono::seconds(2);
  auto info = store_->Head("h/obj");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->key, "h/obj");
  EXPECT_EQ(info->size, 5U);
  EXPECT_GT(info->last_modified, before);
  EXPECT_LT(info->last_modified, after);
  EXPECT_EQ(store_->Head("h/missing").status().code(), StatusCode::kNotFound);
}

TEST_F(LocalObjectStoreTest, ListReturnsEveryObjectSortedByKey) {
  for (const char* key : {"b", "a/z", "a/b/c", "a/a", "c/d/e/f", "a-b", "A"})
    ASSERT_TRUE(store_->Put(key, key).ok());
  EXPECT_EQ(Keys(store_->List("")),
            (std::vector<std::string>{"A", "a-b", "a/a", "a/b/c", "a/z", "b", "c/d/e/f"}));
  auto listed = store_->List("a/b/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].size, 5U);
}

TEST_F(LocalObjectStoreTest, ListFiltersByFolderAndPartialPrefixes) {
  for (const char* key : {"datasets/sales/v1/p0", "datasets/sales/v2/p0", "datasets/salary/v1/p0",
                          "datasets/users/v1/p0", "datasets.txt"}) {
    ASSERT_TRUE(store_->Put(key, "x").ok());
  }
  EXPECT_EQ(Keys(store_->List("datasets/sales/")),
            (std::vector<std::string>{"datasets/sales/v1/p0", "datasets/sales/v2/p0"}));
  EXPECT_EQ(
      Keys(store_->List("datasets/sal")),
      (std::vector<std::string>{"datasets/salary/v1/p0", "datasets/sales/v1/p0", "datasets/sales/v2/p0"}));
  EXPECT_EQ(Keys(store_->List("datasets")).size(), 5U);
  EXPECT_EQ(Keys(store_->List("datasets/sales/v2/p0")), std::vector<std::string>{"datasets/sales/v2/p0"});
  EXPECT_TRUE(Keys(store_->List("nothing/here/")).empty());
  EXPECT_TRUE(Keys(store_->List("datasets.txt/")).empty());
  EXPECT_EQ(store_->List("../").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalObjectStoreTest, ListNeverShowsWritesInProgressOrStrayFiles) {
  ASSERT_TRUE(store_->Put("visible", "x").ok());
  auto writer = store_->NewWriter("pending");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("partial").ok());
  WriteFile(TempFolder() + "/leftover.tmp", "from a crash");
  WriteFile(store_->root() + "/back\\slash", "not a valid key");
  ASSERT_EQ(::symlink("/etc/hostname", (store_->root() + "/link").c_str()), 0);
  EXPECT_EQ(Keys(store_->List("")), std::vector<std::string>{"visible"});
  EXPECT_EQ(store_->Get("link").status().code(), StatusCode::kNotFound);
}

TEST_F(LocalObjectStoreTest, DeleteRemovesTheObjectAndIsIdempotent) {
  ASSERT_TRUE(store_->Put("d/x", "x").ok());
  ASSERT_TRUE(store_->Delete("d/x").ok());
  EXPECT_EQ(store_->Get("d/x").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("d/x").ok());
  EXPECT_TRUE(store_->Delete("never/existed").ok());
}

TEST_F(LocalObjectStoreTest, DeleteRemovesFoldersLeftEmptyButNotTheRoot) {
  ASSERT_TRUE(store_->Put("a/b/c/d", "x").ok());
  ASSERT_TRUE(store_->Put("a/keep", "x").ok());
  ASSERT_TRUE(store_->Delete("a/b/c/d").ok());
  EXPECT_FALSE(fs::exists(store_->root() + "/a/b"));
  EXPECT_TRUE(fs::exists(store_->root() + "/a/keep"));
  ASSERT_TRUE(store_->Delete("a/keep").ok());
  EXPECT_EQ(Tree(store_->root()), std::set<std::string>{".lakehouse-tmp"});
}

TEST_F(LocalObjectStoreTest, WriterPublishesOnlyOnCommit) {
  auto writer = store_->NewWriter("big/object");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Append("hello ").ok());
  ASSERT_TRUE((*writer)->Append("world").ok());
  EXPECT_EQ(store_->Head("big/object").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*writer)->bytes_written(), 11U);
  EXPECT_EQ((*writer)->key(), "big/object");
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*store_->Get("big/object"), "hello world");
  EXPECT_EQ(Tree(TempFolder()).size(), 0U);
}

TEST_F(LocalObjectStoreTest, WriterReplacesAnExistingObjectOnlyAtCommit) {
  ASSERT_TRUE(store_->Put("obj", "old").ok());
  auto writer = store_->NewWriter("obj");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("new").ok());
  EXPECT_EQ(*store_->Get("obj"), "old");
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*store_->Get("obj"), "new");
}

TEST_F(LocalObjectStoreTest, AbortedWriterLeavesNothingVisible) {
  auto writer = store_->NewWriter("aborted");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("data").ok());
  (*writer)->Abort();
  (*writer)->Abort();
  EXPECT_EQ(store_->Head("aborted").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Tree(TempFolder()).size(), 0U);
  EXPECT_EQ((*writer)->Append("more").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().code(), StatusCode::kFailedPrecondition);
}

TEST_F(LocalObjectStoreTest, DestroyingAnUncommittedWriterAbortsIt) {
  {
    auto writer = store_->NewWriter("dropped");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(std::string(1 << 20, 'x')).ok());
  }
  EXPECT_EQ(store_->Head("dropped").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Tree(TempFolder()).size(), 0U);
}

TEST_F(LocalObjectStoreTest, CommittedWriterRejectsFurtherUse) {
  auto writer = store_->NewWriter("once");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  const Status again = (*writer)->Commit();
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("already committed"), std::string::npos) << again.message();
  EXPECT_EQ((*writer)->Append("x").code(), StatusCode::kFailedPrecondition);
  (*writer)->Abort();
  EXPECT_EQ(*store_->Get("once"), "") << "Abort after Commit must not remove the object";
}

TEST_F(LocalObjectStoreTest, StreamsA20MegabyteObjectIn1MegabyteAppends) {
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  constexpr int kChunks = 20;
  auto writer = store_->NewWriter("ingest/large.csv");
  ASSERT_TRUE(writer.ok());
  std::string chunk(kChunk, '\0');
  for (int i = 0; i < kChunks; ++i) {
    for (std::size_t j = 0; j < kChunk; ++j)
      chunk[j] = static_cast<char>('a' + (static_cast<std::size_t>(i) + j) % 26);
    ASSERT_TRUE((*writer)->Append(chunk).ok());
  }
  ASSERT_TRUE((*writer)->Commit().ok());

  auto info = store_->Head("ingest/large.csv");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, kChunk * kChunks);
  for (int i : {0, 7, 19}) {
    auto range = store_->GetRange("ingest/large.csv", kChunk * static_cast<std::size_t>(i), 26);
    ASSERT_TRUE(range.ok());
    std::string expected;
    for (std::size_t j = 0; j < 26; ++j)
      expected += static_cast<char>('a' + (static_cast<std::size_t>(i) + j) % 26);
    EXPECT_EQ(*range, expected) << "chunk " << i;
  }
}

TEST_F(LocalObjectStoreTest, SmallAppendsAreStoredInOrder) {
  auto writer = store_->NewWriter("many-small");
  ASSERT_TRUE(writer.ok());
  std::string expected;
  for (int i = 0; i < 100000; ++i) {
    const std::string piece = std::to_string(i) + ",";
    expected += piece;
    ASSERT_TRUE((*writer)->Append(piece).ok());
  }
  ASSERT_TRUE((*writer)->Append(std::string(300000, 'z')).ok());
  expected += std::string(300000, 'z');
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*store_->Get("many-small"), expected);
}

TEST_F(LocalObjectStoreTest, RejectsKeysThatEscapeTheBucket) {
  // Escapes would land in scratch/outside, never in real system files.
  fs::create_directories(scratch_.Join("outside"));
  WriteFile(scratch_.Join("outside/secret"), "untouched");
  const std::vector<std::string> bad_keys = {
      "..",
      "../outside/secret",
      "a/../../outside/secret",
      scratch_.Join("outside/secret"),  // absolute path
      "/etc/passwd",
      "a\\b",
      "..\\outside\\secret",
      "a\0b"s,
      "./a",
      "a//b",
      "bad\xff",
      std::string(1025, 'k'),
      ".lakehouse-tmp/x",
      "",
  };
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE("key: " + key);
    EXPECT_EQ(store_->Put(key, "evil").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->PutIfAbsent(key, "evil").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Get(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetRange(key, 0, 1).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Head(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Delete(key).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->NewWriter(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Uri(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->List(key + "/").status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ReadFile(scratch_.Join("outside/secret")), "untouched");
  EXPECT_EQ(Tree(scratch_.path()),
            (std::set<std::string>{"bucket", "bucket/.lakehouse-tmp", "outside", "outside/secret"}));
}

TEST_F(LocalObjectStoreTest, AdoptFileMovesAFileInWithoutCopyingIt) {
  const std::string source = scratch_.Join("made-elsewhere.parquet");
  WriteFile(source, "PAR1 moved bytes\0PAR1"s);
  struct stat before {};
  ASSERT_EQ(::stat(source.c_str(), &before), 0);
  ASSERT_TRUE(store_->Put("datasets/a/v1/part-0.parquet", "an older object").ok());

  auto adopted = store_->AdoptFile("datasets/a/v1/part-0.parquet", source);
  ASSERT_TRUE(adopted.ok()) << adopted.status().ToString();
  EXPECT_TRUE(*adopted);
  EXPECT_FALSE(fs::exists(source)) << "the file is moved, not copied";
  EXPECT_EQ(*store_->Get("datasets/a/v1/part-0.parquet"), "PAR1 moved bytes\0PAR1"s);
  struct stat after {};
  ASSERT_EQ(::stat((root_ + "/datasets/a/v1/part-0.parquet").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the object is the same file, not a copy";
  EXPECT_TRUE(fs::is_empty(TempFolder())) << "nothing is left in the temporary folder";
}

TEST_F(LocalObjectStoreTest, AdoptFileLeavesTheFileWhereItIsWhenItCannotTakeIt) {
  const std::string source = scratch_.Join("kept.parquet");
  WriteFile(source, "bytes");
  auto escaping = store_->AdoptFile("../outside", source);
  EXPECT_EQ(escaping.status().code(), StatusCode::kInvalidArgument);
  auto missing = store_->AdoptFile("x", scratch_.Join("no-such-file"));
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError) << missing.status().ToString();
  EXPECT_EQ(ReadFile(source), "bytes");
  EXPECT_FALSE(store_->Head("x").ok());

  // /dev/shm is another filesystem (tmpfs) than the scratch directory: no move, no error.
  const std::string elsewhere = "/dev/shm/lakehouse-adopt-test-" + std::to_string(::getpid());
  WriteFile(elsewhere, "on tmpfs");
  struct stat shm {
  }, root{};
  ASSERT_EQ(::stat(elsewhere.c_str(), &shm), 0) << "this test needs a writable /dev/shm";
  ASSERT_EQ(::stat(root_.c_str(), &root), 0);
  ASSERT_NE(shm.st_dev, root.st_dev) << "/dev/shm must be another filesystem than " << root_;
  auto across = store_->AdoptFile("y", elsewhere);
  ASSERT_TRUE(across.ok()) << across.status().ToString();
  EXPECT_FALSE(*across);
  EXPECT_EQ(ReadFile(elsewhere), "on tmpfs");
  EXPECT_FALSE(store_->Head("y").ok());
  EXPECT_TRUE(fs::is_empty(TempFolder()));
  fs::remove(elsewhere);
}

TEST_F(LocalObjectStoreTest, UriIsTheAbsolutePathOfTheObjectFile) {
  ASSERT_TRUE(store_->Put("datasets/t/part-0.csv", "a,b\n1,2\n").ok());
  auto uri = store_->Uri("datasets/t/part-0.csv");
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(*uri, store_->root() + "/datasets/t/part-0.csv");
  EXPECT_TRUE(fs::path(*uri).is_absolute());
  EXPECT_EQ(ReadFile(*uri), "a,b\n1,2\n");
}

TEST_F(LocalObjectStoreTest, OpenRemovesOrphanedTempFilesButSparesLiveWriters) {
  WriteFile(TempFolder() + "/crashed.tmp", "orphan");
  MakeOld(TempFolder() + "/crashed.tmp");
  WriteFile(TempFolder() + "/recent.tmp", "maybe just created");

  auto writer = store_->NewWriter("slow/ingest");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("still going").ok());
  for (const auto& entry : fs::directory_iterator(TempFolder())) {
    const std::string name = entry.path().filename().string();
    if (name != "crashed.tmp" && name != "recent.tmp") MakeOld(entry.path().string());  // the writer's file
  }

  auto reopened = OpenStore(root_);
  ASSERT_NE(reopened, nullptr);
  const std::set<std::string> left = Tree(TempFolder());
  EXPECT_EQ(left.count("crashed.tmp"), 0U);
  EXPECT_EQ(left.count("recent.tmp"), 1U);
  EXPECT_EQ(left.size(), 2U) << "the live writer's temp file must survive";

  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(*reopened->Get("slow/ingest"), "still going");
}

TEST_F(LocalObjectStoreTest, ReadersNeverSeeAPartialObject) {
  const std::string a(1 << 20, 'a');
  const std::string b(1 << 20, 'b');
  ASSERT_TRUE(store_->Put("flip", a).ok());
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto data = store_->Get("flip");
      if (!data.ok() || (*data != a && *data != b)) torn.fetch_add(1);
    }
  });
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(store_->Put("flip", i % 2 == 0 ? b : a).ok());
  done.store(true);
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST_F(LocalObjectStoreTest, ConcurrentPutsAndDeletesInOneFolderAllSucceed) {
  // Delete removes folders it leaves empty while Puts in other threads need them.
  constexpr int kThreads = 4;
  constexpr int kRounds = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = "shared/folder/key-" + std::to_string(t);
      for (int i = 0; i < kRounds; ++i) {
        for (const Status& status : {store_->Put(key, "x"), store_->Delete(key)}) {
          if (!status.ok()) {
            ADD_FAILURE() << status.ToString();
            failures.fetch_add(1);
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(Keys(store_->List("")).empty());
}

}  // namespace
}  // namespace lakehouse
