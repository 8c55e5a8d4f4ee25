// Helpers shared by the engine tests: open a database and read whole results.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/database.h"

namespace lakehouse::engine::testing {

//! An in-memory database with default options, or a failed test.
inline std::unique_ptr<Database> OpenMemoryDatabase() {
  auto db = Database::Open(DatabaseOptions{});
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(db).value() : nullptr;
}

//! All rows of `sql`, each a vector of values; fails the test on error.
inline std::vector<std::vector<Value>> QueryRows(Connection& connection, const std::string& sql,
                                                 std::vector<Column>* columns = nullptr) {
  std::vector<std::vector<Value>> rows;
  auto result = connection.Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  if (!result.ok()) return rows;
  if (columns != nullptr) *columns = result->columns();
  while (true) {
    auto chunk = result->Next();
    EXPECT_TRUE(chunk.ok()) << sql << ": " << chunk.status().ToString();
    if (!chunk.ok() || !chunk->has_value()) break;
    const DataChunk& data = **chunk;
    for (std::size_t row = 0; row < data.size(); ++row) {
      std::vector<Value> values;
      for (std::size_t col = 0; col < data.column_count(); ++col) values.push_back(data.GetValue(col, row));
      rows.push_back(std::move(values));
    }
  }
  return rows;
}

//! The single value of a one-row, one-column query.
inline Value QueryValue(Connection& connection, const std::string& sql) {
  auto rows = QueryRows(connection, sql);
  EXPECT_EQ(rows.size(), 1u) << sql;
  if (rows.size() != 1 || rows[0].empty()) return Value::Null();
  return rows[0][0];
}

}  // namespace lakehouse::engine::testing
