// QueryStream: one running query, read as encoded output piece by piece.
//
// Made by QueryService::Start. Rows are fetched from DuckDB only as Read() asks for output, so a
// result of any size passes through in bounded memory. A watchdog thread enforces the query's
// deadline: once it passes, it interrupts the statement whenever a fetch is in progress, until
// the stream ends (DuckDB ignores an interrupt that arrives between statements, so one is not
// enough), and Read() itself refuses to fetch after the deadline.
//
// Thread-safety: use a stream from one thread at a time (it may move between threads, e.g. the
// I/O threads of an HTTP connection). Destroying it stops the query.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/connection.h"
#include "engine/prepared_statement.h"
#include "engine/query_result.h"
#include "query/query_error.h"
#include "query/result_encoder.h"
#include "query/sandbox_database.h"

namespace lakehouse::query {

class QueryStream {
 public:
  //! Internal: streams are made by QueryService::Start.
  QueryStream(std::shared_ptr<SandboxDatabase> sandbox, engine::Connection connection,
              std::unique_ptr<ResultEncoder> encoder, std::chrono::milliseconds timeout,
              std::uint64_t max_rows);
  QueryStream(const QueryStream&) = delete;
  QueryStream& operator=(const QueryStream&) = delete;
  ~QueryStream();

  //! Prepares and starts `sql`, which must be one read-only statement. Returns the error if not.
  std::optional<QueryError> Begin(const std::string& sql);

  //! The result's columns (after a successful Begin).
  const std::vector<engine::Column>& columns() const;
  //! The Content-Type of the output.
  std::string_view content_type() const { return encoder_->content_type(); }

  //! Appends output to `out` until at least `min_bytes` were added or the result ended. Returns
  //! true while more follows; false once the output is complete or the query failed -- then
  //! error() says why, and `out` ends with the format's in-band error, where it has one.
  bool Read(std::string& out, std::size_t min_bytes);

  //! Why the query failed, if it did.
  const std::optional<QueryError>& error() const { return error_; }
  //! Rows encoded so far.
  std::uint64_t row_count() const { return rows_; }

 private:
  void Watch();
  bool Fail(QueryError error, std::string& out);
  std::int64_t ElapsedMs() const;

  std::shared_ptr<SandboxDatabase> sandbox_;  // keeps the database open
  engine::Connection connection_;
  std::optional<engine::PreparedStatement> statement_;
  std::optional<engine::QueryResult> result_;
  std::unique_ptr<ResultEncoder> encoder_;
  const std::chrono::steady_clock::time_point started_;
  const std::chrono::steady_clock::time_point deadline_;
  const std::uint64_t max_rows_;
  std::uint64_t rows_ = 0;
  bool began_output_ = false;
  bool finished_ = false;
  std::optional<QueryError> error_;

  // Watchdog: `in_fetch` is true while DuckDB works for this stream; `done` ends the watch.
  std::atomic<bool> in_fetch_{false};
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool done_ = false;
  std::thread watchdog_;
};

}  // namespace lakehouse::query
