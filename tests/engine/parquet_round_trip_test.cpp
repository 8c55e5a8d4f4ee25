// Parquet is how every dataset is stored, so types and values must survive a write and a read.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/database.h"
#include "engine/temp_dir.h"
#include "engine/test_support.h"

namespace lakehouse::engine {
namespace {

using testing::OpenMemoryDatabase;
using testing::QueryRows;
using testing::TempDir;

TEST(Engine, WritesParquetAndReadsItBackWithTypesIntact) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto db = OpenMemoryDatabase();
  ASSERT_NE(db, nullptr);
  auto connection = Connection::Open(*db);
  ASSERT_TRUE(connection.ok());

  ASSERT_TRUE(connection
                  ->Execute(R"sql(
      CREATE TABLE candidates (
        id INTEGER, active BOOLEAN, score BIGINT, rating DOUBLE, salary DECIMAL(15,2),
        name VARCHAR, born DATE, updated TIMESTAMP, photo BLOB);
      INSERT INTO candidates VALUES
        (1, true, 9007199254740993, 4.75, 1234.50, 'Zoë Ångström ✓ 日本語', DATE '2024-03-01',
         TIMESTAMP '2024-03-01 12:34:56.789012', '\x00\xFFabc'::BLOB),
        (2, false, -1, -0.1, -0.05, '', DATE '1969-12-31', TIMESTAMP '1900-01-01 00:00:00', ''::BLOB),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, true, 0, 1e300, 9999999999999.99, 'O''Brien "quoted"', DATE '0001-01-01',
         TIMESTAMP '2262-04-11 23:47:16.854775', 'plain'::BLOB);
    )sql")
                  .ok());
  const std::string file = dir.File("candidates.parquet");
  const Status copied = connection->Execute("COPY candidates TO '" + file + "' (FORMAT parquet)");
  ASSERT_TRUE(copied.ok()) << copied.ToString();
  ASSERT_TRUE(std::filesystem::exists(file));

  std::vector<Column> table_columns;
  std::vector<Column> parquet_columns;
  const auto table_rows = QueryRows(*connection, "SELECT * FROM candidates ORDER BY id", &table_columns);
  const auto parquet_rows =
      QueryRows(*connection, "SELECT * FROM read_parquet('" + file + "') ORDER BY id", &parquet_columns);

  const std::vector<Column> expected_columns = {
      {"id", TypeId::kInteger, "INTEGER"},
      {"active", TypeId::kBoolean, "BOOLEAN"},
      {"score", TypeId::kBigInt, "BIGINT"},
      {"rating", TypeId::kDouble, "DOUBLE"},
      {"salary", TypeId::kDecimal, "DECIMAL(15,2)"},
      {"name", TypeId::kVarchar, "VARCHAR"},
      {"born", TypeId::kDate, "DATE"},
      {"updated", TypeId::kTimestamp, "TIMESTAMP"},
      {"photo", TypeId::kBlob, "BLOB"},
  };
  EXPECT_EQ(table_columns, expected_columns);
  EXPECT_EQ(parquet_columns, expected_columns);
  ASSERT_EQ(parquet_rows.size(), 4u);
  ASSERT_EQ(table_rows.size(), 4u);
  for (std::size_t row = 0; row < table_rows.size(); ++row) {
    for (std::size_t col = 0; col < expected_columns.size(); ++col) {
      EXPECT_EQ(parquet_rows[row][col], table_rows[row][col])
          << expected_columns[col].name << " row " << row << ": " << parquet_rows[row][col].ToString()
          << " vs " << table_rows[row][col].ToString();
    }
  }

  // Spot checks against literal expectations, so a shared decoding bug cannot hide.
  const auto& first = parquet_rows[0];
  EXPECT_EQ(first[1], Value::Boolean(true));
  EXPECT_EQ(first[2].AsInt64(), 9007199254740993);
  EXPECT_EQ(first[3], Value::Double(4.75));
  EXPECT_EQ(first[4].ToString(), "1234.50");
  EXPECT_EQ(first[4].AsDecimal(), Decimal::FromUnscaled(123450, 15, 2));
  EXPECT_EQ(first[5], Value::Varchar("Zoë Ångström ✓ 日本語"));
  EXPECT_EQ(first[6].ToString(), "2024-03-01");
  EXPECT_EQ(first[7].ToString(), "2024-03-01 12:34:56.789012");
  EXPECT_EQ(first[8], Value::Blob(std::string("\0\xFF"
                                              "abc",
                                              5)));
  EXPECT_EQ(parquet_rows[1][5], Value::Varchar(""));
  EXPECT_EQ(parquet_rows[1][4].ToString(), "-0.05");
  EXPECT_EQ(parquet_rows[1][8], Value::Blob(""));
  for (std::size_t col = 1; col < expected_columns.size(); ++col) {
    EXPECT_TRUE(parquet_rows[2][col].IsNull()) << expected_columns[col].name;
    EXPECT_EQ(parquet_rows[2][col].type(), expected_columns[col].type) << expected_columns[col].name;
  }
  EXPECT_EQ(parquet_rows[3][4].ToString(), "9999999999999.99");
  EXPECT_EQ(parquet_rows[3][5].ToString(), "O'Brien \"quoted\"");
  EXPECT_EQ(parquet_rows[3][6].ToString(), "0001-01-01");
}

}  // namespace
}  // namespace lakehouse::engine
