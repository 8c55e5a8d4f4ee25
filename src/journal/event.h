// Event: one entry of the event journal, its JSON record, and the filter readers select with.
//
// One event is one field of one record changing, or one dataset-level change (ingest,
// compaction, metadata). Its record (EventToJson) is
//   {"event_id", "dataset", "key", "field", "old", "new", "op", "actor", "ts" (ISO 8601),
//    "ts_us", "source", "workspace_id", "version", "job"}
// op is insert | update | delete (row fields), ingest, compaction or metadata. `version` and
// `job` name the dataset version the change belongs to and its ingest_job.
//
// Pure values and functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace lakehouse::journal {

struct Event {
  std::string event_id;  //!< filled by EventJournal::Record
  std::string dataset;
  std::optional<std::string> key;    //!< the record's primary key as text; unset for dataset events
  std::optional<std::string> field;  //!< the column; unset for dataset events
  std::optional<std::string> old_value;
  std::optional<std::string> new_value;
  std::string op;
  std::string actor;
  std::int64_t ts_us = 0;  //!< filled by EventJournal::Record
  std::string source;
  std::string workspace_id;
  std::int64_t version = 0;
  std::string job;

  bool operator==(const Event& other) const = default;
};

//! Parses a point in time: ISO 8601 UTC ("2026-03-01", "2026-03-01T12:00:00", with optional
//! fraction and "Z") or integer epoch microseconds. InvalidArgument with the accepted forms.
Result<std::int64_t> ParseTimeMicros(std::string_view text);

//! `micros` as ISO 8601 UTC with microseconds, e.g. "2026-03-01T12:00:00.000000Z".
std::string IsoTime(std::int64_t micros);

//! The event as its JSON record (see the file comment).
Json EventToJson(const Event& event);
//! ToJsonText(EventToJson(event)) byte for byte, written directly (no Json value built): the
//! journal's append path. `iso_ts` is IsoTime(event.ts_us), which a batch shares.
std::string EventToJsonText(const Event& event, std::string_view iso_ts);
//! Parses EventToJson's output; InvalidArgument if a required field is missing.
Result<Event> EventFromJson(const Json& json);

//! Which events a reader returns; unset fields match everything. Times are epoch microseconds,
//! since inclusive, until exclusive.
struct EventFilter {
  std::optional<std::string> dataset;
  std::optional<std::string> key;
  std::optional<std::string> actor;
  std::optional<std::int64_t> since_us;
  std::optional<std::int64_t> until_us;
  std::size_t limit = 1000;

  //! True if `event` passes every set field (limit aside).
  bool Matches(const Event& event) const;
};

}  // namespace lakehouse::journal
