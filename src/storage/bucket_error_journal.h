// BucketErrorJournal: every failed bucket operation, kept as an AppendLog under the primary
// bucket's "_errors/bucket_errors/" and answered newest first (GET /storage/errors).
//
// One record a failure: {"id","time_us","time","bucket","op","key","code","message",
// "request_id"?,"served_from"?}. Messages are scrubbed before they are kept: every secret value
// registered with AddSecret, and anything after "Credential=", "Signature=" or "Authorization:",
// becomes "[redacted]", so the journal never holds a credential.
//
// Recent failures of this process are answered from the log's ring buffer; older ones (and those
// of earlier processes) are read from the batch objects. The journal writes to the bucket it is
// given directly -- never through a JournaledObjectStore -- so its own write failures are logged,
// not journaled (which could loop).
//
// Thread-safety: every method is safe from many threads.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "storage/append_log.h"
#include "storage/object_store.h"

namespace lakehouse {

//! Where the journal's batches live in the primary bucket.
inline constexpr std::string_view kBucketErrorsPrefix = "_errors/bucket_errors/";

//! A filter over the journal; empty strings match everything.
struct BucketErrorQuery {
  std::string bucket;                                                //!< only this bucket
  std::string op;                                                    //!< only this operation
  std::int64_t since_us = 0;                                         //!< time_us >= since_us
  std::int64_t until_us = std::numeric_limits<std::int64_t>::max();  //!< time_us <= until_us
  std::size_t limit = 100;                                           //!< at most this many
};

//! Tags every failure journaled on this thread while the scope lives with `request_id` (the HTTP
//! request that caused it; the server opens one per request, server/router.cpp). Scopes nest; the
//! innermost wins. Work handed to other threads is not tagged. Each thread has its own scopes.
class RequestIdScope {
 public:
  explicit RequestIdScope(std::string request_id);
  ~RequestIdScope();
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;

  //! The request id of the innermost scope on this thread, or "" outside any.
  static std::string_view Current();

 private:
  RequestIdScope* outer_;
  std::string request_id_;
};

class BucketErrorJournal {
 public:
  //! The operation names a record can carry (ObjectStore methods plus the writer's steps).
  static const std::vector<std::string>& Operations();

  //! Opens the journal over `primary` (which must outlive it). `options.prefix` is forced to
  //! kBucketErrorsPrefix. Fails only for invalid options.
  static Result<std::unique_ptr<BucketErrorJournal>> Open(ObjectStore& primary,
                                                          AppendLogOptions options = {});

  //! Makes `value` one of the strings scrubbed from every later message (ignored when shorter
  //! than 4 bytes, which would redact ordinary words).
  void AddSecret(std::string value);

  //! Journals one failure of `op` on `bucket` (key may be empty). Never fails: if the record
  //! cannot be buffered the reason is logged. `served_from` names the bucket that answered
  //! instead (the rescue bucket), if any. The record carries "request_id" when a RequestIdScope
  //! is open on this thread.
  void Record(std::string_view bucket, std::string_view op, std::string_view key, const Status& failure,
              std::string_view served_from = {});

  //! The newest records matching `query`, newest first. Returns the bucket's error if older
  //! records had to be read and could not be.
  Result<std::vector<Json>> Query(const BucketErrorQuery& query);

  //! Writes buffered records now (tests and shutdown).
  Status Flush();

  //! `text` with every secret and credential-looking part replaced by "[redacted]".
  std::string Scrub(std::string_view text) const;

 private:
  explicit BucketErrorJournal(std::unique_ptr<AppendLog> log) : log_(std::move(log)) {}

  std::unique_ptr<AppendLog> log_;
  std::size_t recent_capacity_ = 0;
  mutable std::mutex secrets_mu_;
  std::vector<std::string> secrets_;
  std::string process_token_;
};

}  // namespace lakehouse
