// AppendLog over a local bucket and over a real MinIO server (tests/support/minio_server.h).
#include "storage/append_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"
#include "scratch_dir.h"
#include "storage/local_object_store.h"
#include "support/minio_server.h"

extern char** environ;

namespace lakehouse {
namespace {

using testing::MinioServer;
using testutil::ScratchDir;

std::string Record(int i) {
  return "{\"i\":" + std::to_string(i) + ",\"note\":\"record " + std::to_string(i) + "\"}";
}

int IndexOf(const std::string& json) {
  Result<Json> parsed = ParseJson(json);
  EXPECT_TRUE(parsed.ok()) << json;
  return parsed.ok() ? parsed->value("i", -1) : -1;
}

// Every durable record's "i", in Scan order.
std::vector<int> ScanIndexes(AppendLog& log, std::int64_t since = 0) {
  std::vector<int> out;
  Status scanned = log.Scan(
      [&](const AppendLogRecord& record) {
        out.push_back(IndexOf(record.json));
        return true;
      },
      since);
  EXPECT_TRUE(scanned.ok()) << scanned.ToString();
  return out;
}

std::vector<int> Iota(int from, int to) {
  std::vector<int> out;
  for (int i = from; i < to; ++i) out.push_back(i);
  return out;
}

std::vector<std::string> KeysUnder(ObjectStore& store, const std::string& prefix) {
  std::vector<std::string> keys;
  auto listed = store.List(prefix);
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  if (listed.ok()) {
    for (const ObjectInfo& info : *listed) keys.push_back(info.key);
  }
  return keys;
}

std::unique_ptr<AppendLog> OpenLog(ObjectStore& store, std::size_t flush_records,
                                   std::chrono::milliseconds interval = std::chrono::hours(1),
                                   std::size_t recent = 1024) {
  AppendLogOptions options;
  options.prefix = "journal/";
  options.flush_records = flush_records;
  options.flush_interval = interval;
  options.recent_capacity = recent;
  auto log = AppendLog::Open(store, options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

// Runs `after_list` once, right after the next List() of the wrapped bucket returns; everything
// else goes straight to the real bucket. Lets a test put a compaction exactly between a reader's
// listing and its reads.
class ListHookStore final : public ObjectStore {
 public:
  explicit ListHookStore(ObjectStore& real) : real_(real) {}
  std::function<void()> after_list;

  const std::string& name() const override { return real_.name(); }
  Status Put(std::string_view key, std::string_view data) override { return real_.Put(key, data); }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    return real_.PutIfAbsent(key, data);
  }
  Result<std::string> Get(std::string_view key) override { return real_.Get(key); }
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    return real_.GetRange(key, offset, length);
  }
  Result<ObjectInfo> Head(std::string_view key) override { return real_.Head(key); }
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    auto listed = real_.List(prefix);
    if (after_list) {
      auto hook = std::move(after_list);
      after_list = nullptr;
      hook();
    }
    return listed;
  }
  Status Delete(std::string_view key) override { return real_.Delete(key); }
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override {
    return real_.NewWriter(key);
  }
  Result<std::string> Uri(std::string_view key) const override { return real_.Uri(key); }

 private:
  ObjectStore& real_;
};

// Each test runs against a fresh local bucket and a fresh bucket on one shared MinIO server.
class AppendLogTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { server_ = new MinioServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == "local") {
      auto local = LocalObjectStore::Open("primary", scratch_.Join("bucket"));
      ASSERT_TRUE(local.ok()) << local.status().ToString();
      store_ = std::move(local).value();
      return;
    }
    ASSERT_TRUE(server_->ok()) << server_->error();
    static std::atomic<int> counter{0};
    remote_ = "append-log-" + std::to_string(counter.fetch_add(1));
    store_ = server_->Store(remote_);
    ASSERT_NE(store_, nullptr);
  }

  static MinioServer* server_;
  ScratchDir scratch_;
  std::string remote_;
  std::unique_ptr<ObjectStore> store_;
};

MinioServer* AppendLogTest::server_ = nullptr;

TEST_P(AppendLogTest, KeepsAppendOrderAcrossManyBatches) {
  auto log = OpenLog(*store_, 7);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  ASSERT_TRUE(log->Flush().ok());
  EXPECT_EQ(log->buffered(), 0u);
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 100));
  const std::vector<std::string> keys = KeysUnder(*store_, "journal/");
  EXPECT_EQ(keys.size(), 15u);  // 14 full batches of 7 and the flushed rest
  for (const std::string& key : keys) {
    EXPECT_TRUE(key.starts_with("journal/batch_") && key.ends_with(".jsonl")) << key;
  }
  // Flushing an empty buffer writes nothing.
  ASSERT_TRUE(log->Flush().ok());
  EXPECT_EQ(KeysUnder(*store_, "journal/").size(), 15u);
}

TEST_P(AppendLogTest, RecordsAppendedFromManyThreadsAllArriveInPerThreadOrder) {
  auto log = OpenLog(*store_, 50);
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) EXPECT_TRUE(log->Append(Record(t * kPerThread + i)).ok());
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(log->Flush().ok());
  const std::vector<int> seen = ScanIndexes(*log);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (int i : seen) {
    const auto thread = static_cast<size_t>(i / kPerThread);
    EXPECT_EQ(i % kPerThread, next[thread]) << "thread " << thread << " out of order";
    next[thread] = i % kPerThread + 1;
  }
}

TEST_P(AppendLogTest, TheTimerFlushesWithoutAnyCall) {
  auto log = OpenLog(*store_, 1000, std::chrono::milliseconds(50));
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (log->buffered() > 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(log->buffered(), 0u);
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 3));
  EXPECT_EQ(KeysUnder(*store_, "journal/").size(), 1u);
}

TEST_P(AppendLogTest, DestructionFlushesTheBuffer) {
  {
    auto log = OpenLog(*store_, 1000);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
    EXPECT_EQ(log->buffered(), 10u);
  }
  auto reopened = OpenLog(*store_, 1000);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(ScanIndexes(*reopened), Iota(0, 10));
  EXPECT_TRUE(reopened->Recent(10).empty());  // Recent() covers this object's appends only
}

TEST_P(AppendLogTest, AppendDurableIsInTheBucketOnReturn) {
  auto log = OpenLog(*store_, 1000);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Record(0)).ok());
  ASSERT_TRUE(log->AppendDurable({Record(1), Record(2)}).ok());
  EXPECT_EQ(log->buffered(), 0u);
  auto other = OpenLog(*store_, 1000);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(ScanIndexes(*other), Iota(0, 3));
}

TEST_P(AppendLogTest, GarbageRecordsAreRejectedAndNothingIsWritten) {
  auto log = OpenLog(*store_, 1);  // every accepted record would be flushed at once
  ASSERT_NE(log, nullptr);
  const std::vector<std::string> garbage = {
      "",
      "   ",
      "not json",
      "[1,2,3]",
      "\"a string\"",
      "42",
      "{\"a\":1}\n{\"b\":2}",
      "{\"a\":\n1}",
      "{\"a\":",
      "{\"a\":1} trailing",
      std::string("{\"a\":\"\xff\xfe\"}"),
      std::string("{\"a\":1}\0", 8),
  };
  for (const std::string& bad : garbage) {
    Status appended = log->Append(bad);
    EXPECT_EQ(appended.code(), StatusCode::kInvalidArgument) << "accepted: " << bad;
    EXPECT_FALSE(appended.message().empty());
  }
  EXPECT_EQ(log->AppendDurable({Record(0), "oops"}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(KeysUnder(*store_, "journal/").empty());
  EXPECT_TRUE(log->Recent(100).empty());
  ASSERT_TRUE(log->Append(Record(7)).ok());
  EXPECT_EQ(ScanIndexes(*log), std::vector<int>{7});
}

TEST_P(AppendLogTest, BadOptionsAreRejected) {
  AppendLogOptions options;
  options.prefix = "no-slash";
  EXPECT_EQ(AppendLog::Open(*store_, options).status().code(), StatusCode::kInvalidArgument);
  options.prefix = "../escape/";
  EXPECT_EQ(AppendLog::Open(*store_, options).status().code(), StatusCode::kInvalidArgument);
  options.prefix = "ok/";
  options.flush_records = 0;
  EXPECT_EQ(AppendLog::Open(*store_, options).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(AppendLogTest, RecentAnswersNewestFirstIncludingBufferedRecords) {
  auto log = OpenLog(*store_, 4, std::chrono::hours(1), /*recent=*/5);
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->Recent(3).empty());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  std::vector<int> recent;
  for (const std::string& json : log->Recent(10)) recent.push_back(IndexOf(json));
  EXPECT_EQ(recent, (std::vector<int>{2, 1, 0}));
  for (int i = 3; i < 13; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  recent.clear();
  for (const std::string& json : log->Recent(10)) recent.push_back(IndexOf(json));
  EXPECT_EQ(recent, (std::vector<int>{12, 11, 10, 9, 8}));  // capacity 5
  recent.clear();
  for (const std::string& json : log->Recent(2)) recent.push_back(IndexOf(json));
  EXPECT_EQ(recent, (std::vector<int>{12, 11}));
}

TEST_P(AppendLogTest, ScanSinceSkipsOlderBatches) {
  auto log = OpenLog(*store_, 1000);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  ASSERT_TRUE(log->Flush().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::int64_t between = std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int i = 5; i < 8; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  ASSERT_TRUE(log->Flush().ok());
  EXPECT_EQ(ScanIndexes(*log, between), Iota(5, 8));
  // The same holds once both batches are merged: the compacted batch remembers each one's time.
  ASSERT_EQ(*log->Compact(), 2u);
  EXPECT_EQ(ScanIndexes(*log, between), Iota(5, 8));
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 8));
}

TEST_P(AppendLogTest, ScanStopsWhenTheVisitorSaysSo) {
  auto log = OpenLog(*store_, 3);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  std::vector<int> seen;
  ASSERT_TRUE(log->Scan([&](const AppendLogRecord& record) {
                   seen.push_back(IndexOf(record.json));
                   return seen.size() < 4;
                 })
                  .ok());
  EXPECT_EQ(seen, Iota(0, 4));
}

TEST_P(AppendLogTest, CompactionMergesIntoOneObjectAndKeepsOrder) {
  auto log = OpenLog(*store_, 10);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 55; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  ASSERT_TRUE(log->Flush().ok());
  ASSERT_EQ(KeysUnder(*store_, "journal/").size(), 6u);
  auto merged = log->Compact();
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(*merged, 6u);
  std::vector<std::string> keys = KeysUnder(*store_, "journal/");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_NE(keys[0].find("_through_"), std::string::npos) << keys[0];
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 55));

  // Batches written after a compaction come after it; a second compaction folds both in.
  for (int i = 55; i < 80; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  ASSERT_TRUE(log->Flush().ok());
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 80));
  EXPECT_EQ(*log->Compact(), 4u);
  EXPECT_EQ(KeysUnder(*store_, "journal/").size(), 1u);
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 80));
  EXPECT_EQ(*log->Compact(), 0u);  // nothing left to merge
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 80));
}

TEST_P(AppendLogTest, LeftoversOfAnInterruptedCompactionAreReadOnce) {
  auto log = OpenLog(*store_, 5);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(log->Append(Record(i)).ok());
  ASSERT_TRUE(log->Flush().ok());
  const std::vector<std::string> before = KeysUnder(*store_, "journal/");
  std::vector<std::string> contents;
  for (const std::string& key : before) contents.push_back(*store_->Get(key));
  ASSERT_EQ(*log->Compact(), 4u);
  // Put the merged batches back, as if the compaction had died before deleting them.
  for (size_t i = 0; i < before.size(); ++i) ASSERT_TRUE(store_->Put(before[i], contents[i]).ok());
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 20));
  EXPECT_EQ(*log->Compact(), 0u);  // removes the leftovers
  EXPECT_EQ(KeysUnder(*store_, "journal/").size(), 1u);
  EXPECT_EQ(ScanIndexes(*log), Iota(0, 20));
}

TEST_P(AppendLogTest, AReaderThatListedBeforeACompactionStillSeesEveryRecordOnce) {
  auto writer = OpenLog(*store_, 10);
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(writer->Append(Record(i)).ok());
  ASSERT_TRUE(writer->Flush().ok());

  ListHookStore hooked(*store_);
  auto reader = OpenLog(hooked, 10);
  ASSERT_NE(reader, nullptr);
  // Let the reader read the first batch, then compact away everything it listed.
  std::vector<int> seen;
  bool compacted = false;
  Status scanned = reader->Scan([&](const AppendLogRecord& record) {
    seen.push_back(IndexOf(record.json));
    if (seen.size() == 10 && !compacted) {
      compacted = true;
      auto merged = writer->Compact();
      EXPECT_TRUE(merged.ok()) << merged.status().ToString();
      EXPECT_EQ(*merged, 5u);
    }
    return true;
  });
  ASSERT_TRUE(scanned.ok()) << scanned.ToString();
  EXPECT_TRUE(compacted);
  EXPECT_EQ(seen, Iota(0, 50));

  // And a compaction between a reader's List and its first Get.
  for (int i = 50; i < 70; ++i) ASSERT_TRUE(writer->Append(Record(i)).ok());
  ASSERT_TRUE(writer->Flush().ok());
  hooked.after_list = [&] { EXPECT_TRUE(writer->Compact().ok()); };
  EXPECT_EQ(ScanIndexes(*reader), Iota(0, 70));
}

TEST_P(AppendLogTest, ConcurrentReadersSeeAnUnbrokenPrefixWhileWritingAndCompacting) {
  auto writer = OpenLog(*store_, 7);
  ASSERT_NE(writer, nullptr);
  std::atomic<bool> done{false};
  std::atomic<int> scans{0};
  std::thread reader_thread([&] {
    auto reader = OpenLog(*store_, 7);
    size_t longest = 0;
    while (!done.load()) {
      const std::vector<int> seen = ScanIndexes(*reader);
      EXPECT_EQ(seen, Iota(0, static_cast<int>(seen.size())));
      EXPECT_GE(seen.size(), longest);
      longest = seen.size();
      scans.fetch_add(1);
    }
  });
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(writer->Append(Record(i)).ok());
    if (i % 40 == 39) {
      ASSERT_TRUE(writer->Compact().ok());
    }
  }
  ASSERT_TRUE(writer->Flush().ok());
  while (scans.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  done = true;
  reader_thread.join();
  EXPECT_EQ(ScanIndexes(*writer), Iota(0, 300));
}

TEST_P(AppendLogTest, ADamagedBatchIsReportedByName) {
  auto log = OpenLog(*store_, 10);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Record(0)).ok());
  ASSERT_TRUE(log->Flush().ok());
  ASSERT_TRUE(store_->Put("journal/batch_99999999999999999.jsonl", "{\"i\":1}\nnot json at all\n").ok());
  ASSERT_TRUE(store_->Put("journal/README.txt", "not a batch; ignored").ok());
  std::vector<int> seen;
  Status scanned = log->Scan([&](const AppendLogRecord& record) {
    seen.push_back(IndexOf(record.json));
    return true;
  });
  EXPECT_EQ(scanned.code(), StatusCode::kIOError);
  EXPECT_NE(scanned.message().find("batch_99999999999999999.jsonl"), std::string::npos) << scanned.ToString();
  EXPECT_NE(scanned.message().find("line 2"), std::string::npos) << scanned.ToString();
}

// Reads the child's acknowledgements ("N\n" after each Append that returned OK) until `enough`
// have arrived, kills it with SIGKILL, and returns how many were acknowledged in all.
int RunAndKill(const std::vector<std::string>& args, const std::vector<std::string>& extra_env, int enough) {
  int out[2];
  if (::pipe(out) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> argv;
  std::string binary = LAKEHOUSE_CRASH_CHILD;
  argv.push_back(binary.data());
  std::vector<std::string> owned = args;
  for (std::string& arg : owned) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_owned = extra_env;
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (std::string& e : env_owned) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (spawned != 0) {
    ::close(out[0]);
    return -1;
  }
  int acknowledged = 0;
  std::string pending;
  char chunk[4096];
  bool killed = false;
  for (;;) {
    const ssize_t got = ::read(out[0], chunk, sizeof chunk);
    if (got <= 0) break;
    pending.append(chunk, static_cast<size_t>(got));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      acknowledged = std::atoi(pending.substr(0, newline).c_str()) + 1;
      pending.erase(0, newline + 1);
    }
    if (!killed && acknowledged >= enough) {
      ::kill(pid, SIGKILL);
      killed = true;  // keep reading: acknowledgements already in the pipe still count
    }
  }
  ::close(out[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(killed) << "the child stopped on its own before " << enough << " records";
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
  return acknowledged;
}

TEST_P(AppendLogTest, ACrashLosesAtMostTheUnflushedBuffer) {
  constexpr int kFlushRecords = 100;
  int acknowledged = 0;
  if (GetParam() == "local") {
    acknowledged = RunAndKill({"local", scratch_.Join("bucket"), std::to_string(kFlushRecords)}, {}, 2550);
  } else {
    acknowledged = RunAndKill({"s3", server_->endpoint(), remote_, std::to_string(kFlushRecords)},
                              {"LAKEHOUSE_CRASH_CHILD_S3=" + server_->secret_value()}, 2550);
  }
  ASSERT_GE(acknowledged, 2550);
  auto log = OpenLog(*store_, kFlushRecords);
  ASSERT_NE(log, nullptr);
  const std::vector<int> durable = ScanIndexes(*log);
  // What survived is exactly the first records, in order, with no gap or duplicate ...
  EXPECT_EQ(durable, Iota(0, static_cast<int>(durable.size())));
  // ... and what was acknowledged but lost fits in one unflushed buffer. The child prints a
  // record's number after Append returns, so the kill can fall between the two: one record may be
  // durable without its acknowledgement having been read (lost == -1), never more.
  const int lost = acknowledged - static_cast<int>(durable.size());
  EXPECT_GE(lost, -1) << acknowledged << " acknowledged, " << durable.size() << " durable";
  EXPECT_LE(lost, kFlushRecords) << acknowledged << " acknowledged, " << durable.size() << " durable";
  RecordProperty("acknowledged", acknowledged);
  RecordProperty("lost", lost);
}

INSTANTIATE_TEST_SUITE_P(Backends, AppendLogTest, ::testing::Values("local", "minio"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace lakehouse
