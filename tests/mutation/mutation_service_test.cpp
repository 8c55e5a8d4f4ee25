// Row mutations in process: deltas merged on read, field changes, compaction, the writer lease
// and the event journal -- on a real local bucket with the real DuckDB.
#include "mutation/mutation_service.h"

#include <gtest/gtest.h>

#include <fstream>

#include "catalog/writer_lease.h"
#include "engine/connection.h"
#include "engine/merged_relation.h"
#include "ingest/ingester.h"
#include "journal/event_journal.h"

namespace lakehouse::mutation {
namespace {

class MutationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = catalog::ScratchDirectory::Create("", "mutation-test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
    StorageOptions storage;
    storage.data_dir = dir_->File("data");
    buckets_ = std::move(BucketRegistry::Open(storage)).value();
    catalog_ = std::move(catalog::Catalog::Open(*buckets_, {})).value();
    journal_ = std::move(journal::EventJournal::Open(buckets_->primary())).value();
    ingester_ = std::move(ingest::Ingester::Create(*catalog_, *buckets_, {})).value();
    auto sink = [this](const std::string& dataset, std::int64_t version, const std::string& job,
                       const std::string&, const std::vector<FieldChange>& changes,
                       const ChangeContext& context) {
      std::vector<journal::Event> events;
      for (const auto& c : changes) {
        events.push_back({"", dataset, c.key, c.field, c.old_value, c.new_value, c.op, context.actor, 0,
                          context.source, context.workspace_id, version, job});
      }
      return journal_->Record(std::move(events));
    };
    service_ = std::move(MutationService::Create(*catalog_, *buckets_, {}, sink)).value();

    const std::string csv = dir_->File("people.csv");
    std::ofstream(csv) << "id,name,city\n1,Ada,London\n2,Grace,New York\n3,Linus,Helsinki\n";
    ingest::IngestRequest request;
    request.name = "people";
    request.path = csv;
    request.owner = "ops";
    request.source_system = "crm";
    ASSERT_TRUE(ingester_->Ingest(request).ok());
    catalog::MetadataPatch patch;
    patch.primary_key = "id";
    ASSERT_TRUE(catalog_->PatchMetadata("people", patch).ok());
  }

  // Rows of the merged view of the current version, ordered by id, as "id|name|city" lines.
  std::vector<std::string> Rows() {
    auto readable = catalog_->Readable("people");
    EXPECT_TRUE(readable.ok());
    auto database = engine::Database::Open({});
    auto connection = engine::Connection::Open(**database);
    auto result = connection->Query("SELECT concat_ws('|', id, name, city) FROM " +
                                    engine::MergedRelationSql(readable->data_uris, readable->delta_uris,
                                                              readable->primary_key.value_or("")) +
                                    " ORDER BY id");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::string> rows;
    while (true) {
      auto chunk = result->Next();
      if (!chunk.ok() || !*chunk) break;
      for (std::size_t r = 0; r < (*chunk)->size(); ++r)
        rows.emplace_back((*chunk)->GetValue(0, r).ToString());
    }
    return rows;
  }

  RowChanges Changes(const std::string& json) {
    auto parsed = RowChangesFromJson(*ParseJson(json));
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return parsed.ok() ? *parsed : RowChanges{};
  }

  std::unique_ptr<catalog::ScratchDirectory> dir_;
  std::unique_ptr<BucketRegistry> buckets_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<journal::EventJournal> journal_;
  std::unique_ptr<ingest::Ingester> ingester_;
  std::unique_ptr<MutationService> service_;
};

TEST_F(MutationServiceTest, DeltasMergeOnReadAndEveryFieldChangeIsJournaled) {
  auto applied = service_->Apply(
      "people", Changes(R"({"upsert":[{"id":2,"city":"Boston"},{"id":7,"name":"Hedy"}],"delete":[3],
                            "actor":"me","source":"test"})"));
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->upserted, 2);
  EXPECT_EQ(applied->deleted, 1);
  EXPECT_EQ(applied->manifest.row_count, 3);
  EXPECT_EQ(Rows(), (std::vector<std::string>{"1|Ada|London", "2|Grace|Boston", "7|Hedy"}));

  journal::EventFilter filter;
  filter.key = "2";
  auto events = journal_->Find(filter);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].field, "city");
  EXPECT_EQ((*events)[0].old_value, "New York");
  EXPECT_EQ((*events)[0].new_value, "Boston");
  EXPECT_EQ((*events)[0].op, "update");
  EXPECT_EQ((*events)[0].version, applied->manifest.version);

  auto compacted = service_->Compact("people", {"ops", "test", ""});
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  EXPECT_EQ(compacted->deltas_merged, 1u);
  EXPECT_TRUE(compacted->manifest.deltas.empty());
  EXPECT_EQ(Rows(), (std::vector<std::string>{"1|Ada|London", "2|Grace|Boston", "7|Hedy"}));
}

TEST_F(MutationServiceTest, AutomaticCompactionPastTheDeltaLimit) {
  MutationOptions options;
  options.compact_after_deltas = 2;
  auto service = MutationService::Create(*catalog_, *buckets_, options, {});
  ASSERT_TRUE(service.ok());
  auto first = (*service)->Apply("people",
                                 Changes(R"({"upsert":[{"id":1,"city":"Paris"}],"actor":"a","source":"t"})"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->compacted);
  auto second = (*service)->Apply("people", Changes(R"({"delete":[1],"actor":"a","source":"t"})"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->compacted);
  EXPECT_TRUE(second->manifest.deltas.empty());
  EXPECT_EQ(Rows(), (std::vector<std::string>{"2|Grace|New York", "3|Linus|Helsinki"}));
}

TEST_F(MutationServiceTest, AWriterHoldingTheDatasetMakesOthersFailNotWait) {
  auto held = catalog_->BeginVersion("people", "primary");
  ASSERT_TRUE(held.ok());
  auto refused = service_->Apply("people", Changes(R"({"delete":[1],"actor":"a","source":"t"})"));
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition) << refused.status().ToString();
  held->reset();
  EXPECT_TRUE(service_->Apply("people", Changes(R"({"delete":[1],"actor":"a","source":"t"})")).ok());
}

TEST_F(MutationServiceTest, WriterLeaseIsExclusiveAndAStaleOneIsTakenOver) {
  auto& primary = buckets_->primary();
  auto first = catalog::WriterLease::Acquire(primary, "other", "proc-a", std::chrono::seconds(30));
  ASSERT_TRUE(first.ok());
  auto second = catalog::WriterLease::Acquire(primary, "other", "proc-b", std::chrono::seconds(30));
  ASSERT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("proc-a"), std::string::npos) << second.status().message();
  EXPECT_TRUE((*first)->Verify().ok());
  first->reset();
  EXPECT_TRUE(catalog::WriterLease::Acquire(primary, "other", "proc-b", std::chrono::seconds(30)).ok());

  // What a holder that died leaves behind: a lease object whose expiry has passed.
  ASSERT_TRUE(primary
                  .Put("_leases/datasets/stale.json",
                       R"({"dataset":"stale","holder":"dead:1","token":"t1","expires_at_us":1})")
                  .ok());
  auto taken = catalog::WriterLease::Acquire(primary, "stale", "proc-c", std::chrono::seconds(30));
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_TRUE((*taken)->Verify().ok());
}

TEST(EventJournalTime, ParsesIsoAndEpochAndRejectsTheRest) {
  EXPECT_EQ(*journal::ParseTimeMicros("1970-01-02"), 86400LL * 1000000);
  EXPECT_EQ(*journal::ParseTimeMicros("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(*journal::ParseTimeMicros("42"), 42);
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-01-01T25:00:00", "2026-01-01Tx"}) {
    EXPECT_EQ(journal::ParseTimeMicros(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace lakehouse::mutation
