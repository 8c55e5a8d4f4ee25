// End to end: TPC-H through the real binary. DuckDB's tpch extension generates the tables at
// scale factor 0.01; each is exported as CSV, ingested through POST /datasets/{name}/ingest (type
// inference included), and all 22 queries run through POST /query. Every answer must match the
// reference answers the tpch extension ships for that scale factor.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/database.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

constexpr const char* kScaleFactor = "0.01";
const char* const kTables[] = {"region", "nation",   "supplier", "customer",
                               "part",   "partsupp", "orders",   "lineitem"};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  if (text.empty()) return {""};
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

// One JSON cell as the reference answers print it (numbers are compared numerically anyway).
std::string CellText(const json& cell) {
  if (cell.is_null()) return "";  // the reference answers print NULL as an empty field
  if (cell.is_string()) return cell.get<std::string>();
  return cell.dump();
}

bool ParseNumber(const std::string& text, double* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// Decimal columns become DOUBLE on ingest (CSV carries no type), so sums may differ from the
// DECIMAL reference in the last places; the reference prints 2-4 decimals for money.
bool SameCell(const std::string& got, const std::string& want) {
  double a = 0, b = 0;
  if (ParseNumber(got, &a) && ParseNumber(want, &b)) {
    return std::fabs(a - b) <= std::max(0.01, 1e-9 * std::fabs(b));
  }
  return got == want;
}

// Scalar text of the first row and column of `sql` in the reference database.
std::string Scalar(engine::Connection& connection, const std::string& sql) {
  auto result = connection.Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  if (!result.ok()) return "";
  auto chunk = result->Next();
  EXPECT_TRUE(chunk.ok() && chunk->has_value() && (*chunk)->size() > 0) << sql;
  if (!chunk.ok() || !chunk->has_value() || (*chunk)->size() == 0) return "";
  return (*chunk)->GetValue(0, 0).ToString();
}

TEST(TpchEndToEnd, AllTwentyTwoQueriesMatchTheReferenceAnswersAfterCsvIngest) {
  const std::string dir =
      std::filesystem::temp_directory_path().string() + "/lakehouse-tpch-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);

  auto database = engine::Database::Open({});
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  auto reference = engine::Connection::Open(**database);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_TRUE(reference->Execute(std::string("LOAD tpch; CALL dbgen(sf = ") + kScaleFactor + ");").ok());
  for (const char* table : kTables) {
    Status exported = reference->Execute(std::string("COPY ") + table + " TO '" + dir + "/" + table +
                                         ".csv' (FORMAT csv, HEADER true)");
    ASSERT_TRUE(exported.ok()) << table << ": " << exported.ToString();
  }

  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  for (const char* table : kTables) {
    HttpReply ingested = HttpCall(
        server.port(), "POST",
        std::string("/datasets/") + table + "/ingest?format=csv&owner=bench&source_system=tpch-dbgen",
        ReadFile(dir + "/" + table + ".csv"));
    ASSERT_EQ(ingested.status, 201) << table << ": " << ingested.body;
    const std::string want_rows = Scalar(*reference, std::string("SELECT count(*) FROM ") + table);
    EXPECT_EQ(std::to_string(json::parse(ingested.body)["dataset"]["row_count"].get<std::int64_t>()),
              want_rows)
        << table;
  }

  for (int query = 1; query <= 22; ++query) {
    SCOPED_TRACE("TPC-H Q" + std::to_string(query));
    const std::string sql =
        Scalar(*reference, "SELECT query FROM tpch_queries() WHERE query_nr = " + std::to_string(query));
    const std::string answer =
        Scalar(*reference, "SELECT answer FROM tpch_answers() WHERE query_nr = " + std::to_string(query) +
                               " AND scale_factor = " + kScaleFactor);
    ASSERT_FALSE(sql.empty());
    ASSERT_FALSE(answer.empty());

    HttpReply reply =
        HttpCall(server.port(), "POST", "/query", json{{"sql", sql}, {"format", "json"}}.dump());
    ASSERT_EQ(reply.status, 200) << reply.body;
    json result = json::parse(reply.body);

    // One line per row after the header, each ending in '\n'; a lone NULL is an empty line.
    std::vector<std::string> lines = Split(answer.substr(0, answer.size() - 1), '\n');
    ASSERT_FALSE(lines.empty());
    const std::vector<std::string> header = Split(lines[0], '|');
    ASSERT_EQ(result["columns"].size(), header.size());
    // Column names as plain DuckDB gives them for the same SQL (the answer files were made by an
    // older DuckDB that named some aggregates differently, e.g. "sum" for sum(l_quantity)).
    auto plain = reference->Query(sql);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    ASSERT_EQ(plain->columns().size(), header.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
      EXPECT_EQ(result["columns"][c]["name"], plain->columns()[c].name);
    }
    ASSERT_EQ(result["rows"].size(), lines.size() - 1);
    for (std::size_t r = 1; r < lines.size(); ++r) {
      const std::vector<std::string> want = Split(lines[r], '|');
      const json& got = result["rows"][r - 1];
      ASSERT_EQ(got.size(), want.size()) << "row " << r;
      for (std::size_t c = 0; c < want.size(); ++c) {
        EXPECT_TRUE(SameCell(CellText(got[c]), want[c]))
            << "row " << r << ", column " << header[c] << ": got " << CellText(got[c]) << ", want "
            << want[c];
      }
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lakehouse::testing
