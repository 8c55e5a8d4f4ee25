#include "query/query_service.h"

#include <fmt/format.h>

#include <utility>

#include "common/log.h"
#include "engine/database.h"
#include "storage/journaled_object_store.h"

namespace lakehouse::query {
namespace {

QueryError Invalid(std::string message) {
  return QueryError{Status::InvalidArgument(std::move(message)), "", std::nullopt};
}

}  // namespace

QueryService::QueryService(QueryOptions options, TableProvider provider)
    : options_(std::move(options)), provider_(std::move(provider)) {}

QueryService::~QueryService() {
  {
    std::lock_guard lock(masks_mu_);
    stopping_ = true;
    if (masks_connection_ != nullptr) masks_connection_->Interrupt();
  }
  if (masks_thread_.joinable()) masks_thread_.join();
}

void QueryService::ComputeMasks(const std::shared_ptr<SandboxDatabase>& sandbox) {
  for (const MergeSource& source : sandbox->pending_masks()) {
    auto connection = sandbox->Connect();
    if (!connection.ok()) break;
    {
      std::lock_guard lock(masks_mu_);
      if (stopping_) break;
      masks_connection_ = &*connection;
    }
    const Status computed = SandboxDatabase::ComputeMasks(*connection, source).status();
    {
      std::lock_guard lock(masks_mu_);
      masks_connection_ = nullptr;
    }
    if (!computed.ok()) {
      log::Warn("cannot compute the rows a table's deltas hide; it stays served through a join",
                {{"table", source.table}, {"error", computed.ToString()}});
    }
  }
  std::lock_guard lock(masks_mu_);
  masks_done_for_ = sandbox;
  masks_busy_ = false;
}

void QueryService::AdvanceMasks() {
  if (!sandbox_ || sandbox_->pending_masks().empty()) return;
  std::unique_lock lock(masks_mu_);
  if (masks_busy_ || stopping_) return;
  // Compared by owner, not address: a new sandbox may reuse the address of a freed one.
  if (!masks_done_for_.owner_before(sandbox_) && !sandbox_.owner_before(masks_done_for_)) {
    // Computed: reopen with whatever is cached now. Marked done, so that a table whose masks did
    // not fit in the cache stays on the join instead of starting the computation again.
    lock.unlock();
    auto reopened = SandboxDatabase::Open(sandbox_->tables(), options_.sandbox, sandbox_->rescued(),
                                          MaskMode::kCachedOnly);
    if (!reopened.ok()) return;  // keep serving the current sandbox
    sandbox_ = std::move(reopened).value();
    lock.lock();
    masks_done_for_ = sandbox_;
    return;
  }
  if (masks_thread_.joinable()) masks_thread_.join();  // finished: masks_busy_ is false
  masks_busy_ = true;
  try {
    masks_thread_ = std::thread([this, sandbox = sandbox_] { ComputeMasks(sandbox); });
  } catch (const std::system_error&) {
    masks_busy_ = false;  // no thread to spare: the tables stay on the join for now
  }
}

std::vector<const S3ObjectStore*> QueryService::DownBuckets(
    const std::vector<const S3ObjectStore*>& buckets) const {
  std::vector<const S3ObjectStore*> down;
  for (const S3ObjectStore* bucket : buckets) {
    const Status probed = bucket->Probe();
    if (probed.code() != StatusCode::kUnavailable && probed.code() != StatusCode::kDeadlineExceeded) continue;
    down.push_back(bucket);
    if (options_.on_bucket_down) {
      options_.on_bucket_down(bucket->name(), probed,
                              options_.sandbox.rescue ? options_.sandbox.rescue->name() : std::string());
    }
  }
  return down;
}

Result<std::shared_ptr<SandboxDatabase>> QueryService::CurrentSandbox(bool recheck) {
  auto tables = provider_ ? provider_() : Result<std::vector<TableSource>>(std::vector<TableSource>{});
  if (!tables.ok()) return tables.status().WithContext("cannot list the lakehouse's tables");
  std::lock_guard lock(mu_);
  const bool same_tables = sandbox_ && sandbox_->tables() == *tables;
  if (same_tables && !recheck && sandbox_->rescued().empty()) {
    AdvanceMasks();
    return sandbox_;
  }
  std::vector<const S3ObjectStore*> down;
  if (options_.sandbox.rescue != nullptr) {
    // While serving from rescue, only the buckets that were down need asking again.
    down = DownBuckets(same_tables && !recheck
                           ? sandbox_->rescued()
                           : SandboxDatabase::S3BucketsOf(*tables, options_.sandbox.s3_buckets));
  }
  if (same_tables && down == sandbox_->rescued()) {
    AdvanceMasks();
    return sandbox_;
  }
  LH_ASSIGN_OR_RETURN(
      sandbox_, SandboxDatabase::Open(*tables, options_.sandbox, std::move(down), MaskMode::kCachedOnly));
  AdvanceMasks();
  return sandbox_;
}

StartedQuery QueryService::Begin(std::shared_ptr<SandboxDatabase> sandbox, const QueryRequest& request,
                                 std::int64_t timeout_ms) const {
  auto encoder = ResultEncoder::For(request.format);
  auto connection = sandbox->Connect();
  if (!connection.ok()) return {nullptr, QueryError{connection.status(), "", std::nullopt}};
  auto stream =
      std::make_unique<QueryStream>(std::move(sandbox), std::move(connection).value(), std::move(encoder),
                                    std::chrono::milliseconds(timeout_ms), options_.max_result_rows);
  if (auto error = stream->Begin(request.sql)) return {nullptr, std::move(error)};
  return {std::move(stream), std::nullopt};
}

StartedQuery QueryService::Start(const QueryRequest& request) {
  if (request.sql.find_first_not_of(" \t\r\n;") == std::string::npos) {
    return {nullptr, Invalid("sql is empty; send one read-only query, e.g. {\"sql\": \"SELECT 1\"}")};
  }
  if (request.sql.size() > kMaxSqlBytes) {
    return {nullptr,
            Invalid(fmt::format("sql is {} bytes; the limit is {} bytes", request.sql.size(), kMaxSqlBytes))};
  }
  const std::int64_t timeout_ms = request.timeout_ms.value_or(options_.timeout_ms);
  if (timeout_ms <= 0 || timeout_ms > options_.max_timeout_ms) {
    return {nullptr, Invalid(fmt::format("timeout_ms must be between 1 and {} (query.max_timeout_ms); got {}",
                                         options_.max_timeout_ms, timeout_ms))};
  }
  const auto open_own = [&] {
    // Time travel: a sandbox of its own, over the rescue bucket for buckets that are down now.
    std::vector<const S3ObjectStore*> down;
    if (options_.sandbox.rescue != nullptr) {
      down = DownBuckets(SandboxDatabase::S3BucketsOf(*request.tables, options_.sandbox.s3_buckets));
    }
    return SandboxDatabase::Open(*request.tables, options_.sandbox, std::move(down));
  };
  Result<std::shared_ptr<SandboxDatabase>> sandbox = request.tables ? open_own() : CurrentSandbox();
  if (!sandbox.ok()) return {nullptr, QueryError{sandbox.status(), "", std::nullopt}};
  StartedQuery started = Begin(*sandbox, request, timeout_ms);
  if (started.error && !request.tables && options_.sandbox.rescue != nullptr &&
      (*sandbox)->rescued().empty() &&
      !SandboxDatabase::S3BucketsOf((*sandbox)->tables(), options_.sandbox.s3_buckets).empty()) {
    // A bucket may have gone down since the sandbox was built: if so, the retry reads rescue.
    auto rechecked = CurrentSandbox(/*recheck=*/true);
    if (rechecked.ok() && *rechecked != *sandbox) {
      sandbox = std::move(rechecked);
      started = Begin(*sandbox, request, timeout_ms);
    }
  }
  if (!started.error && options_.sandbox.rescue != nullptr) {
    for (const S3ObjectStore* bucket : (*sandbox)->rescued()) {
      RescueReadScope::Note(bucket->name(), options_.sandbox.rescue->name());
    }
  }
  return started;
}

Result<Json> QueryService::Health() {
  LH_ASSIGN_OR_RETURN(auto sandbox, CurrentSandbox());
  LH_ASSIGN_OR_RETURN(auto connection, sandbox->Connect());
  LH_ASSIGN_OR_RETURN(auto result, connection.Query("SELECT 42"));
  LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
  if (!chunk || chunk->size() != 1) return Status::Internal("the query engine did not answer SELECT 42");
  return Json{{"engine", "duckdb"},
              {"version", engine::Database::Version()},
              {"tables", sandbox->tables().size()},
              {"tables_awaiting_masks", sandbox->pending_masks().size()}};
}

}  // namespace lakehouse::query
