// EventJournal: the immutable history of every change to every record.
//
// Events are JSON lines appended through AppendLog under `_journal/events/` in the primary
// bucket (write-once batch objects; never modified or deleted by any API). One event is one
// field of one record changing, or one dataset-level change (ingest, compaction, metadata):
//   {"event_id", "dataset", "key", "field", "old", "new", "op", "actor", "ts" (ISO 8601),
//    "ts_us", "source", "workspace_id", "version", "job"}
// op is insert | update | delete (row fields), ingest, compaction or metadata. `version` and
// `job` name the dataset version the change belongs to and its ingest_job; writers record events
// durably BEFORE they commit that version, so an event whose (version, job) is not in the
// catalog belongs to a change that crashed before its commit point and is not shown (see
// Find's `committed`).
//
// Thread-safety: every method is safe from many threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "storage/append_log.h"
#include "storage/object_store.h"

namespace lakehouse::journal {

//! Where event batches live in the primary bucket.
inline constexpr std::string_view kEventPrefix = "_journal/events/";

struct Event {
  std::string event_id;  //!< filled by Record
  std::string dataset;
  std::optional<std::string> key;    //!< the record's primary key as text; unset for dataset events
  std::optional<std::string> field;  //!< the column; unset for dataset events
  std::optional<std::string> old_value;
  std::optional<std::string> new_value;
  std::string op;
  std::string actor;
  std::int64_t ts_us = 0;  //!< filled by Record
  std::string source;
  std::string workspace_id;
  std::int64_t version = 0;
  std::string job;
};

//! Parses a point in time: ISO 8601 UTC ("2026-03-01", "2026-03-01T12:00:00", with optional
//! fraction and "Z") or integer epoch microseconds. InvalidArgument with the accepted forms.
Result<std::int64_t> ParseTimeMicros(std::string_view text);

//! The event as its JSON record (see the file comment).
Json EventToJson(const Event& event);
//! Parses EventToJson's output; InvalidArgument if a required field is missing.
Result<Event> EventFromJson(const Json& json);

//! Which events Find returns; unset fields match everything. Times are epoch microseconds,
//! since inclusive, until exclusive.
struct EventFilter {
  std::optional<std::string> dataset;
  std::optional<std::string> key;
  std::optional<std::string> actor;
  std::optional<std::int64_t> since_us;
  std::optional<std::int64_t> until_us;
  std::size_t limit = 1000;
};

//! True if the event's version was committed (see the file comment).
using CommittedCheck = std::function<bool(const Event&)>;

class EventJournal {
 public:
  //! Opens the journal over `primary` (which must outlive it).
  static Result<std::unique_ptr<EventJournal>> Open(ObjectStore& primary);

  //! Stamps `events` (event_id, ts_us) and returns once they are durable. Events of one call
  //! share one timestamp and keep their order.
  Status Record(std::vector<Event> events);

  //! Events matching `filter` that `committed` accepts (all, if empty), oldest first, at most
  //! filter.limit (the oldest ones). Reads every batch at or after filter.since_us.
  Result<std::vector<Event>> Find(const EventFilter& filter, const CommittedCheck& committed = {});

  //! Merges the batches into one (AppendLog::Compact); returns how many were merged.
  Result<std::size_t> Compact();

  //! Keys of the batch objects now in the bucket (for the SQL table over them).
  Result<std::vector<std::string>> BatchKeys();
  //! Where an engine reads batch `key` (ObjectStore::Uri).
  Result<std::string> Uri(const std::string& key) const { return primary_.Uri(key); }

 private:
  EventJournal(ObjectStore& primary, std::unique_ptr<AppendLog> log);
  ObjectStore& primary_;
  std::unique_ptr<AppendLog> log_;
  std::mutex mu_;  // makes timestamps strictly increasing
  std::int64_t last_ts_us_ = 0;
  std::atomic<std::uint64_t> records_{0};  // Record calls, to compact every so often
};

}  // namespace lakehouse::journal
