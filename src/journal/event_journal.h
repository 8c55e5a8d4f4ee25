// EventJournal: the immutable history of every change to every record.
//
// Events (journal/event.h) are appended through AppendLog under `_journal/events/` in the
// primary bucket: each Record() call is one durable JSONL batch object. Writers record events
// BEFORE they commit the dataset version they belong to, so an event whose version did not
// commit belongs to a change that crashed before its commit point; readers drop those with
// CommittedVersions (journal/committed_versions.h), the one definition of committed.
//
// Events are immutable and never deleted by any API. Compaction -- in a background thread once
// options.compact_after_batches JSONL batches or compact_after_bytes are not yet in a segment, or
// on Compact() -- copies every such batch's events into ONE new Parquet segment
// (journal/event_segments.h) and only then, after options.cleanup_grace, deletes the JSONL
// batches the segment holds: every event is in the bucket at every moment, exactly once as
// readers see it (a JSONL batch at or before the newest segment's `through` is skipped). Whenever
// the newest 8 segments are of one size class (x8 steps), they are merged into one the same way
// (write, then delete the inputs after the grace), so a lookup opens O(log n) segments and each
// event is rewritten O(log n) times. Nothing is ever modified in place and appends never wait for
// a compaction. Lookups read the segments through DuckDB
// (row groups pruned by dataset and key statistics) and scan only the JSONL batches newer than
// them. For each batch this object wrote that no segment holds yet, it remembers which records
// (dataset and key) the batch holds, and the newest batches' content (up to kTailCacheBytes): a
// lookup of one record right after many appends reads only the batches that hold it and other
// writers' batches, and takes cached ones from memory.
//
// Thread-safety: every method is safe from many threads. One process writes a bucket's journal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "journal/event.h"
#include "journal/event_segments.h"
#include "storage/append_log.h"
#include "storage/object_store.h"

namespace lakehouse::journal {

//! Where event batches live in the primary bucket.
inline constexpr std::string_view kEventPrefix = "_journal/events/";

//! True if the event's version was committed (see CommittedVersions).
using CommittedCheck = std::function<bool(const Event&)>;

struct EventJournalOptions {
  //! Compact in the background once this many JSONL batches, or this many bytes of them, are not
  //! in a segment (this bounds what a lookup scans as JSONL). Zero disables that trigger.
  std::size_t compact_after_batches = 256;
  std::uint64_t compact_after_bytes = 16u << 20;
  //! A JSONL batch a segment holds is deleted once the segment is this old, so a reader that
  //! listed the batch just before the segment appeared (a SQL view, a lookup) still finds it.
  std::chrono::milliseconds cleanup_grace{60000};
  //! Run compactions and clean-ups in a background thread (otherwise only on Compact()).
  bool background = true;
  //! Parent of the journal's scratch directory (Parquet is written through local files); empty
  //! means the system temp directory.
  std::string scratch_parent;
};

//! What one compaction did.
struct CompactionResult {
  std::size_t batches = 0;  //!< JSONL batches copied into the new segment (0: nothing to do)
  std::size_t events = 0;   //!< events copied
  std::string segment;      //!< the new segment's key, if one was written
  std::size_t merged = 0;   //!< merges of segments done (see the file comment)
  std::size_t deleted = 0;  //!< objects deleted because a segment older than the grace holds them
};

//! The objects the SQL table `journal` reads, from one listing.
struct JournalFiles {
  std::vector<std::string> parquet_uris;  //!< the segments (ObjectStore::Uri)
  std::vector<std::string> json_uris;     //!< the JSONL batches no segment holds yet, oldest first
};

class EventJournal {
 public:
  //! Opens the journal over `primary` (which must outlive it) and starts its compactor.
  static Result<std::unique_ptr<EventJournal>> Open(ObjectStore& primary, EventJournalOptions options = {});

  EventJournal(const EventJournal&) = delete;
  EventJournal& operator=(const EventJournal&) = delete;
  //! Stops the compactor (a compaction in progress finishes first).
  ~EventJournal();

  //! Stamps `events` (event_id, ts_us) and returns once they are durable (one JSONL batch
  //! object). Events of one call share one timestamp and keep their order.
  Status Record(std::vector<Event> events);

  //! Events matching `filter` that `committed` accepts (all, if empty), oldest first, at most
  //! filter.limit (the oldest ones). Reads the segments that can hold them (by key statistics)
  //! and the JSONL batches no segment holds.
  Result<std::vector<Event>> Find(const EventFilter& filter, const CommittedCheck& committed = {});

  //! Compacts now (see the file comment): one new segment with every JSONL batch not in one, the
  //! segment merges due, then the clean-up of objects held by segments older than the grace. On
  //! error nothing is lost (an object stays until a segment holding its events is durable).
  Result<CompactionResult> Compact();

  //! The segment and JSONL batch objects a SQL table over the journal reads now.
  Result<JournalFiles> Files();

 private:
  struct Layout;
  EventJournal(ObjectStore& primary, EventJournalOptions options, std::unique_ptr<AppendLog> log,
               std::unique_ptr<EventSegments> segments);
  Result<Layout> List();
  Result<CompactionResult> CompactLocked();
  void RunCompactor();
  bool CompactionDue() const;

  ObjectStore& primary_;
  const EventJournalOptions options_;
  std::unique_ptr<AppendLog> log_;
  std::unique_ptr<EventSegments> segments_;
  std::mutex mu_;  // makes timestamps strictly increasing
  std::int64_t last_ts_us_ = 0;

  // The JSONL batches this object wrote and no segment held when they were last looked at, by
  // batch time (see the file comment).
  struct TailBatch {
    std::vector<std::uint64_t> records;          // sorted RecordHash of each event's dataset and key
    std::shared_ptr<const std::string> content;  // null once evicted (read from the bucket then)
  };
  static constexpr std::uint64_t kTailCacheBytes = 64u << 20;  // content kept, newest first
  static constexpr std::size_t kTailBatches = 16384;           // batches remembered at most
  static std::uint64_t RecordHash(std::string_view dataset, std::string_view key);
  std::mutex tail_mu_;
  std::map<std::int64_t, TailBatch> tail_;  // guarded by tail_mu_
  std::uint64_t tail_content_bytes_ = 0;    // guarded by tail_mu_
  std::int64_t tail_content_from_ = 0;      // batches before this have no content; guarded by tail_mu_
  //! Forgets batches at or before `through` (a segment holds them).
  void ForgetTailThrough(std::int64_t through);

  std::mutex compact_mu_;  // one compaction at a time
  // JSONL batches (and their bytes) written since the last compaction looked, as the trigger.
  std::atomic<std::size_t> tail_batches_{0};
  std::atomic<std::uint64_t> tail_bytes_{0};
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;         // guarded by wake_mu_
  bool cleanup_pending_ = false;  // guarded by wake_mu_: covered batches wait for the grace
  std::thread compactor_;
};

}  // namespace lakehouse::journal
