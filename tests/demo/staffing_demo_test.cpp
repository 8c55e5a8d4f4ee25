#include "demo/staffing_demo.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "engine/connection.h"
#include "engine/database.h"

namespace lakehouse::demo {
namespace {

const DemoFile& Find(const std::vector<DemoFile>& files, const std::string& dataset) {
  for (const auto& f : files) {
    if (f.dataset == dataset) return f;
  }
  throw std::runtime_error("no demo file for " + dataset);
}

int64_t CountRows(engine::Connection& conn, const std::string& sql) {
  auto result = conn.Query(sql);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) return -1;
  auto chunk = result->Next();
  EXPECT_TRUE(chunk.ok() && chunk->has_value());
  return (*chunk)->GetValue(0, 0).AsInt64().value_or(-1);
}

TEST(StaffingDemo, TheSameSeedGivesTheSameBytes) {
  auto a = GenerateStaffingDemo({});
  auto b = GenerateStaffingDemo({});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), 5u);
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].content, (*b)[i].content) << (*a)[i].file_name;
  DemoOptions other;
  other.seed = 7;
  auto c = GenerateStaffingDemo(other);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(Find(*a, "candidates").content, Find(*c, "candidates").content);
}

TEST(StaffingDemo, ExportsCarryTheMessOfRealOnes) {
  auto files = GenerateStaffingDemo({});
  ASSERT_TRUE(files.ok());
  const std::string& candidates = Find(*files, "candidates").content;
  EXPECT_EQ(candidates.rfind("\xEF\xBB\xBF", 0), 0u) << "starts with a byte-order mark";
  EXPECT_NE(candidates.find("\r\n"), std::string::npos) << "CRLF line endings";
  EXPECT_NE(candidates.find(",N/A,"), std::string::npos) << "N/A in a numeric column";
  EXPECT_NE(candidates.find(",02108"), std::string::npos) << "ZIP codes with leading zeros";
  EXPECT_NE(candidates.find("\"Smith, Jr.\""), std::string::npos) << "quoted commas";
  EXPECT_NE(candidates.find("Nguyễn"), std::string::npos) << "non-ASCII names";
  EXPECT_NE(candidates.find("$"), std::string::npos) << "rates written as $45/hr";
  EXPECT_NE(Find(*files, "resumes").content.find("EXPERIENCE"), std::string::npos);
}

TEST(StaffingDemo, EveryFileParsesWithTheExpectedRowCounts) {
  DemoOptions options;
  auto files = GenerateStaffingDemo(options);
  ASSERT_TRUE(files.ok());
  char tmpl[] = "/tmp/lakehouse-demo-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_TRUE(WriteStaffingDemo(*files, dir).ok());

  auto db = engine::Database::Open({});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto conn = engine::Connection::Open(**db);
  ASSERT_TRUE(conn.ok());
  const int64_t candidates =
      CountRows(*conn, "SELECT count(*) FROM read_csv('" + dir + "/candidates.csv', all_varchar=true)");
  EXPECT_GE(candidates, options.candidates);
  EXPECT_LE(candidates, options.candidates * 102 / 100) << "about 1% duplicates";
  EXPECT_EQ(CountRows(*conn, "SELECT count(DISTINCT candidate_id) FROM read_csv('" + dir +
                                 "/candidates.csv', all_varchar=true) WHERE candidate_id LIKE '0%'"),
            options.candidates)
      << "ids keep their leading zeros";
  EXPECT_EQ(CountRows(*conn, "SELECT count(*) FROM read_json('" + dir + "/resumes.jsonl')"),
            options.candidates);
  EXPECT_EQ(CountRows(*conn, "SELECT count(*) FROM read_csv('" + dir + "/clients.csv')"), options.clients);
  EXPECT_EQ(CountRows(*conn, "SELECT count(*) FROM read_csv('" + dir + "/contracts.csv')"),
            options.contracts);
  EXPECT_EQ(CountRows(*conn, "SELECT count(*) FROM read_csv('" + dir + "/placements.csv')"),
            options.placements);
  std::filesystem::remove_all(dir);
}

TEST(StaffingDemo, RejectsNonsensicalCounts) {
  DemoOptions none;
  none.candidates = 0;
  EXPECT_EQ(GenerateStaffingDemo(none).status().code(), StatusCode::kInvalidArgument);
  DemoOptions crowded;
  crowded.candidates = 1;
  crowded.placements = 10;
  EXPECT_EQ(GenerateStaffingDemo(crowded).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakehouse::demo
