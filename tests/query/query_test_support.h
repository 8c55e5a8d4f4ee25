// Helpers shared by the query tests: real Parquet files written by DuckDB, and whole results.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/database.h"
#include "query/query_service.h"

namespace lakehouse::query::testing {

//! Writes the result of `select_sql` to `path` as Parquet, with an ordinary (unsandboxed) DuckDB.
inline void WriteParquet(const std::string& select_sql, const std::string& path) {
  auto db = engine::Database::Open(engine::DatabaseOptions{});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto connection = engine::Connection::Open(**db);
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  Status written = connection->Execute("COPY (" + select_sql + ") TO '" + path + "' (FORMAT parquet)");
  ASSERT_TRUE(written.ok()) << written.ToString();
}

//! The whole output of a query, or its error.
struct Outcome {
  std::string body;
  std::optional<QueryError> error;
  std::uint64_t rows = 0;
};

inline Outcome RunToEnd(QueryService& service, const std::string& sql,
                        ResultFormat format = ResultFormat::kJson,
                        std::optional<std::int64_t> timeout_ms = std::nullopt) {
  Outcome outcome;
  auto started = service.Start({sql, format, timeout_ms});
  if (started.error) {
    outcome.error = started.error;
    return outcome;
  }
  while (started.stream->Read(outcome.body, 64 * 1024)) {
  }
  outcome.error = started.stream->error();
  outcome.rows = started.stream->row_count();
  return outcome;
}

}  // namespace lakehouse::query::testing
