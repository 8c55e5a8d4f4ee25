#include "storage/append_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "common/json.h"
#include "common/log.h"
#include "storage/object_key.h"

namespace lakehouse {
namespace {

constexpr std::string_view kBatchStem = "batch_";
constexpr std::string_view kThrough = "_through_";
constexpr std::string_view kExtension = ".jsonl";
// A Scan whose batches keep vanishing under it (compactions faster than the read) gives up.
constexpr int kMaxScanRestarts = 16;
// Distinct batch names tried when another writer already holds the chosen epoch.
constexpr int kMaxNameAttempts = 64;

std::int64_t NowEpochUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A record is exactly one JSON object on one line. accept() parses without building a DOM, which
// keeps validation cheap enough for journals that append millions of records.
Status ValidateRecord(std::string_view json, bool parse) {
  // JSON allows raw control bytes only as whitespace, so any other one (NUL included, which the
  // parser would take for the end of input) is garbage; newlines would split the record.
  for (const char c : json) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      return Status::InvalidArgument(
          "an append-log record must be one line of JSON without raw control characters; serialise it "
          "compactly (no newline)");
    }
  }
  const std::size_t first = json.find_first_not_of(" \t");
  if (first == std::string_view::npos || json[first] != '{') {
    return Status::InvalidArgument(
        fmt::format("an append-log record must be a JSON object ({{...}}); got {} bytes starting with '{}'",
                    json.size(), json.substr(0, std::min<std::size_t>(json.size(), 16))));
  }
  if (parse && !Json::accept(json)) {
    Result<Json> parsed = ParseJson(json);  // only to say where the text goes wrong
    return Status::InvalidArgument(
        fmt::format("an append-log record is not valid JSON: {}",
                    parsed.ok() ? std::string("unknown syntax error") : parsed.status().message()));
  }
  return Status::OK();
}

bool ParseEpoch(std::string_view digits, std::int64_t& out) {
  if (digits.empty()) return false;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return error == std::errc() && end == digits.data() + digits.size() && out >= 0;
}

// One batch object as named under the prefix.
struct BatchName {
  std::string key;
  std::int64_t epoch_us = 0;    // when it was written
  std::int64_t through_us = 0;  // compacted: the newest batch merged; plain: == epoch_us
  bool compacted = false;
  std::int64_t order() const { return through_us; }
};

std::optional<BatchName> ParseBatchName(std::string_view prefix, const std::string& key) {
  std::string_view name(key);
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  if (!name.starts_with(kBatchStem) || !name.ends_with(kExtension)) return std::nullopt;
  name.remove_prefix(kBatchStem.size());
  name.remove_suffix(kExtension.size());
  BatchName batch;
  batch.key = key;
  const std::size_t through = name.find(kThrough);
  if (through == std::string_view::npos) {
    if (!ParseEpoch(name, batch.epoch_us)) return std::nullopt;
    batch.through_us = batch.epoch_us;
    return batch;
  }
  if (!ParseEpoch(name.substr(0, through), batch.epoch_us) ||
      !ParseEpoch(name.substr(through + kThrough.size()), batch.through_us)) {
    return std::nullopt;
  }
  batch.compacted = true;
  return batch;
}

// The batches a reader must read, oldest first: the compacted batch reaching furthest (it holds
// every batch at or before its `through`), then the plain batches after it. `stale` gets the
// batches that batch already covers (left behind by a compaction that has not deleted them yet).
std::vector<BatchName> LiveBatches(std::vector<BatchName> all, std::vector<BatchName>* stale) {
  const BatchName* newest_compacted = nullptr;
  for (const BatchName& batch : all) {
    if (!batch.compacted) continue;
    if (newest_compacted == nullptr || batch.through_us > newest_compacted->through_us ||
        (batch.through_us == newest_compacted->through_us && batch.epoch_us > newest_compacted->epoch_us)) {
      newest_compacted = &batch;
    }
  }
  std::vector<BatchName> live;
  if (newest_compacted == nullptr) {
    live = std::move(all);
  } else {
    const BatchName keep = *newest_compacted;
    live.push_back(keep);
    for (BatchName& batch : all) {
      if (batch.key == keep.key) continue;
      if (batch.order() <= keep.through_us) {
        if (stale != nullptr) stale->push_back(std::move(batch));
      } else {
        live.push_back(std::move(batch));
      }
    }
  }
  std::sort(live.begin(), live.end(), [](const BatchName& a, const BatchName& b) {
    return a.order() != b.order() ? a.order() < b.order() : a.key < b.key;
  });
  return live;
}

// Inside a compacted batch, the records of each merged batch follow one marker line
// `["batch",<epoch_us>]`: a JSON array, so it can never be mistaken for a record (an object).
std::string MarkerLine(std::int64_t epoch_us) { return fmt::format("[\"batch\",{}]\n", epoch_us); }

bool ParseMarker(std::string_view line, std::int64_t& epoch_us) {
  constexpr std::string_view kOpen = "[\"batch\",";
  if (!line.starts_with(kOpen) || !line.ends_with(']')) return false;
  return ParseEpoch(line.substr(kOpen.size(), line.size() - kOpen.size() - 1), epoch_us);
}

// Calls `visit(line, source_epoch_us)` for each record of one batch object, in order. Returns
// false from the visitor to stop (then `stopped` is set). A line that is neither a record nor a
// marker makes the batch corrupt: IOError naming the object and line.
Status ForEachRecord(const BatchName& batch, std::string_view content,
                     const std::function<bool(std::string_view, std::int64_t)>& visit, bool& stopped) {
  std::int64_t source_epoch = batch.epoch_us;
  std::size_t line_number = 0;
  std::size_t position = 0;
  while (position < content.size()) {
    std::size_t end = content.find('\n', position);
    if (end == std::string_view::npos) end = content.size();
    const std::string_view line = content.substr(position, end - position);
    position = end + 1;
    ++line_number;
    if (line.empty()) continue;
    if (batch.compacted && line.front() == '[') {
      if (!ParseMarker(line, source_epoch)) {
        return Status::IOError(
            fmt::format("append-log batch '{}' line {} is a damaged marker; restore the "
                        "object from a backup or delete it",
                        batch.key, line_number));
      }
      continue;
    }
    if (line.front() != '{') {
      return Status::IOError(fmt::format(
          "append-log batch '{}' line {} is not a JSON object; the object was damaged outside Lakehouse: "
          "restore it from a backup or delete it",
          batch.key, line_number));
    }
    if (!visit(line, source_epoch)) {
      stopped = true;
      return Status::OK();
    }
  }
  return Status::OK();
}

}  // namespace

std::optional<std::int64_t> AppendLogBatchOrder(std::string_view prefix, const std::string& key) {
  std::optional<BatchName> batch = ParseBatchName(prefix, key);
  if (!batch) return std::nullopt;
  return batch->order();
}

struct AppendLog::State {
  ObjectStore* bucket = nullptr;
  AppendLogOptions options;

  // Guards everything below up to the ring; held only for memory operations, never during I/O.
  mutable std::mutex mu;
  std::condition_variable changed;  // a flush finished, records arrived, or stop was asked
  std::vector<std::string> buffer;
  std::size_t buffer_bytes = 0;
  std::chrono::steady_clock::time_point first_buffered;
  std::size_t in_flight_records = 0;  // taken out of `buffer` by the flush in progress
  std::size_t in_flight_bytes = 0;
  bool flushing = false;
  bool stopping = false;
  std::int64_t last_epoch_us = 0;
  std::thread timer;

  // The newest records, for Recent(); its own lock so readers never wait behind appends.
  mutable std::mutex ring_mu;
  std::vector<std::string> ring;
  std::size_t ring_next = 0;  // where the next record goes once the ring is full

  std::mutex compact_mu;  // one Compact() at a time in this process

  // A fresh batch time, strictly increasing within the process even if the clock steps back.
  std::int64_t NextEpochLocked() {
    last_epoch_us = std::max(NowEpochUs(), last_epoch_us + 1);
    return last_epoch_us;
  }

  bool FullLocked(std::size_t extra_bytes) const {
    const std::size_t records = buffer.size() + in_flight_records;
    const std::size_t bytes = buffer_bytes + in_flight_bytes;
    if (records == 0) return false;  // a lone record larger than flush_bytes is still accepted
    return records >= options.flush_records || bytes + extra_bytes > options.flush_bytes;
  }

  void Remember(std::string record) {
    if (options.recent_capacity == 0) return;
    std::lock_guard lock(ring_mu);
    RememberLocked(std::move(record));
  }

  void RememberLocked(std::string record) {
    if (ring.size() < options.recent_capacity) {
      ring.push_back(std::move(record));
      return;
    }
    ring[ring_next] = std::move(record);
    ring_next = (ring_next + 1) % ring.size();
  }

  void PushLocked(std::string record) {
    if (buffer.empty()) first_buffered = std::chrono::steady_clock::now();
    buffer_bytes += record.size() + 1;
    buffer.push_back(std::move(record));
  }

  // Writes `content` under a new batch name. If the name exists with the same bytes, an earlier
  // attempt whose answer was lost already wrote it; a different object there belongs to another
  // writer, so the next free epoch is tried. `epoch_us` ends as the name's epoch.
  Status WriteBatch(const std::string& content, std::int64_t& epoch_us) {
    for (int attempt = 0; attempt < kMaxNameAttempts; ++attempt) {
      const std::string key = fmt::format("{}{}{}{}", options.prefix, kBatchStem, epoch_us, kExtension);
      Status put = bucket->PutIfAbsent(key, content);
      if (put.ok()) return put;
      if (put.code() != StatusCode::kAlreadyExists) return put;
      Result<std::string> existing = bucket->Get(key);
      if (existing.ok() && *existing == content) return Status::OK();
      std::lock_guard lock(mu);
      epoch_us = NextEpochLocked();
    }
    return Status::Unavailable(fmt::format(
        "could not find a free batch name under '{}' in bucket '{}' after {} attempts; is another process "
        "writing this log with a clock far ahead?",
        options.prefix, bucket->name(), kMaxNameAttempts));
  }

  // Writes the whole buffer as one batch. Called and returns with `lock` held and no flush in
  // progress; releases it during the write so appends continue. On failure the records go back to
  // the front of the buffer, ahead of anything appended meanwhile, so order is kept. On success,
  // `written` (if given) gets the batch.
  Status FlushLocked(std::unique_lock<std::mutex>& lock, AppendLogBatch* written_batch = nullptr) {
    if (buffer.empty()) return Status::OK();
    flushing = true;
    std::vector<std::string> batch = std::move(buffer);
    buffer.clear();
    in_flight_records = batch.size();
    in_flight_bytes = buffer_bytes;
    buffer_bytes = 0;
    const auto first = first_buffered;
    std::int64_t epoch_us = NextEpochLocked();
    lock.unlock();

    std::string content;
    content.reserve(in_flight_bytes);
    for (const std::string& record : batch) {
      content += record;
      content += '\n';
    }
    Status written = WriteBatch(content, epoch_us);
    if (written.ok() && written_batch != nullptr) {
      written_batch->epoch_us = epoch_us;
      written_batch->content = std::make_shared<const std::string>(std::move(content));
    }

    lock.lock();
    if (!written.ok()) {
      first_buffered = first;
      buffer_bytes += in_flight_bytes;
      buffer.insert(buffer.begin(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
      written = written.WithContext(
          fmt::format("append log '{}' in bucket '{}' could not write {} records (kept in memory; retried on "
                      "the next flush)",
                      options.prefix, bucket->name(), batch.size()));
    }
    in_flight_records = 0;
    in_flight_bytes = 0;
    flushing = false;
    changed.notify_all();
    return written;
  }

  void RunTimer() {
    std::unique_lock lock(mu);
    while (!stopping) {
      if (buffer.empty() || flushing) {
        changed.wait(lock);
        continue;
      }
      const auto due = first_buffered + options.flush_interval;
      if (std::chrono::steady_clock::now() < due) {
        changed.wait_until(lock, due);
        continue;
      }
      Status flushed = FlushLocked(lock);
      if (!flushed.ok()) {
        log::Warn("append log flush failed", Json{{"error", flushed.ToString()}});
        // Wait a whole interval before trying again instead of spinning on a bucket that is down.
        first_buffered = std::chrono::steady_clock::now();
      }
    }
  }
};

AppendLog::AppendLog(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<AppendLog>> AppendLog::Open(ObjectStore& bucket, AppendLogOptions options) {
  if (options.prefix.empty() || !options.prefix.ends_with('/')) {
    return Status::InvalidArgument(fmt::format(
        "append log prefix '{}' must name a folder ending in '/', e.g. \"_errors/bucket_errors/\"",
        options.prefix));
  }
  LH_RETURN_IF_ERROR(ValidateObjectPrefix(options.prefix));
  if (options.flush_records == 0 || options.flush_bytes == 0 || options.flush_interval.count() <= 0) {
    return Status::InvalidArgument(
        fmt::format("append log '{}': flush_records, flush_bytes and flush_interval must all be positive",
                    options.prefix));
  }
  auto state = std::make_unique<State>();
  state->bucket = &bucket;
  state->options = std::move(options);
  state->last_epoch_us = std::max<std::int64_t>(state->options.min_epoch_us, 0);
  state->ring.reserve(std::min<std::size_t>(state->options.recent_capacity, 4096));
  std::unique_ptr<AppendLog> log(new AppendLog(std::move(state)));
  State* raw = log->state_.get();
  raw->timer = std::thread([raw] { raw->RunTimer(); });
  return log;
}

AppendLog::~AppendLog() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    s.stopping = true;
  }
  s.changed.notify_all();
  if (s.timer.joinable()) s.timer.join();
  std::unique_lock lock(s.mu);
  s.changed.wait(lock, [&] { return !s.flushing; });
  Status flushed = s.FlushLocked(lock);
  if (!flushed.ok()) {
    log::Error("append log lost its unflushed records at shutdown",
               Json{{"error", flushed.ToString()}, {"records", s.buffer.size()}});
  }
}

Status AppendLog::Append(std::string json) {
  LH_RETURN_IF_ERROR(ValidateRecord(json, state_->options.parse_records));
  State& s = *state_;
  std::unique_lock lock(s.mu);
  // Keep at most one buffer's worth of records not yet durable (the crash bound): wait for a flush
  // in progress, or write the full buffer first when no one is writing it (a failed earlier flush).
  while (s.FullLocked(json.size() + 1)) {
    if (s.flushing) {
      s.changed.wait(lock);
      continue;
    }
    LH_RETURN_IF_ERROR(s.FlushLocked(lock));
  }
  s.Remember(json);
  const bool was_empty = s.buffer.empty();
  s.PushLocked(std::move(json));
  if (s.FullLocked(0) && !s.flushing) {
    Status flushed = s.FlushLocked(lock);
    // The record is buffered either way; the failure surfaces on the next Append if it persists.
    if (!flushed.ok()) log::Warn("append log flush failed", Json{{"error", flushed.ToString()}});
  } else if (was_empty) {
    s.changed.notify_all();  // start the timer's clock
  }
  return Status::OK();
}

Status AppendLog::AppendDurable(std::vector<std::string> records, AppendLogBatch* written) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (Status valid = ValidateRecord(records[i], state_->options.parse_records); !valid.ok()) {
      return valid.WithContext(fmt::format("record {} of {}", i, records.size()));
    }
  }
  State& s = *state_;
  // Only the newest records can stay in the recent ring: copy those before the batch moves away.
  const std::size_t kept = std::min(records.size(), s.options.recent_capacity);
  std::vector<std::string> newest(records.end() - static_cast<std::ptrdiff_t>(kept), records.end());
  std::unique_lock lock(s.mu);
  s.changed.wait(lock, [&] { return !s.flushing; });
  const std::size_t before = s.buffer.size();
  for (std::string& record : records) s.PushLocked(std::move(record));
  Status flushed = s.FlushLocked(lock, written);
  if (!flushed.ok()) {
    // The caller is told these records were not written, so they must never be written later:
    // take them back out (records buffered before them stay, in order, for the next flush).
    const auto first = s.buffer.begin() + static_cast<std::ptrdiff_t>(before);
    for (auto it = first; it != first + static_cast<std::ptrdiff_t>(records.size()); ++it) {
      s.buffer_bytes -= it->size() + 1;
    }
    s.buffer.erase(first, first + static_cast<std::ptrdiff_t>(records.size()));
    return flushed;
  }
  lock.unlock();
  std::lock_guard ring_lock(s.ring_mu);
  for (std::string& record : newest) s.RememberLocked(std::move(record));
  return Status::OK();
}

Status AppendLog::Flush() {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  s.changed.wait(lock, [&] { return !s.flushing; });
  return s.FlushLocked(lock);
}

Result<std::size_t> AppendLog::Compact() {
  State& s = *state_;
  std::lock_guard compacting(s.compact_mu);
  LH_ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, s.bucket->List(s.options.prefix));
  std::vector<BatchName> all;
  for (const ObjectInfo& info : listed) {
    if (std::optional<BatchName> batch = ParseBatchName(s.options.prefix, info.key)) all.push_back(*batch);
  }
  std::vector<BatchName> stale;
  std::vector<BatchName> live = LiveBatches(std::move(all), &stale);
  if (live.size() <= 1) {
    for (const BatchName& batch : stale) LH_RETURN_IF_ERROR(s.bucket->Delete(batch.key));
    return std::size_t{0};
  }

  std::string merged;
  for (const BatchName& batch : live) {
    LH_ASSIGN_OR_RETURN(std::string content, s.bucket->Get(batch.key));
    if (batch.compacted) {
      merged += content;  // already carries its markers
    } else {
      merged += MarkerLine(batch.epoch_us);
      merged += content;
    }
    if (!merged.empty() && merged.back() != '\n') merged += '\n';
  }
  const std::int64_t through = live.back().order();
  std::int64_t epoch_us = 0;
  {
    std::lock_guard lock(s.mu);
    epoch_us = s.NextEpochLocked();
  }
  const std::string key =
      fmt::format("{}{}{}{}{}{}", s.options.prefix, kBatchStem, epoch_us, kThrough, through, kExtension);
  LH_RETURN_IF_ERROR(s.bucket->PutIfAbsent(key, merged));
  // Only now is every merged record in the new object; readers that still list the old batches
  // order the new one at `through` and skip them, so deleting is safe in any order.
  for (const BatchName& batch : live) LH_RETURN_IF_ERROR(s.bucket->Delete(batch.key));
  for (const BatchName& batch : stale) LH_RETURN_IF_ERROR(s.bucket->Delete(batch.key));
  return live.size();
}

Status AppendLog::Scan(const std::function<bool(const AppendLogRecord&)>& visit, std::int64_t since_epoch_us,
                       const std::function<bool(std::int64_t order)>& skip,
                       const std::function<bool(std::string_view content)>& wanted) {
  State& s = *state_;
  // Every record belongs to the batch it was first written in (`source` epoch); records come out in
  // source order. If a batch vanishes mid-scan (a compaction merged and deleted it), listing again
  // finds the compacted batch, and records of sources already delivered are skipped.
  std::int64_t delivered_through = since_epoch_us - 1;  // sources <= this are done
  for (int restart = 0; restart <= kMaxScanRestarts; ++restart) {
    LH_ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, s.bucket->List(s.options.prefix));
    std::vector<BatchName> all;
    for (const ObjectInfo& info : listed) {
      if (std::optional<BatchName> batch = ParseBatchName(s.options.prefix, info.key)) all.push_back(*batch);
    }
    bool vanished = false;
    for (const BatchName& batch : LiveBatches(std::move(all), nullptr)) {
      if (batch.order() <= delivered_through) continue;
      if (skip && skip(batch.order())) continue;
      Result<std::string> content = s.bucket->Get(batch.key);
      if (!content.ok() && content.status().code() == StatusCode::kNotFound) {
        vanished = true;
        break;
      }
      if (!content.ok()) return content.status();
      if (wanted && !wanted(*content)) {
        delivered_through = std::max(delivered_through, batch.order());
        continue;
      }
      bool stopped = false;
      AppendLogRecord record;
      LH_RETURN_IF_ERROR(ForEachRecord(
          batch, *content,
          [&](std::string_view line, std::int64_t source) {
            if (source <= delivered_through) return true;
            record.json.assign(line);
            record.batch_epoch_us = source;
            return visit(record);
          },
          stopped));
      if (stopped) return Status::OK();
      delivered_through = std::max(delivered_through, batch.order());
    }
    if (!vanished) return Status::OK();
  }
  return Status::Unavailable(fmt::format(
      "append log '{}' in bucket '{}' kept changing under the scan (batches compacted away {} times); retry",
      s.options.prefix, s.bucket->name(), kMaxScanRestarts));
}

std::vector<std::string> AppendLog::Recent(std::size_t limit) const {
  const State& s = *state_;
  std::lock_guard lock(s.ring_mu);
  const std::size_t count = std::min(limit, s.ring.size());
  std::vector<std::string> out;
  out.reserve(count);
  // The newest record sits just before ring_next (once the ring has wrapped) or at the back.
  const std::size_t size = s.ring.size();
  const std::size_t newest = s.ring_next == 0 ? size - 1 : s.ring_next - 1;
  for (std::size_t i = 0; i < count; ++i) out.push_back(s.ring[(newest + size - i) % size]);
  return out;
}

std::size_t AppendLog::buffered() const {
  const State& s = *state_;
  std::lock_guard lock(s.mu);
  return s.buffer.size() + s.in_flight_records;
}

}  // namespace lakehouse
