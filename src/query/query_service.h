// QueryService: read-only SQL over the lakehouse's datasets.
//
// Every dataset the TableProvider lists is a table named after it (a view over its Parquet
// files) in a SandboxDatabase, which can read those files and nothing else. A query must be one
// SELECT-type statement; it runs under a deadline (default query.timeout_ms, at most
// query.max_timeout_ms), a memory limit and a row limit, and its result streams (QueryStream).
// The sandbox is rebuilt when the provider's list changes; queries in flight keep the one they
// started on.
//
// Rescue: DuckDB reads S3 objects itself (httpfs), past the storage layer's rescue reads. So when
// a rescue bucket is configured (SandboxOptions::rescue), the service probes the S3 buckets of
// the tables (S3ObjectStore::Probe, one quick request each) when it builds a sandbox and when a
// query over them fails; the tables over a bucket that is down then read the rescue bucket's copy
// of the same keys, the query is retried once, and the route's RescueReadScope notes it (the
// response says X-Lakehouse-Served-From: rescue). While a bucket is served from rescue, each
// query probes it first, and the first query after it answers again reads the target.
//
// Merged tables: a table with row deltas is served by filtering hidden rows inside the scan
// (engine/live_rows.h), whose masks are computed once per dataset version. When a rebuilt sandbox
// finds a table's masks not yet computed, it serves that table through the anti join at first,
// and a background thread computes them; the first query after that finds them ready and
// reopens the sandbox with them. So a write never makes a query wait for masks, and both ways
// serve the same rows. Time travel computes the masks it needs before its query runs.
//
// Thread-safety: all methods may be called from many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "query/query_error.h"
#include "query/query_stream.h"
#include "query/result_encoder.h"
#include "query/sandbox_database.h"
#include "query/table_source.h"

namespace lakehouse::query {

//! Limits and engine settings of the query service ([query] in lakehouse.toml).
struct QueryOptions {
  SandboxOptions sandbox;                      //!< memory limit, threads, extension and temp dirs
  std::int64_t timeout_ms = 30'000;            //!< deadline of a query that names none
  std::int64_t max_timeout_ms = 300'000;       //!< the largest deadline a query may ask for
  std::uint64_t max_result_rows = 10'000'000;  //!< more rows than this fail the query
  //! Told, when a query finds an S3 bucket of the tables down, the bucket, the failure and the
  //! bucket that serves its objects instead ("" if none); e.g. to journal it. May be empty.
  std::function<void(const std::string& bucket, const Status& failure, const std::string& served_from)>
      on_bucket_down{};
};

//! One query.
struct QueryRequest {
  std::string sql;                            //!< one read-only statement
  ResultFormat format = ResultFormat::kJson;  //!< output format
  std::optional<std::int64_t> timeout_ms;     //!< deadline; default QueryOptions::timeout_ms
  //! Serve exactly these tables instead of the provider's (time travel: the lakehouse as it was);
  //! the query then runs in a sandbox of its own.
  std::optional<std::vector<TableSource>> tables{};
};

//! A started query, or why it could not start.
struct StartedQuery {
  std::unique_ptr<QueryStream> stream;  //!< set on success
  std::optional<QueryError> error;      //!< set on failure
};

class QueryService {
 public:
  //! The longest SQL text accepted, in bytes.
  static constexpr std::size_t kMaxSqlBytes = 256 * 1024;

  QueryService(QueryOptions options, TableProvider provider);

  //! Validates and starts `request`. Errors: InvalidArgument for empty or oversized SQL, a bad
  //! timeout, several statements, or SQL that does not
  //! parse or bind; PermissionDenied for a statement that is not a read-only query or that
  //! touches anything outside the served tables; DeadlineExceeded if time ran out; whatever the
  //! provider or the engine returned if the tables cannot be served.
  StartedQuery Start(const QueryRequest& request);

  //! {"engine": "duckdb", "version", "tables", "tables_awaiting_masks"}; the error if the
  //! sandbox cannot answer SELECT 42. tables_awaiting_masks counts the tables with deltas served
  //! through the anti join while their masks are computed.
  Result<Json> Health();

  //! Stops the background computation of masks, if one runs, and waits for it.
  ~QueryService();
  QueryService(const QueryService&) = delete;
  QueryService& operator=(const QueryService&) = delete;

  const QueryOptions& options() const { return options_; }

 private:
  //! The sandbox for the provider's current tables, rebuilt if they changed or if the set of
  //! buckets that are down changed. `recheck`: probe every S3 bucket of the tables, not only
  //! those already served from rescue.
  Result<std::shared_ptr<SandboxDatabase>> CurrentSandbox(bool recheck = false);
  //! The buckets of `buckets` that do not answer now (reported to on_bucket_down).
  std::vector<const S3ObjectStore*> DownBuckets(const std::vector<const S3ObjectStore*>& buckets) const;
  //! Connects to `sandbox` and begins `request` on it.
  StartedQuery Begin(std::shared_ptr<SandboxDatabase> sandbox, const QueryRequest& request,
                     std::int64_t timeout_ms) const;

  //! With mu_ held: when sandbox_ awaits masks, starts their computation, or, once it is done,
  //! reopens sandbox_ with them (once per computation, so an evicted entry cannot loop).
  void AdvanceMasks();
  //! Computes the pending masks of `sandbox` (the background thread's body).
  void ComputeMasks(const std::shared_ptr<SandboxDatabase>& sandbox);

  const QueryOptions options_;
  const TableProvider provider_;
  std::mutex mu_;  // guards sandbox_ (and serialises rebuilds)
  std::shared_ptr<SandboxDatabase> sandbox_;

  std::mutex masks_mu_;                             // guards the members below; taken after mu_
  std::thread masks_thread_;                        // the background computation, if any
  bool masks_busy_ = false;                         // masks_thread_ has not finished
  bool stopping_ = false;                           // the service is being destroyed
  std::weak_ptr<SandboxDatabase> masks_done_for_;   // the last sandbox whose pending masks were computed
  engine::Connection* masks_connection_ = nullptr;  // the computation's connection, for Interrupt
};

}  // namespace lakehouse::query
