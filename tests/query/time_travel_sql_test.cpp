// RewriteAtClauses: the AT clauses of real SQL, parsed by DuckDB, pointed at versioned tables.
#include "query/time_travel_sql.h"

#include <gtest/gtest.h>

#include <vector>

namespace lakehouse::query {
namespace {

// Serves every clause as "<table>@v<version>" (by time: version 7), recording what it was asked.
struct Recorder {
  std::vector<AtClause> asked;
  AtClauseResolver resolver() {
    return [this](const AtClause& clause) -> Result<TableSource> {
      asked.push_back(clause);
      TableSource source;
      source.name = clause.table + "@v" + std::to_string(clause.version.value_or(7));
      source.parquet_uris = {"/data/" + source.name + ".parquet"};
      return source;
    };
  }
};

TEST(TimeTravelSql, SqlWithoutAtClausesIsLeftAlone) {
  Recorder recorder;
  for (const std::string sql : {"SELECT 1", "SELECT * FROM candidates WHERE name = 'meet at (noon)'",
                                "SELECT format AT(1)", "SELECT 'AT (VERSION => 3)' AS at", "not sql at all (",
                                "SELECT 1; SELECT * FROM t AT (VERSION => 1)"}) {
    auto rewritten = RewriteAtClauses(sql, recorder.resolver());
    ASSERT_TRUE(rewritten.ok()) << sql << ": " << rewritten.status().ToString();
    EXPECT_FALSE(rewritten->has_value()) << sql;
  }
  EXPECT_TRUE(recorder.asked.empty());
  EXPECT_FALSE(MayHaveAtClause("SELECT flat(x) FROM t"));
  EXPECT_TRUE(MayHaveAtClause("SELECT * FROM t at\n (VERSION => 1)"));
}

TEST(TimeTravelSql, EveryReferenceIsPointedAtItsVersionUnderTheNameTheQueryUses) {
  Recorder recorder;
  auto rewritten = RewriteAtClauses(
      "WITH old AS (SELECT * FROM candidates AT (VERSION => 1 + 2)) "
      "SELECT c.id FROM candidates AS c JOIN old USING (id) "
      "WHERE c.id IN (SELECT id FROM placements AT (TIMESTAMP => TIMESTAMP '2026-03-01 12:00:00'))",
      recorder.resolver());
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().ToString();
  ASSERT_TRUE(rewritten->has_value());
  const TimeTravelSql& out = **rewritten;
  ASSERT_EQ(recorder.asked.size(), 2u);
  EXPECT_EQ(recorder.asked[0].table, "candidates");
  EXPECT_EQ(recorder.asked[0].version, 3) << "a constant expression is evaluated";
  EXPECT_EQ(recorder.asked[1].table, "placements");
  EXPECT_EQ(recorder.asked[1].at_us, 1772366400000000) << "2026-03-01 12:00:00 UTC";
  ASSERT_EQ(out.tables.size(), 2u);
  EXPECT_EQ(out.tables[0].name, "candidates@v3");
  EXPECT_EQ(out.tables[1].name, "placements@v7");
  EXPECT_NE(out.sql.find("\"candidates@v3\" AS candidates"), std::string::npos) << out.sql;
  EXPECT_NE(out.sql.find("\"placements@v7\" AS placements"), std::string::npos) << out.sql;
  EXPECT_NE(out.sql.find("FROM candidates AS c"), std::string::npos) << "the current one stays: " << out.sql;
  EXPECT_EQ(out.sql.find("AT ("), std::string::npos) << out.sql;
}

TEST(TimeTravelSql, BadValuesAreClearErrorsAndReadNothing) {
  Recorder recorder;
  auto message = [&](const std::string& sql) {
    auto rewritten = RewriteAtClauses(sql, recorder.resolver());
    EXPECT_FALSE(rewritten.ok()) << sql;
    EXPECT_EQ(rewritten.status().code(), StatusCode::kInvalidArgument) << rewritten.status().ToString();
    return rewritten.status().message();
  };
  EXPECT_NE(message("SELECT * FROM candidates AT (VERSION => 0)").find("version must be a number"),
            std::string::npos);
  EXPECT_NE(message("SELECT * FROM candidates AT (VERSION => NULL)").find("version must be a number"),
            std::string::npos);
  EXPECT_NE(message("SELECT * FROM candidates AT (TIMESTAMP => 'yesterday-ish')").find("must be a timestamp"),
            std::string::npos);
  // Other units do not parse: left to the query service, which reports DuckDB's syntax error.
  auto other_unit = RewriteAtClauses("SELECT * FROM candidates AT (STREAM => 1)", recorder.resolver());
  ASSERT_TRUE(other_unit.ok());
  EXPECT_FALSE(other_unit->has_value());
  // The value is evaluated where no file can be read.
  const std::string escape =
      message("SELECT * FROM t AT (VERSION => (SELECT count(*) FROM read_text('/etc/hostname')))");
  EXPECT_NE(escape.find("version must be a number"), std::string::npos) << escape;
  EXPECT_TRUE(recorder.asked.empty());

  // The resolver's error is passed on as it is.
  auto refused =
      RewriteAtClauses("SELECT * FROM t AT (VERSION => 9)", [](const AtClause&) -> Result<TableSource> {
        return Status::InvalidArgument("dataset 't' has no version 9");
      });
  EXPECT_EQ(refused.status().message(), "dataset 't' has no version 9");
}

}  // namespace
}  // namespace lakehouse::query
