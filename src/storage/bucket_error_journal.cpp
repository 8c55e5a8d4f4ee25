#include "storage/bucket_error_journal.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <random>
#include <set>

#include "common/log.h"

namespace lakehouse {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

std::int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Rfc3339(std::int64_t epoch_us) {
  const std::chrono::sys_time<std::chrono::microseconds> time{std::chrono::microseconds(epoch_us)};
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", time);
}

// Replaces the token after each `marker` (up to a space, comma, quote or ';') by [redacted].
void RedactAfter(std::string& text, std::string_view marker) {
  std::size_t from = 0;
  while ((from = text.find(marker, from)) != std::string::npos) {
    const std::size_t start = from + marker.size();
    std::size_t end = start;
    while (end < text.size() && text[end] == ' ') ++end;
    while (end < text.size() && std::string_view(" ,;\"'\n").find(text[end]) == std::string_view::npos) ++end;
    text.replace(start, end - start, kRedacted);
    from = start + kRedacted.size();
  }
}

bool Matches(const Json& record, const BucketErrorQuery& query) {
  if (!record.is_object()) return false;
  if (!query.bucket.empty() && record.value("bucket", "") != query.bucket) return false;
  if (!query.op.empty() && record.value("op", "") != query.op) return false;
  const std::int64_t time = record.value("time_us", std::int64_t{0});
  return time >= query.since_us && time <= query.until_us;
}

}  // namespace

const std::vector<std::string>& BucketErrorJournal::Operations() {
  static const std::vector<std::string> kOps = {"put",   "put_if_absent", "get",          "get_range",
                                                "head",  "list",          "delete",       "new_writer",
                                                "write", "commit",        "health_probe", "query_read"};
  return kOps;
}

Result<std::unique_ptr<BucketErrorJournal>> BucketErrorJournal::Open(ObjectStore& primary,
                                                                     AppendLogOptions options) {
  options.prefix = std::string(kBucketErrorsPrefix);
  const std::size_t recent = options.recent_capacity;
  LH_ASSIGN_OR_RETURN(std::unique_ptr<AppendLog> log, AppendLog::Open(primary, std::move(options)));
  std::unique_ptr<BucketErrorJournal> journal(new BucketErrorJournal(std::move(log)));
  journal->recent_capacity_ = recent;
  std::random_device random;
  journal->process_token_ = fmt::format("{:x}-{:08x}", ::getpid(), random());
  return journal;
}

void BucketErrorJournal::AddSecret(std::string value) {
  if (value.size() < 4) return;
  std::lock_guard lock(secrets_mu_);
  if (std::find(secrets_.begin(), secrets_.end(), value) == secrets_.end())
    secrets_.push_back(std::move(value));
}

std::string BucketErrorJournal::Scrub(std::string_view text) const {
  std::string out(text);
  {
    std::lock_guard lock(secrets_mu_);
    for (const std::string& secret : secrets_) {
      std::size_t at = 0;
      while ((at = out.find(secret, at)) != std::string::npos) {
        out.replace(at, secret.size(), kRedacted);
        at += kRedacted.size();
      }
    }
  }
  for (std::string_view marker : {"Credential=", "Signature=", "Authorization:", "X-Amz-Security-Token="}) {
    RedactAfter(out, marker);
  }
  return out;
}

namespace {
thread_local RequestIdScope* innermost_request = nullptr;
}  // namespace

RequestIdScope::RequestIdScope(std::string request_id)
    : outer_(innermost_request), request_id_(std::move(request_id)) {
  innermost_request = this;
}

RequestIdScope::~RequestIdScope() { innermost_request = outer_; }

std::string_view RequestIdScope::Current() {
  return innermost_request == nullptr ? std::string_view() : std::string_view(innermost_request->request_id_);
}

void BucketErrorJournal::Record(std::string_view bucket, std::string_view op, std::string_view key,
                                const Status& failure, std::string_view served_from) {
  static std::atomic<std::uint64_t> sequence{0};
  const std::int64_t now = NowUs();
  Json record = {{"id", fmt::format("{}-{}", process_token_, sequence.fetch_add(1))},
                 {"time_us", now},
                 {"time", Rfc3339(now)},
                 {"bucket", std::string(bucket)},
                 {"op", std::string(op)},
                 {"key", Scrub(key)},
                 {"code", std::string(StatusCodeName(failure.code()))},
                 {"message", Scrub(failure.message())}};
  if (!served_from.empty()) record["served_from"] = std::string(served_from);
  if (const std::string_view request_id = RequestIdScope::Current(); !request_id.empty()) {
    record["request_id"] = std::string(request_id);
  }
  // Warn, not error: the caller gets the failure and decides how bad it is.
  log::Warn("bucket operation failed", record);
  if (Status appended = log_->Append(ToJsonText(record)); !appended.ok()) {
    log::Error("could not journal a bucket failure", Json{{"error", Scrub(appended.ToString())}});
  }
}

Result<std::vector<Json>> BucketErrorJournal::Query(const BucketErrorQuery& query) {
  std::vector<Json> newest_first;
  std::set<std::string> seen;
  for (const std::string& text : log_->Recent(recent_capacity_)) {
    Result<Json> record = ParseJson(text);
    if (!record.ok() || !Matches(*record, query)) continue;
    seen.insert(record->value("id", ""));
    newest_first.push_back(std::move(record).value());
  }
  // The ring holds this process's newest records without a gap, so when it alone fills the limit
  // nothing older can belong in the answer.
  if (newest_first.size() < query.limit) {
    std::deque<Json> older;  // the newest `limit` matches among the objects, oldest first
    Status scanned = log_->Scan(
        [&](const AppendLogRecord& durable) {
          Result<Json> record = ParseJson(durable.json);
          if (!record.ok() || !Matches(*record, query)) return true;
          if (seen.contains(record->value("id", ""))) return true;
          older.push_back(std::move(record).value());
          if (older.size() > query.limit) older.pop_front();
          return true;
        },
        query.since_us);
    if (!scanned.ok()) return scanned.WithContext("cannot read older bucket errors");
    for (auto it = older.rbegin(); it != older.rend(); ++it) newest_first.push_back(std::move(*it));
  }
  std::stable_sort(newest_first.begin(), newest_first.end(), [](const Json& a, const Json& b) {
    return a.value("time_us", std::int64_t{0}) > b.value("time_us", std::int64_t{0});
  });
  if (newest_first.size() > query.limit) newest_first.resize(query.limit);
  return newest_first;
}

Status BucketErrorJournal::Flush() { return log_->Flush(); }

}  // namespace lakehouse
