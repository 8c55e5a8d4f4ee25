// AppendLog: the one helper every journal (events, bucket errors, HNSW trials) is written with.
//
// An append-only sequence of records (each one JSON object, written as one line) kept in a
// bucket under a prefix. Appends go to an in-memory buffer; when the buffer reaches
// options.flush_bytes or options.flush_records, when options.flush_interval has passed since its
// first record, on Flush(), and on destruction, the buffer becomes ONE new object
//   {prefix}batch_{epoch_us}.jsonl
// written with PutIfAbsent, so existing objects are never rewritten. Compact() merges the
// batches it lists into one new object {prefix}batch_{epoch_us}_through_{last_us}.jsonl (fresh
// timestamp; `last_us` is the newest batch merged; same record order) and only then deletes the
// merged ones. Readers order a compacted batch at `last_us` and skip plain batches at or before
// it, so a reader listing mid-compaction sees every record exactly once and in order. Inside a
// compacted batch each merged batch's records follow a marker line ["batch",<epoch_us>] (a JSON
// array, never a record), so records keep the time of the batch they were first written in and a
// Scan that loses a batch to a concurrent compaction resumes exactly where it was.
// One process writes a given prefix; objects under it that are not batch names are ignored.
//
// Crash bound: a crash loses at most the unflushed buffer -- at most flush_records records, or
// flush_bytes bytes, or flush_interval of appends, whichever comes first. Append() enforces it:
// while that many records are not yet durable it waits for the flush in progress (or, when the
// last flush failed, flushes itself and returns the error instead of buffering more), so memory
// stays bounded while the bucket is down. AppendDurable() returns only after its records are in
// the bucket (use it where a caller acknowledges a write).
//
// Thread-safety: every method is safe from many threads. Records appended by one thread keep
// their order; records from different threads are ordered by when Append() took the lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace lakehouse {

struct AppendLogOptions {
  //! Where the batches live, ending in '/', e.g. "_errors/bucket_errors/".
  std::string prefix;
  //! Flush thresholds: the buffer is written when any is reached.
  std::size_t flush_records = 10000;
  std::size_t flush_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds flush_interval{1000};
  //! How many of the newest records Recent() answers from memory.
  std::size_t recent_capacity = 1024;
  //! Batch times start above this (epoch us). A log whose objects are also read by a covering rule
  //! of its own (the event journal's Parquet segments) sets it to the newest time it has seen, so
  //! that a clock that stepped back across a restart cannot name a new batch inside a covered range.
  std::int64_t min_epoch_us = 0;
  //! Parse every appended record to prove it is JSON. A log whose records all come from a
  //! serializer (the event journal's) turns this off; the checks that keep the line format intact
  //! (one line, no raw control bytes, an object's opening brace) always run.
  bool parse_records = true;
};

//! The position readers give the append-log batch object `key` under `prefix` (its time, or for a
//! compacted batch the newest batch it merged); nullopt if `key` is not a batch name.
std::optional<std::int64_t> AppendLogBatchOrder(std::string_view prefix, const std::string& key);

//! A batch this object wrote: its time (name) and its whole content (JSON lines).
struct AppendLogBatch {
  std::int64_t epoch_us = 0;
  std::shared_ptr<const std::string> content;
};

//! One record as read back, with the batch time it was made durable in.
struct AppendLogRecord {
  std::string json;  //!< the record exactly as appended (one JSON object, no newline)
  std::int64_t batch_epoch_us = 0;
};

class AppendLog {
 public:
  //! Opens the log over `bucket` (which must outlive it) and starts its flush timer. Loads nothing
  //! eagerly; Recent() is filled by appends made through this object.
  static Result<std::unique_ptr<AppendLog>> Open(ObjectStore& bucket, AppendLogOptions options);

  AppendLog(const AppendLog&) = delete;
  AppendLog& operator=(const AppendLog&) = delete;
  //! Flushes the buffer (errors are logged) and stops the timer.
  ~AppendLog();

  //! Buffers one record. InvalidArgument if `json` is not a single JSON object or holds a
  //! newline. A failed background flush keeps the records buffered and retries on the next one.
  //! When the buffer is full and cannot be written, returns that write's error (naming bucket and
  //! prefix) and does not keep `json`.
  Status Append(std::string json);

  //! Appends `records` and returns once they (and everything appended before them) are durable.
  //! On error none of `records` is kept (records buffered before them are, for the next flush);
  //! they show in Recent() only once durable. With `written`, it gets the batch that holds them
  //! (a caller may keep it to read its own batches without the bucket).
  Status AppendDurable(std::vector<std::string> records, AppendLogBatch* written = nullptr);

  //! Writes the buffer as one batch now. OK if the buffer was empty.
  Status Flush();

  //! Merges every batch into one; returns the number of batches merged (0 when there was at most
  //! one). Safe while other threads or processes Scan. On error the log is still complete: the
  //! merged object is written before any batch is deleted, and leftovers are removed next time.
  Result<std::size_t> Compact();

  //! Calls `visit` with every durable record in append order (oldest batch first); stops early
  //! and returns OK when `visit` returns false. Batches older than `since_epoch_us` (by name) are
  //! skipped without reading, and so are batches for which `skip(order)` is true (the caller has
  //! them: see AppendLogBatch); a batch whose content `wanted` turns down is read but none of its
  //! records is visited. IOError naming the object and line if a batch holds a line that is not a
  //! JSON object (damaged outside Lakehouse); the bucket's error for a failed read.
  Status Scan(const std::function<bool(const AppendLogRecord&)>& visit, std::int64_t since_epoch_us = 0,
              const std::function<bool(std::int64_t order)>& skip = {},
              const std::function<bool(std::string_view content)>& wanted = {});

  //! Up to `limit` of the newest records appended through this object, newest first, including
  //! buffered ones. O(limit).
  std::vector<std::string> Recent(std::size_t limit) const;

  //! Records appended but not yet durable.
  std::size_t buffered() const;

 private:
  struct State;
  explicit AppendLog(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace lakehouse
