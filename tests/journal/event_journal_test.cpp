// The event journal on a real local bucket with the real DuckDB: compaction into Parquet segments
// keeps every event exactly once and in order, lookups read segments and the JSONL tail alike, and
// the one rule of "committed" gives the same answer in C++ and in SQL.
#include "journal/event_journal.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "catalog/catalog.h"
#include "catalog/scratch_directory.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "engine/sql_text.h"
#include "ingest/ingester.h"
#include "journal/committed_versions.h"
#include "storage/bucket_registry.h"
#include "storage/local_object_store.h"

namespace lakehouse::journal {
namespace {

class EventJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = catalog::ScratchDirectory::Create("", "journal-test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
    auto store = LocalObjectStore::Open("primary", dir_->File("bucket"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::unique_ptr<EventJournal> OpenJournal(EventJournalOptions options) {
    options.scratch_parent = dir_->path();
    auto journal = EventJournal::Open(*store_, options);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? std::move(journal).value() : nullptr;
  }

  static EventJournalOptions Explicit(std::chrono::milliseconds grace = std::chrono::milliseconds(0)) {
    EventJournalOptions options;
    options.background = false;
    options.cleanup_grace = grace;
    return options;
  }

  // Records `calls` batches of `per_call` field changes over keys k0..k{keys-1}; call c changes
  // field f{c % 3} to "v{c}".
  static void RecordChanges(EventJournal& journal, int first_call, int calls, int per_call, int keys = 40) {
    for (int c = first_call; c < first_call + calls; ++c) {
      std::vector<Event> events;
      for (int i = 0; i < per_call; ++i) {
        Event e;
        e.dataset = (i % 5 == 0) ? "clients" : "candidates";
        e.key = "k" + std::to_string((c * per_call + i) % keys);
        e.field = "f" + std::to_string(c % 3);
        e.old_value =
            c == 0 ? std::optional<std::string>() : std::optional<std::string>("v" + std::to_string(c - 1));
        e.new_value = "v" + std::to_string(c);
        e.op = "update";
        e.actor = c % 2 == 0 ? "ann" : "bob";
        e.source = "test";
        e.workspace_id = "ws";
        e.version = c + 2;
        e.job = "job-" + std::to_string(c);
        events.push_back(std::move(e));
      }
      ASSERT_TRUE(journal.Record(std::move(events)).ok());
    }
  }

  static std::vector<Event> All(EventJournal& journal, EventFilter filter = {}) {
    filter.limit = 1000000;
    auto events = journal.Find(filter);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<Event>{};
  }

  // Object names under the journal's prefix with the given ending.
  std::vector<std::string> Objects(const std::string& ending) {
    std::vector<std::string> out;
    auto listed = store_->List(kEventPrefix);
    EXPECT_TRUE(listed.ok());
    if (!listed.ok()) return out;
    for (const auto& info : *listed) {
      if (info.key.ends_with(ending)) out.push_back(info.key);
    }
    return out;
  }

  std::unique_ptr<catalog::ScratchDirectory> dir_;
  std::unique_ptr<LocalObjectStore> store_;
};

// The append path writes records by hand; they must be the codec's bytes for the same event, so
// every reader (JSONL batches, Parquet segments, SQL) sees what EventToJson describes.
TEST(EventText, TheHandWrittenRecordIsTheCodecsRecordByteForByte) {
  Event e;
  e.event_id = "ev-1-2";
  e.dataset = "candidates";
  e.op = "update";
  e.actor = "ops \"lead\"";
  e.ts_us = 1764000000123456;
  e.source = "crm\nexport";
  e.workspace_id = "";
  e.version = -3;
  e.job = "job\\1";
  for (const auto& value :
       std::vector<std::optional<std::string>>{std::nullopt, "", "placed", "tab\there",
                                               std::string("nul\0x", 5), "bad \xff utf-8", "caf\xc3\xa9"}) {
    e.key = value;
    e.field = value ? std::optional<std::string>("status") : std::nullopt;
    e.old_value = value;
    e.new_value = value ? std::optional<std::string>(*value + "!") : std::nullopt;
    EXPECT_EQ(EventToJsonText(e, IsoTime(e.ts_us)), ToJsonText(EventToJson(e)));
  }
}

TEST_F(EventJournalTest, HostileTextInAnEventComesBackAsWritten) {
  auto journal = OpenJournal(Explicit());
  Event e;
  e.dataset = "candidates";
  e.key = "k\"1\n";
  e.field = "notes";
  e.old_value = "line one\nline two\t\\ \"quoted\"";
  e.new_value = "bad \xff byte";
  e.op = "update";
  e.actor = "ann";
  ASSERT_TRUE(journal->Record({e}).ok());
  std::vector<Event> found = All(*journal);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].key, e.key);
  EXPECT_EQ(found[0].old_value, e.old_value);
  EXPECT_EQ(found[0].new_value, "bad \xef\xbf\xbd byte") << "invalid UTF-8 is replaced, the rest kept";
  ASSERT_TRUE(journal->Compact().ok());
  ASSERT_EQ(Objects(".parquet").size(), 1u);
  EXPECT_EQ(All(*journal), found) << "the same event once it lives in a Parquet segment";
}

TEST_F(EventJournalTest, CompactionMovesEveryEventIntoOneSegmentKeepingOrder) {
  auto journal = OpenJournal(Explicit());
  RecordChanges(*journal, 0, 30, 50);
  const std::vector<Event> before = All(*journal);
  ASSERT_EQ(before.size(), 1500u);
  EventFilter one;
  one.dataset = "candidates";
  one.key = "k7";
  const std::vector<Event> history_before = All(*journal, one);
  ASSERT_FALSE(history_before.empty());

  auto compacted = journal->Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  EXPECT_EQ(compacted->batches, 30u);
  EXPECT_EQ(compacted->events, 1500u);
  EXPECT_EQ(compacted->deleted, 30u) << "with no grace, the copied batches go at once";
  EXPECT_EQ(Objects(".parquet").size(), 1u);
  EXPECT_TRUE(Objects(".jsonl").empty());

  EXPECT_EQ(All(*journal), before) << "every event, exactly once, in append order";
  EXPECT_EQ(All(*journal, one), history_before);

  // New events land after the segment; a second compaction adds a second segment.
  RecordChanges(*journal, 30, 4, 10);
  std::vector<Event> after = All(*journal);
  ASSERT_EQ(after.size(), 1540u);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin()));
  ASSERT_TRUE(journal->Compact().ok());
  EXPECT_EQ(Objects(".parquet").size(), 2u);
  EXPECT_EQ(All(*journal), after);
  auto nothing = journal->Compact();
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(nothing->batches, 0u) << "nothing left to compact";

  // Another process opening the bucket sees the same journal.
  journal.reset();
  auto reopened = OpenJournal(Explicit());
  EXPECT_EQ(All(*reopened), after);
}

TEST_F(EventJournalTest, SegmentsMergeIntoOneWithoutLosingOrDoublingAnEvent) {
  auto journal = OpenJournal(Explicit());
  std::size_t merges = 0;
  for (int round = 0; round < 9; ++round) {
    RecordChanges(*journal, round * 3, 3, 20);
    auto compacted = journal->Compact();
    ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
    merges += compacted->merged;
  }
  EXPECT_EQ(merges, 1u) << "the 8th small segment merged the eight";
  EXPECT_EQ(Objects(".parquet").size(), 2u) << "the merged segment and the 9th";
  const std::vector<Event> all = All(*journal);
  ASSERT_EQ(all.size(), 9u * 3 * 20);
  for (std::size_t i = 1; i < all.size(); ++i) ASSERT_LE(all[i - 1].ts_us, all[i].ts_us) << "append order";
  std::set<std::string> ids;
  for (const auto& e : all) ids.insert(e.event_id);
  EXPECT_EQ(ids.size(), all.size()) << "each event once";
  auto files = journal->Files();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->parquet_uris.size(), 2u);
}

TEST_F(EventJournalTest, FiltersAndLimitSpanSegmentsAndTheTail) {
  auto journal = OpenJournal(Explicit());
  RecordChanges(*journal, 0, 10, 20);
  ASSERT_TRUE(journal->Compact().ok());
  RecordChanges(*journal, 10, 10, 20);
  const std::vector<Event> all = All(*journal);
  ASSERT_EQ(all.size(), 400u);

  EventFilter filter;
  filter.actor = "bob";
  filter.dataset = "candidates";
  filter.since_us = all[100].ts_us;
  filter.until_us = all[300].ts_us;
  std::vector<Event> expected;
  for (const auto& e : all) {
    if (filter.Matches(e)) expected.push_back(e);
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(All(*journal, filter), expected);

  // The oldest `limit` events, reaching from the segment into the tail.
  EventFilter limited;
  limited.limit = 250;
  auto first = journal->Find(limited);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, std::vector<Event>(all.begin(), all.begin() + 250));

  // A committed check drops events wherever they live.
  EventFilter everything;
  everything.limit = 10000;
  auto odd_versions = journal->Find(everything, [](const Event& e) { return e.version % 2 == 1; });
  ASSERT_TRUE(odd_versions.ok());
  std::size_t odd = 0;
  for (const auto& e : all) odd += e.version % 2 == 1 ? 1 : 0;
  EXPECT_EQ(odd_versions->size(), odd);
}

// A journal reads the batches it wrote from memory and the ones another writer wrote from the
// bucket, interleaved in batch order, with filters and limits as if every batch were read.
TEST_F(EventJournalTest, OwnBatchesFromMemoryInterleaveWithAnotherWritersInOrder) {
  auto mine = OpenJournal(Explicit());
  auto other = OpenJournal(Explicit());
  RecordChanges(*mine, 0, 3, 10);
  RecordChanges(*other, 3, 2, 10);
  RecordChanges(*mine, 5, 3, 10);
  RecordChanges(*other, 8, 1, 10);
  // A third journal over the bucket has nothing in memory: every batch comes from the bucket.
  auto reader = OpenJournal(Explicit());
  const std::vector<Event> truth = All(*reader);
  ASSERT_EQ(truth.size(), 90u);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    ASSERT_EQ(truth[i].job, "job-" + std::to_string(i / 10)) << "batch order at event " << i;
  }
  EXPECT_EQ(All(*mine), truth);
  EXPECT_EQ(All(*other), truth);
  // A key, and the oldest `limit` events, across both kinds of batch.
  EventFilter key;
  key.dataset = "candidates";
  key.key = "k7";
  std::vector<Event> expected;
  for (const auto& e : truth) {
    if (key.Matches(e)) expected.push_back(e);
  }
  ASSERT_GE(expected.size(), 2u);
  EXPECT_EQ(All(*mine, key), expected);
  for (std::size_t limit : {std::size_t{1}, std::size_t{25}, std::size_t{45}, std::size_t{89}}) {
    EventFilter first;
    first.limit = limit;
    auto found = mine->Find(first);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::vector<Event>(truth.begin(), truth.begin() + static_cast<std::ptrdiff_t>(limit)));
  }
  // After a compaction the segment holds them all, once.
  ASSERT_TRUE(mine->Compact().ok());
  EXPECT_EQ(All(*mine), truth);
  RecordChanges(*mine, 9, 1, 10);
  auto after = All(*mine);
  ASSERT_EQ(after.size(), 100u);
  EXPECT_EQ(std::vector<Event>(after.begin(), after.begin() + 90), truth);
}

TEST_F(EventJournalTest, BatchesLeftBehindByAnInterruptedCompactionAreReadOnce) {
  // A long grace stands for a compaction that wrote its segment and stopped before deleting.
  auto journal = OpenJournal(Explicit(std::chrono::hours(1)));
  RecordChanges(*journal, 0, 8, 25);
  const std::vector<Event> before = All(*journal);
  auto compacted = journal->Compact();
  ASSERT_TRUE(compacted.ok());
  EXPECT_EQ(compacted->deleted, 0u);
  EXPECT_EQ(Objects(".jsonl").size(), 8u) << "the batches wait for the grace";
  EXPECT_EQ(All(*journal), before) << "events in both a segment and a batch show once";
  auto files = journal->Files();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->parquet_uris.size(), 1u);
  EXPECT_TRUE(files->json_uris.empty()) << "SQL reads the segment, not the batches it holds";

  // Later (a restart with no grace left): the leftovers are removed and nothing is lost.
  journal.reset();
  auto later = OpenJournal(Explicit());
  auto cleaned = later->Compact();
  ASSERT_TRUE(cleaned.ok());
  EXPECT_EQ(cleaned->batches, 0u);
  EXPECT_EQ(cleaned->deleted, 8u);
  EXPECT_TRUE(Objects(".jsonl").empty());
  EXPECT_EQ(All(*later), before);
}

TEST_F(EventJournalTest, BackgroundCompactionRunsOffTheAppendPath) {
  // A reader's listing stays valid for the grace (the production default is a minute); with none,
  // a batch could be removed between a reader's listing and its scan.
  EventJournalOptions options = Explicit(std::chrono::hours(1));
  options.background = true;
  options.compact_after_batches = 5;
  auto journal = OpenJournal(options);
  RecordChanges(*journal, 0, 12, 10);
  // The compactor works on its own thread; wait for it to catch up.
  for (int i = 0; i < 200 && Objects(".parquet").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(Objects(".parquet").empty()) << "a segment was written without anyone asking";
  RecordChanges(*journal, 12, 3, 10);
  const std::vector<Event> all = All(*journal);
  ASSERT_EQ(all.size(), 150u);
  for (std::size_t i = 1; i < all.size(); ++i) ASSERT_LE(all[i - 1].ts_us, all[i].ts_us) << "append order";
}

TEST_F(EventJournalTest, TheCommittedRuleIsTheSameInSqlAndInCode) {
  StorageOptions storage;
  storage.data_dir = dir_->File("data");
  auto buckets = std::move(BucketRegistry::Open(storage)).value();
  auto catalog = std::move(catalog::Catalog::Open(*buckets, {})).value();
  auto ingester = std::move(ingest::Ingester::Create(*catalog, *buckets, {})).value();
  const std::string csv = dir_->File("people.csv");
  std::ofstream(csv) << "id,name\n1,Ada\n";
  ingest::IngestRequest request;
  request.name = "people";
  request.path = csv;
  request.owner = "ops";
  request.source_system = "crm";
  ASSERT_TRUE(ingester->Ingest(request).ok());
  std::ofstream(csv) << "id,name\n1,Ada\n2,Grace\n";
  ASSERT_TRUE(ingester->Ingest(request).ok());
  const std::string job = catalog->Get("people")->metadata.lineage.ingest_job;
  const std::string first_job = catalog->GetVersion("people", 1)->metadata.lineage.ingest_job;

  struct Case {
    std::string dataset;
    std::int64_t version;
    std::string job;
    bool committed;
  };
  const std::vector<Case> cases = {
      {"people", 2, job, true},             // the latest version
      {"people", 1, first_job, true},       // an older kept version
      {"people", 2, "crashed-job", false},  // same version number, another (crashed) change
      {"people", 3, "next-job", false},     // a version that never committed
      {"ghosts", 1, "", false},             // a dataset the catalog does not know
      {"people's", 1, "x", false},          // quoting holds
  };
  CommittedVersions committed(*catalog);
  auto database = std::move(engine::Database::Open({})).value();
  auto connection = std::move(engine::Connection::Open(*database)).value();
  ASSERT_TRUE(
      connection.Execute("CREATE TABLE events (n INTEGER, dataset VARCHAR, version BIGINT, job VARCHAR)")
          .ok());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Event e;
    e.dataset = cases[i].dataset;
    e.version = cases[i].version;
    e.job = cases[i].job;
    EXPECT_EQ(committed.Contains(e), cases[i].committed) << i;
    ASSERT_TRUE(
        connection
            .Execute(fmt::format("INSERT INTO events VALUES ({}, {}, {}, {})", i,
                                 engine::QuoteSqlString(e.dataset), e.version, engine::QuoteSqlString(e.job)))
            .ok());
  }
  auto result = connection.Query("SELECT n FROM events WHERE " + CommittedVersions(*catalog).SqlCondition() +
                                 " ORDER BY n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::vector<std::int64_t> shown;
  while (true) {
    auto chunk = result->Next();
    ASSERT_TRUE(chunk.ok());
    if (!*chunk) break;
    for (std::size_t r = 0; r < (*chunk)->size(); ++r) shown.push_back(*(*chunk)->GetValue(0, r).AsInt64());
  }
  EXPECT_EQ(shown, (std::vector<std::int64_t>{0, 1}));
}

}  // namespace
}  // namespace lakehouse::journal
