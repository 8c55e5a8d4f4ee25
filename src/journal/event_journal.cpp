#include "journal/event_journal.h"

#include <fmt/format.h>
#include <string.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <random>
#include <set>

#include "catalog/writer_lease.h"
#include "common/log.h"

namespace lakehouse::journal {
namespace {

std::int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The exact text EventToJson writes for a string field, to skip records cheaply before parsing.
std::string Needle(const char* field, const std::string& value) {
  return fmt::format("\"{}\":{}", field, ToJsonText(Json(value)));
}

// True if `needle` occurs in `text`. glibc's memmem: std::string_view::find steps from one match
// of the needle's first character to the next, and every field of a record starts with a quote.
bool Contains(std::string_view text, std::string_view needle) {
  return ::memmem(text.data(), text.size(), needle.data(), needle.size()) != nullptr;
}

// The writer lease (catalog/writer_lease.h) a compaction holds; never a dataset's ('-' is not
// allowed in dataset names).
constexpr std::string_view kCompactionLease = "journal-events";

// Segments merged at once, and the size classes (x8 each, from 64 KiB) that decide when.
constexpr std::size_t kMergeFanIn = 8;
int SizeClass(std::uint64_t bytes) {
  int size_class = 0;
  for (std::uint64_t limit = 64u << 10; bytes > limit && size_class < 24; limit *= kMergeFanIn) ++size_class;
  return size_class;
}

// How often the background thread looks for batches whose grace has passed.
constexpr std::chrono::milliseconds kCleanupPoll{5000};

}  // namespace

// The journal's objects as one listing shows them.
struct EventJournal::Layout {
  std::vector<SegmentName> segments;                             // the live segments, oldest range first
  std::vector<std::pair<SegmentName, std::int64_t>> superseded;  // and the epoch superseding each
  std::int64_t covered_through = 0;  // JSONL batches at or before this are in a segment
  struct Batch {
    std::string key;
    std::int64_t order = 0;
    std::uint64_t size = 0;
    bool merged = false;  // an AppendLog-compacted batch (from before segments existed)
  };
  std::vector<Batch> pending;  // JSONL batches no segment holds, oldest first
  std::vector<Batch> covered;  // JSONL batches a segment holds (deleted after the grace)
  std::int64_t newest = 0;     // the newest time any name carries
};

EventJournal::EventJournal(ObjectStore& primary, EventJournalOptions options, std::unique_ptr<AppendLog> log,
                           std::unique_ptr<EventSegments> segments)
    : primary_(primary), options_(std::move(options)), log_(std::move(log)), segments_(std::move(segments)) {}

Result<EventJournal::Layout> EventJournal::List() {
  LH_ASSIGN_OR_RETURN(auto listed, primary_.List(kEventPrefix));
  Layout layout;
  std::vector<SegmentName> segments;
  std::vector<Layout::Batch> batches;
  for (auto& info : listed) {
    if (auto segment = ParseSegmentName(kEventPrefix, info.key)) {
      segment->size = info.size;
      layout.newest = std::max({layout.newest, segment->through_us, segment->epoch_us});
      segments.push_back(std::move(*segment));
    } else if (auto order = AppendLogBatchOrder(kEventPrefix, info.key)) {
      const bool merged = info.key.find("_through_") != std::string::npos;
      layout.newest = std::max(layout.newest, *order);
      batches.push_back({std::move(info.key), *order, info.size, merged});
    }
  }
  layout.segments = LiveSegments(std::move(segments), &layout.superseded);
  for (const SegmentName& segment : layout.segments) {
    layout.covered_through = std::max(layout.covered_through, segment.through_us);
  }
  std::sort(batches.begin(), batches.end(),
            [](const Layout::Batch& a, const Layout::Batch& b) { return a.order < b.order; });
  for (auto& batch : batches) {
    (batch.order <= layout.covered_through ? layout.covered : layout.pending).push_back(std::move(batch));
  }
  return layout;
}

Result<std::unique_ptr<EventJournal>> EventJournal::Open(ObjectStore& primary, EventJournalOptions options) {
  LH_ASSIGN_OR_RETURN(auto segments,
                      EventSegments::Open(primary, std::string(kEventPrefix), options.scratch_parent));
  AppendLogOptions log_options;
  log_options.prefix = std::string(kEventPrefix);
  // Every write of the journal is acknowledged, so records go out with AppendDurable; the
  // thresholds only matter for the (unused) buffered path.
  log_options.flush_records = 100000;
  log_options.flush_bytes = 64 << 20;
  log_options.parse_records = false;  // EventToJsonText writes every record
  std::unique_ptr<EventJournal> journal(
      new EventJournal(primary, std::move(options), nullptr, std::move(segments)));
  LH_ASSIGN_OR_RETURN(Layout layout, journal->List());
  // New batches must sort after every existing name, or a segment could claim a batch it lacks.
  log_options.min_epoch_us = layout.newest;
  LH_ASSIGN_OR_RETURN(journal->log_, AppendLog::Open(primary, log_options));
  for (const auto& batch : layout.pending) {
    journal->tail_batches_ += 1;
    journal->tail_bytes_ += batch.size;
  }
  const bool has_merged = std::any_of(layout.pending.begin(), layout.pending.end(),
                                      [](const Layout::Batch& b) { return b.merged; });
  if (journal->options_.background) {
    {
      std::lock_guard lock(journal->wake_mu_);
      journal->cleanup_pending_ = !layout.covered.empty();
    }
    // AppendLog-compacted batches (written before segments existed) are not readable as plain
    // JSON lines; turn them into a segment soon.
    if (has_merged) journal->tail_batches_ += journal->options_.compact_after_batches;
    EventJournal* raw = journal.get();
    journal->compactor_ = std::thread([raw] { raw->RunCompactor(); });
  }
  return journal;
}

EventJournal::~EventJournal() {
  {
    std::lock_guard lock(wake_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (compactor_.joinable()) compactor_.join();
}

bool EventJournal::CompactionDue() const {
  return (options_.compact_after_batches > 0 && tail_batches_.load() >= options_.compact_after_batches) ||
         (options_.compact_after_bytes > 0 && tail_bytes_.load() >= options_.compact_after_bytes);
}

void EventJournal::RunCompactor() {
  std::unique_lock lock(wake_mu_);
  while (!stopping_) {
    wake_.wait_for(lock, kCleanupPoll, [&] { return stopping_ || CompactionDue(); });
    if (stopping_) break;
    if (!CompactionDue() && !cleanup_pending_) continue;
    lock.unlock();
    auto done = Compact();
    if (!done.ok()) {
      log::Warn("event journal compaction failed; the events stay in their batches and it is retried",
                Json{{"error", done.status().ToString()}});
    }
    lock.lock();
    // After a failure, wait a whole poll before trying again instead of spinning on a bucket that
    // is down.
    if (!done.ok()) wake_.wait_for(lock, kCleanupPoll, [&] { return stopping_; });
  }
}

Status EventJournal::Record(std::vector<Event> events) {
  if (events.empty()) return Status::OK();
  std::vector<std::string> lines;
  lines.reserve(events.size());
  std::uint64_t bytes = 0;
  TailBatch tail;
  tail.records.reserve(events.size());
  for (const Event& e : events) tail.records.push_back(RecordHash(e.dataset, e.key.value_or("")));
  std::sort(tail.records.begin(), tail.records.end());
  tail.records.erase(std::unique(tail.records.begin(), tail.records.end()), tail.records.end());
  {
    std::lock_guard lock(mu_);
    const std::int64_t ts = std::max(NowMicros(), last_ts_us_ + 1);
    last_ts_us_ = ts;
    std::random_device random;
    const std::string stem = fmt::format("ev-{:x}-{:08x}", ts, random());
    const std::string iso_ts = IsoTime(ts);
    for (std::size_t i = 0; i < events.size(); ++i) {
      events[i].ts_us = ts;
      events[i].event_id = fmt::format("{}-{}", stem, i);
      lines.push_back(EventToJsonText(events[i], iso_ts));
      bytes += lines.back().size() + 1;
    }
  }
  AppendLogBatch written;
  LH_RETURN_IF_ERROR(log_->AppendDurable(std::move(lines), &written));
  if (written.content) {
    std::lock_guard lock(tail_mu_);
    tail_content_bytes_ += written.content->size();
    tail.content = std::move(written.content);
    tail_.emplace(written.epoch_us, std::move(tail));
    // Over the bounds, the oldest content goes first (a lookup reads it from the bucket), then
    // the oldest batches altogether.
    for (auto it = tail_.lower_bound(tail_content_from_);
         tail_content_bytes_ > kTailCacheBytes && it != tail_.end(); ++it) {
      if (it->second.content) tail_content_bytes_ -= it->second.content->size();
      it->second.content.reset();
      tail_content_from_ = it->first + 1;
    }
    while (tail_.size() > kTailBatches) {
      if (tail_.begin()->second.content) tail_content_bytes_ -= tail_.begin()->second.content->size();
      tail_.erase(tail_.begin());
    }
  }
  // The compactor runs on its own thread: an append never waits for it.
  tail_batches_ += 1;
  tail_bytes_ += bytes;
  if (options_.background && CompactionDue()) wake_.notify_all();
  return Status::OK();
}

Result<std::vector<Event>> EventJournal::Find(const EventFilter& filter, const CommittedCheck& committed) {
  std::vector<Event> out;
  if (filter.limit == 0) return out;
  LH_ASSIGN_OR_RETURN(Layout layout, List());
  LH_RETURN_IF_ERROR(segments_->Find(layout.segments, filter, [&](Event event) {
    if (committed && !committed(event)) return true;
    out.push_back(std::move(event));
    return out.size() < filter.limit;
  }));
  if (out.size() >= filter.limit) return out;

  // The JSONL batches no segment (of this listing) holds. A compaction meanwhile deletes them
  // only after the grace, so this scan still finds them.
  std::vector<std::string> needles;
  if (filter.dataset) needles.push_back(Needle("dataset", *filter.dataset));
  if (filter.key) needles.push_back(Needle("key", *filter.key));
  if (filter.actor) needles.push_back(Needle("actor", *filter.actor));
  const std::int64_t since = std::max(layout.covered_through + 1, filter.since_us.value_or(0));
  // Adds the record if it matches; false once the limit is reached.
  auto consider = [&](std::string_view record) {
    for (const auto& needle : needles) {
      if (!Contains(record, needle)) return true;
    }
    auto json = ParseJson(record);
    if (!json.ok()) return true;  // AppendLog only stores objects; skip anything else
    auto event = EventFromJson(*json);
    if (!event.ok() || !filter.Matches(*event)) return true;
    if (committed && !committed(*event)) return true;
    out.push_back(std::move(event).value());
    return out.size() < filter.limit;
  };
  // A batch without every needle holds no match: it is passed over whole.
  auto holds_needles = [&](std::string_view content) {
    return std::all_of(needles.begin(), needles.end(),
                       [&](const std::string& needle) { return Contains(content, needle); });
  };
  // Of the batches this object wrote, those without the looked-for record are passed over and
  // the cached ones come from memory, in batch order with the ones read from the bucket.
  std::optional<std::uint64_t> wanted_record;
  if (filter.dataset && filter.key) wanted_record = RecordHash(*filter.dataset, *filter.key);
  std::set<std::int64_t> passed_over;
  std::map<std::int64_t, std::shared_ptr<const std::string>> cached;
  {
    std::lock_guard lock(tail_mu_);
    for (auto it = tail_.lower_bound(since); it != tail_.end(); ++it) {
      const auto& records = it->second.records;
      if (wanted_record && !std::binary_search(records.begin(), records.end(), *wanted_record)) {
        passed_over.insert(it->first);
      } else if (it->second.content) {
        cached.emplace(it->first, it->second.content);
      }
    }
  }
  auto next_cached = cached.begin();
  auto read_cached_before = [&](std::int64_t order) {
    for (; next_cached != cached.end() && next_cached->first < order; ++next_cached) {
      std::string_view content = *next_cached->second;
      const bool wanted = holds_needles(content);
      while (wanted && !content.empty()) {
        const std::size_t end = std::min(content.find('\n'), content.size());
        if (!consider(content.substr(0, end))) return false;
        content.remove_prefix(std::min(end + 1, content.size()));
      }
    }
    return true;
  };
  bool more = true;
  Status scanned = log_->Scan(
      [&](const AppendLogRecord& record) {
        more = read_cached_before(record.batch_epoch_us) && consider(record.json);
        return more;
      },
      since, [&](std::int64_t order) { return passed_over.contains(order) || cached.contains(order); },
      holds_needles);
  LH_RETURN_IF_ERROR(scanned);
  if (more) read_cached_before(std::numeric_limits<std::int64_t>::max());
  return out;
}

std::uint64_t EventJournal::RecordHash(std::string_view dataset, std::string_view key) {
  const std::hash<std::string_view> hash;
  return hash(dataset) * 0x9E3779B97F4A7C15ULL ^ hash(key);
}

void EventJournal::ForgetTailThrough(std::int64_t through) {
  std::lock_guard lock(tail_mu_);
  while (!tail_.empty() && tail_.begin()->first <= through) {
    if (tail_.begin()->second.content) tail_content_bytes_ -= tail_.begin()->second.content->size();
    tail_.erase(tail_.begin());
  }
}

Result<CompactionResult> EventJournal::Compact() {
  std::lock_guard lock(compact_mu_);
  return CompactLocked();
}

Result<CompactionResult> EventJournal::CompactLocked() {
  CompactionResult result;
  // One compactor across the processes sharing the bucket (e.g. `lakehouse ingest` next to a
  // server): two segments holding the same batch would show its events twice.
  auto lease =
      catalog::WriterLease::Acquire(primary_, std::string(kCompactionLease),
                                    catalog::WriterLease::ProcessHolderId(), std::chrono::seconds(30));
  if (!lease.ok()) {
    if (lease.status().code() == StatusCode::kFailedPrecondition) return result;  // another one is at it
    return lease.status().WithContext("cannot take the event journal's compaction lease");
  }
  LH_ASSIGN_OR_RETURN(Layout layout, List());
  if (!layout.pending.empty()) {
    const std::int64_t through = layout.pending.back().order;
    std::uint64_t bytes = 0;
    for (const auto& batch : layout.pending) bytes += batch.size;
    std::vector<SegmentRecord> records;
    std::int64_t current = -1;
    std::int64_t seq = 0;
    LH_RETURN_IF_ERROR(log_->Scan(
        [&](const AppendLogRecord& record) {
          // Batches written after the listing belong to the next segment.
          if (record.batch_epoch_us > through) return false;
          if (record.batch_epoch_us != current) {
            current = record.batch_epoch_us;
            seq = 0;
          }
          records.push_back({record.json, record.batch_epoch_us, seq++});
          return true;
        },
        layout.covered_through + 1));
    const std::int64_t epoch = std::max(NowMicros(), std::max(through, layout.newest) + 1);
    LH_ASSIGN_OR_RETURN(SegmentName segment,
                        segments_->Write(records, epoch, layout.covered_through + 1, through));
    result.batches = layout.pending.size();
    result.events = records.size();
    result.segment = segment.key;
    ForgetTailThrough(through);
    // Only now are those batches' events in a durable segment; readers listing from here on skip
    // the batches, and the clean-up below removes them once the grace has passed.
    tail_batches_ -= std::min<std::size_t>(tail_batches_.load(), result.batches);
    tail_bytes_ -= std::min<std::uint64_t>(tail_bytes_.load(), bytes);
    layout.segments.push_back(segment);
    for (auto& batch : layout.pending) layout.covered.push_back(std::move(batch));
    layout.pending.clear();
  }

  // Size-tiered merging keeps the number of segments a lookup opens logarithmic: whenever the
  // newest kMergeFanIn live segments are of one size class, they become one segment (written
  // before anything is removed; readers then use it and skip the ones inside its range).
  while (layout.segments.size() >= kMergeFanIn) {
    const auto first = layout.segments.end() - static_cast<std::ptrdiff_t>(kMergeFanIn);
    int lowest = SizeClass(first->size);
    int highest = lowest;
    for (auto it = first; it != layout.segments.end(); ++it) {
      lowest = std::min(lowest, SizeClass(it->size));
      highest = std::max(highest, SizeClass(it->size));
    }
    if (lowest != highest) break;
    std::vector<SegmentName> inputs(first, layout.segments.end());
    const std::int64_t epoch = std::max(NowMicros(), layout.newest + 1);
    LH_ASSIGN_OR_RETURN(SegmentName merged, segments_->Merge(inputs, epoch));
    layout.newest = epoch;
    ++result.merged;
    layout.segments.erase(first, layout.segments.end());
    for (auto& input : inputs) layout.superseded.emplace_back(std::move(input), merged.epoch_us);
    layout.segments.push_back(std::move(merged));
  }

  // Delete what a segment older than the grace holds: JSONL batches, and segments inside a wider
  // segment's range.
  const std::int64_t now = NowMicros();
  const auto grace_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.cleanup_grace).count();
  std::int64_t deletable_through = 0;  // batches at or before this are held by an old enough segment
  for (const SegmentName& segment : layout.segments) {
    if (now - segment.epoch_us >= grace_us)
      deletable_through = std::max(deletable_through, segment.through_us);
  }
  for (const auto& [segment, by_epoch] : layout.superseded) {
    if (now - segment.epoch_us >= grace_us)
      deletable_through = std::max(deletable_through, segment.through_us);
  }
  bool waiting = false;
  auto remove = [&](const std::string& key) -> Status {
    Status deleted = primary_.Delete(key);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      return deleted.WithContext(
          fmt::format("cannot remove journal object '{}' (its events are in a segment)", key));
    }
    ++result.deleted;
    return Status::OK();
  };
  for (const auto& batch : layout.covered) {
    if (batch.order > deletable_through) {
      waiting = true;
      continue;
    }
    LH_RETURN_IF_ERROR(remove(batch.key));
  }
  for (const auto& [segment, by_epoch] : layout.superseded) {
    if (now - by_epoch < grace_us) {
      waiting = true;
      continue;
    }
    LH_RETURN_IF_ERROR(remove(segment.key));
  }
  {
    std::lock_guard wake(wake_mu_);
    cleanup_pending_ = waiting;
  }
  return result;
}

Result<JournalFiles> EventJournal::Files() {
  LH_ASSIGN_OR_RETURN(Layout layout, List());
  JournalFiles files;
  for (const auto& segment : layout.segments) {
    LH_ASSIGN_OR_RETURN(std::string uri, primary_.Uri(segment.key));
    files.parquet_uris.push_back(std::move(uri));
  }
  for (const auto& batch : layout.pending) {
    // An AppendLog-compacted batch carries marker lines SQL cannot read as events; the compactor
    // turns it into a segment soon after the journal opens.
    if (batch.merged) continue;
    LH_ASSIGN_OR_RETURN(std::string uri, primary_.Uri(batch.key));
    files.json_uris.push_back(std::move(uri));
  }
  return files;
}

}  // namespace lakehouse::journal
