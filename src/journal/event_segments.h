// EventSegments: the event journal's Parquet segments, written by compaction and read by lookups.
//
// A segment `{prefix}batch_{epoch_us}_from_{from_us}_through_{through_us}.parquet` holds every
// event of the journal's JSONL batches (AppendLog) whose batch time is in [from_us, through_us].
// Compaction writes one for the JSONL batches no segment holds yet; a merge writes one for a run
// of consecutive segments (the union of their ranges), so ranges are either disjoint or nested and
// readers use the widest: a segment inside another one's range is superseded (LiveSegments).
// Rows are sorted by (dataset, key, batch_us, seq) in row groups of kSegmentRowGroup rows, so a
// lookup of one record reads only the row groups whose min/max statistics can hold it. Columns:
// those of EventToJson (`ts` a TIMESTAMP), plus `batch_us` (the JSONL batch the event was first
// written in) and `seq` (its place there): append order is (batch_us, seq). Segments are written
// once (PutIfAbsent) and never rewritten.
//
// Thread-safety: every method is safe from many threads (each call uses its own connection to a
// private in-memory DuckDB).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/scratch_directory.h"
#include "common/status.h"
#include "engine/database.h"
#include "journal/event.h"
#include "storage/object_store.h"

namespace lakehouse::journal {

inline constexpr std::size_t kSegmentRowGroup = 8192;

//! One segment object, as named.
struct SegmentName {
  std::string key;
  std::int64_t epoch_us = 0;    //!< when it was written
  std::int64_t from_us = 0;     //!< it holds the JSONL batches from this time ...
  std::int64_t through_us = 0;  //!< ... up to this one
  std::uint64_t size = 0;       //!< bytes, as listed (0 if unknown)
};

//! The segment named by `key` under `prefix`, or nullopt if `key` is not a segment name.
std::optional<SegmentName> ParseSegmentName(std::string_view prefix, const std::string& key);

//! Splits `segments` into the ones readers use (oldest range first) and the ones whose range lies
//! inside a used one's (`superseded`, with the epoch of the segment superseding each).
std::vector<SegmentName> LiveSegments(std::vector<SegmentName> segments,
                                      std::vector<std::pair<SegmentName, std::int64_t>>* superseded);

//! One event record as compaction hands it over: the JSON text and where it was first written.
struct SegmentRecord {
  std::string json;
  std::int64_t batch_us = 0;
  std::int64_t seq = 0;
};

class EventSegments {
 public:
  //! Opens the engine segments are written and read with. `scratch_parent` as for
  //! catalog::ScratchDirectory.
  static Result<std::unique_ptr<EventSegments>> Open(ObjectStore& primary, std::string prefix,
                                                     const std::string& scratch_parent = "");

  //! Writes `records` as the segment of [from_us, through_us] written at epoch_us (PutIfAbsent;
  //! an object already there with other bytes is AlreadyExists). Returns its name.
  Result<SegmentName> Write(const std::vector<SegmentRecord>& records, std::int64_t epoch_us,
                            std::int64_t from_us, std::int64_t through_us);

  //! Writes one segment holding every event of `inputs` (consecutive live segments, oldest
  //! first), re-sorted, covering their ranges. The inputs are left alone (see LiveSegments).
  Result<SegmentName> Merge(const std::vector<SegmentName>& inputs, std::int64_t epoch_us);

  //! Calls `visit` with the events of `segments` that match `filter` (limit aside), in append
  //! order, until it returns false. Segments that end before filter.since_us are not read.
  Status Find(const std::vector<SegmentName>& segments, const EventFilter& filter,
              const std::function<bool(Event)>& visit);

  //! Where an engine reads segment `key`: its local path (a local bucket's file, or a copy
  //! downloaded once -- segments never change -- for a remote bucket).
  Result<std::string> LocalPath(const std::string& key);

 private:
  EventSegments(ObjectStore& primary, std::string prefix, std::unique_ptr<engine::Database> database,
                std::unique_ptr<catalog::ScratchDirectory> scratch);
  // Runs `select` (rows in segment column order) into a sorted Parquet file and stores it.
  Result<SegmentName> Store(const std::string& select, std::int64_t epoch_us, std::int64_t from_us,
                            std::int64_t through_us, const std::string& output);

  ObjectStore& primary_;
  std::string prefix_;
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<catalog::ScratchDirectory> scratch_;
  std::mutex mu_;  // guards downloaded_ and counter_
  std::map<std::string, std::string> downloaded_;
  std::uint64_t counter_ = 0;
};

}  // namespace lakehouse::journal
