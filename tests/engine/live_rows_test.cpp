#include "engine/live_rows.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/merged_relation.h"
#include "engine/sql_text.h"
#include "engine/temp_dir.h"
#include "engine/test_support.h"

namespace lakehouse::engine {
namespace {

using testing::OpenMemoryDatabase;
using testing::QueryRows;
using testing::TempDir;

// Every row of `relation`, one text line per row, sorted.
std::vector<std::string> SortedRows(Connection& connection, const std::string& relation) {
  std::vector<std::string> out;
  for (const auto& row : QueryRows(
           connection, "SELECT concat_ws('|', id, name, score) FROM " + relation + " AS t ORDER BY 1")) {
    out.push_back(row[0].ToString());
  }
  return out;
}

std::shared_ptr<const FileMasks> Part(const std::shared_ptr<const LiveRows>& rows, bool deltas) {
  return {rows, deltas ? &rows->deltas : &rows->base};
}

// A history with everything the merge has to get right: two base files (a NULL key, a key twice),
// deltas that upsert new and old keys, delete keys (some never seen, some re-upserted later),
// write one key twice in one file, and NULL keys.
class LiveRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    database_ = OpenMemoryDatabase();
    auto connection = Connection::Open(*database_);
    ASSERT_TRUE(connection.ok());
    connection_ = std::make_unique<Connection>(std::move(connection).value());
    for (int b = 0; b < 2; ++b) {
      base_.push_back(dir_.File(fmt::format("base-{}.parquet", b)));
      Write(fmt::format("SELECT CASE WHEN i = 7 THEN NULL WHEN i = 11 THEN 5 ELSE i END AS id, "
                        "'base-{}-' || i AS name, i % 13 AS score FROM range({}, {}) t(i)",
                        b, b * 3000, (b + 1) * 3000),
            base_.back());
    }
    for (int d = 0; d < 6; ++d) {
      deltas_.push_back(dir_.File(fmt::format("delta-{}.parquet", d)));
      Write(fmt::format(
                "SELECT CASE WHEN i % 211 = 0 THEN NULL ELSE CAST(hash(i, {0}) % 7000 AS BIGINT) END AS id, "
                "'delta-{0}-' || i AS name, i % 17 AS score, "
                "CASE WHEN hash(i, {0}, 'op') % 4 = 0 THEN 'delete' ELSE 'upsert' END AS _lh_op, "
                "CAST({0} AS BIGINT) * 1000000 + i AS _lh_seq FROM range(700) t(i)",
                d),
            deltas_.back());
    }
  }

  void Write(const std::string& select, const std::string& path) {
    ASSERT_TRUE(connection_->Execute(fmt::format("COPY ({}) TO '{}' (FORMAT parquet)", select, path)).ok());
  }

  TempDir dir_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
  std::vector<std::string> base_;
  std::vector<std::string> deltas_;
};

TEST_F(LiveRowsTest, MasksServeExactlyTheRowsOfTheJoin) {
  for (std::size_t delta_count : {std::size_t{1}, std::size_t{3}, std::size_t{6}}) {
    SCOPED_TRACE(delta_count);
    const std::vector<std::string> deltas(deltas_.begin(), deltas_.begin() + static_cast<long>(delta_count));
    auto rows = LiveRows::Compute(*connection_, base_, deltas, "id");
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    // The history must exercise both kinds of hiding, or the comparison proves little.
    EXPECT_GT((*rows)->base.hidden_rows(), 100u);
    EXPECT_GT((*rows)->deltas.hidden_rows(), 100u);
    auto database = OpenMemoryDatabase();
    auto connection = Connection::Open(*database);
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE(LiveRowsFunction::Register(*connection, {Part(*rows, false), Part(*rows, true)}).ok());
    const auto joined = SortedRows(*connection, MergedRelationSql(base_, deltas, "id"));
    const auto masked = SortedRows(*connection, LiveMergedRelationSql(base_, deltas, 0, 1));
    ASSERT_GT(joined.size(), 5000u);
    EXPECT_EQ(masked, joined);
    // Projection and filters through the masked relation agree too.
    const std::string sum = "SELECT count(*), sum(score) FROM {} AS t WHERE score > 3";
    EXPECT_EQ(
        QueryRows(*connection, fmt::format(fmt::runtime(sum), LiveMergedRelationSql(base_, deltas, 0, 1))),
        QueryRows(*connection, fmt::format(fmt::runtime(sum), MergedRelationSql(base_, deltas, "id"))));
  }
}

TEST_F(LiveRowsTest, TheFunctionAnswersAnyArgumentsWithoutFailing) {
  auto rows = LiveRows::Compute(*connection_, base_, deltas_, "id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_TRUE(LiveRowsFunction::Register(*connection_, {Part(*rows, false), Part(*rows, true)}).ok());
  // Unknown lists, files and positions hide nothing; NULL in gives NULL out.
  const auto answers =
      QueryRows(*connection_,
                "SELECT lakehouse_live_row(-1, 0, 0), lakehouse_live_row(99, 0, 0), "
                "lakehouse_live_row(0, 18446744073709551615, 5), lakehouse_live_row(0, 0, -3), "
                "lakehouse_live_row(0, 0, 9223372036854775807), lakehouse_live_row(NULL, 0, 0), "
                "lakehouse_live_row(0, NULL, 0), lakehouse_live_row(0, 0, NULL)");
  ASSERT_EQ(answers.size(), 1u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(answers[0][i].AsBool(), true) << i;
  for (std::size_t i = 5; i < 8; ++i) EXPECT_TRUE(answers[0][i].IsNull()) << i;
  // Over the base files, exactly the rows the masks hide answer false.
  const auto hidden = QueryRows(*connection_,
                                "SELECT count(*) FILTER (WHERE NOT lakehouse_live_row(0, file_index, "
                                "file_row_number)) FROM read_parquet(" +
                                    QuoteSqlStringList(base_) + ")");
  EXPECT_EQ(hidden[0][0].AsUInt64(), (*rows)->base.hidden_rows());
  EXPECT_FALSE(connection_->Query("SELECT lakehouse_live_row('a', 'b', 'c')").ok());
}

TEST_F(LiveRowsTest, MissingKeyColumnIsAnError) {
  auto rows = LiveRows::Compute(*connection_, base_, deltas_, "no_such_column");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("no_such_column"), std::string::npos) << rows.status().ToString();
}

TEST_F(LiveRowsTest, TheCacheKeepsAVersionsMasksWithinItsBudget) {
  LiveRowsCache cache(std::size_t{1} << 20);
  bool computed_first = false, computed_again = true;
  auto first = cache.Get(*connection_, base_, deltas_, "id", &computed_first);
  auto again = cache.Get(*connection_, base_, deltas_, "id", &computed_again);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->get(), again->get());
  EXPECT_TRUE(computed_first);
  EXPECT_FALSE(computed_again);
  auto other = cache.Get(*connection_, base_, {deltas_[0]}, "id");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->get(), first->get());

  LiveRowsCache tiny(1);  // room for one version at a time
  auto a = tiny.Get(*connection_, base_, deltas_, "id");
  auto b = tiny.Get(*connection_, base_, {deltas_[0]}, "id");
  auto a_again = tiny.Get(*connection_, base_, deltas_, "id");
  ASSERT_TRUE(a.ok() && b.ok() && a_again.ok());
  EXPECT_NE(a->get(), a_again->get());
  EXPECT_EQ((*a)->base.hidden_rows(), (*a_again)->base.hidden_rows());
}

}  // namespace
}  // namespace lakehouse::engine
