#include "query/query_stream.h"

#include <fmt/format.h>

#include <utility>

namespace lakehouse::query {
namespace {

// How often the watchdog repeats an interrupt that DuckDB may have ignored.
constexpr auto kInterruptInterval = std::chrono::milliseconds(5);

// Marks a fetch in progress for the watchdog, for the lifetime of the guard.
class FetchGuard {
 public:
  explicit FetchGuard(std::atomic<bool>& flag) : flag_(flag) { flag_ = true; }
  FetchGuard(const FetchGuard&) = delete;
  FetchGuard& operator=(const FetchGuard&) = delete;
  ~FetchGuard() { flag_ = false; }

 private:
  std::atomic<bool>& flag_;
};

}  // namespace

QueryStream::QueryStream(std::shared_ptr<SandboxDatabase> sandbox, engine::Connection connection,
                         std::unique_ptr<ResultEncoder> encoder, std::chrono::milliseconds timeout,
                         std::uint64_t max_rows)
    : sandbox_(std::move(sandbox)),
      connection_(std::move(connection)),
      encoder_(std::move(encoder)),
      started_(std::chrono::steady_clock::now()),
      deadline_(started_ + timeout),
      max_rows_(max_rows) {
  watchdog_ = std::thread([this] { Watch(); });
}

QueryStream::~QueryStream() {
  {
    std::lock_guard lock(watch_mu_);
    done_ = true;
  }
  watch_cv_.notify_all();
  watchdog_.join();
}

void QueryStream::Watch() {
  std::unique_lock lock(watch_mu_);
  if (watch_cv_.wait_until(lock, deadline_, [this] { return done_; })) return;
  while (!done_) {
    if (in_fetch_) connection_.Interrupt();
    watch_cv_.wait_for(lock, kInterruptInterval, [this] { return done_; });
  }
}

std::int64_t QueryStream::ElapsedMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_)
      .count();
}

std::optional<QueryError> QueryStream::Begin(const std::string& sql) {
  auto statement = [&] {
    FetchGuard guard(in_fetch_);
    return connection_.Prepare(sql);
  }();
  if (!statement.ok()) {
    if (statement.status().message().find("Cannot prepare multiple statements") != std::string::npos) {
      return QueryError{
          Status::InvalidArgument("the SQL holds more than one statement; /query runs exactly one "
                                  "read-only query, so send them one at a time"),
          "", std::nullopt};
    }
    return QueryError::FromEngine(statement.status());
  }
  const std::string_view type = statement->statement_type();
  if (type != "SELECT") {
    return QueryError{
        Status::PermissionDenied(
            fmt::format("{} statements are not allowed: queries are read-only; use SELECT (or WITH, VALUES, "
                        "FROM, DESCRIBE, SHOW, SUMMARIZE)",
                        type)),
        "", std::nullopt};
  }
  statement_.emplace(std::move(statement).value());
  auto result = [&] {
    FetchGuard guard(in_fetch_);
    return statement_->Execute();
  }();
  if (!result.ok()) return QueryError::FromEngine(result.status());
  result_.emplace(std::move(result).value());
  return std::nullopt;
}

const std::vector<engine::Column>& QueryStream::columns() const {
  static const std::vector<engine::Column> kNone;
  return result_ ? result_->columns() : kNone;
}

bool QueryStream::Fail(QueryError error, std::string& out) {
  encoder_->Fail(error, out);
  error_ = std::move(error);
  finished_ = true;
  result_.reset();
  return false;
}

bool QueryStream::Read(std::string& out, std::size_t min_bytes) {
  if (finished_ || !result_) return false;
  const std::size_t start = out.size();
  if (!began_output_) {
    encoder_->BeginResult(*result_, out);
    began_output_ = true;
    if (auto failed = encoder_->TakeError()) return Fail(std::move(*failed), out);
  }
  while (out.size() - start < min_bytes) {
    if (std::chrono::steady_clock::now() >= deadline_) {
      return Fail(QueryError::FromEngine(Status::DeadlineExceeded("timeout")), out);
    }
    auto chunk = [&] {
      FetchGuard guard(in_fetch_);
      return result_->Next();
    }();
    if (!chunk.ok()) return Fail(QueryError::FromEngine(chunk.status()), out);
    if (!chunk->has_value()) {
      encoder_->End(rows_, ElapsedMs(), out);
      if (auto failed = encoder_->TakeError()) return Fail(std::move(*failed), out);
      finished_ = true;
      result_.reset();
      return false;
    }
    const engine::DataChunk& data = **chunk;
    if (rows_ + data.size() > max_rows_) {
      return Fail(QueryError{Status::ResourceExhausted(fmt::format(
                                 "the result has more than {} rows (query.max_result_rows); add a LIMIT, "
                                 "filter or aggregate",
                                 max_rows_)),
                             "", std::nullopt},
                  out);
    }
    encoder_->Rows(data, out);
    if (auto failed = encoder_->TakeError()) return Fail(std::move(*failed), out);
    rows_ += data.size();
  }
  return true;
}

}  // namespace lakehouse::query
