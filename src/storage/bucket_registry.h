// BucketRegistry: the buckets of one Lakehouse process, opened from [storage] config.
//
// Every configured bucket gets one ObjectStore, opened at start and kept for the life of the
// registry. The "primary" bucket always exists; it holds the catalog, journals and error logs.
//
// Thread-safety: the set of buckets is fixed after Open(), so every method is safe for
// concurrent use.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "storage/bucket_error_journal.h"
#include "storage/journaled_object_store.h"
#include "storage/object_store.h"
#include "storage/secrets_provider.h"

namespace lakehouse {

//! The name of the bucket that is always configured.
inline constexpr std::string_view kPrimaryBucket = "primary";

//! The name of the bucket that answers reads when their target bucket is unreachable.
inline constexpr std::string_view kRescueBucket = "rescue";

//! Keys under this prefix are written and deleted by CheckHealth.
inline constexpr std::string_view kHealthProbePrefix = "_health/";

class BucketRegistry {
 public:
  //! Opens every bucket of `options.buckets`. The primary bucket's empty path means
  //! `options.data_dir`; if `buckets` has no "primary" entry, a local primary bucket at
  //! `data_dir` is added (LoadConfig always adds one). Returns InvalidArgument naming the bucket
  //! for an unknown backend, a missing path, or two buckets whose roots are the same directory
  //! or nested; otherwise the error of the first bucket that fails to open.
  //! An s3 bucket's credentials come from `secrets` (default: EnvFileSecretsProvider) resolving its
  //! secret_ref; opening one does no network I/O, so an unreachable endpoint shows in its health.
  static Result<std::unique_ptr<BucketRegistry>> Open(const StorageOptions& options,
                                                      const SecretsProvider* secrets = nullptr);

  //! Returns the bucket called `name`, or NotFound listing the buckets that exist. Every bucket
  //! is a JournaledObjectStore: its failures go to errors(), and its reads fall back to the
  //! "rescue" bucket (if configured) when the target is unreachable.
  Result<ObjectStore*> Get(std::string_view name) const;

  //! The real store behind bucket `name` (a LocalObjectStore or S3ObjectStore), for code that
  //! needs the backend itself (e.g. to hand DuckDB an S3 bucket's settings). Its failures are not
  //! journaled and its reads never fall back. NotFound as for Get.
  Result<ObjectStore*> Backend(std::string_view name) const;

  //! The journal of bucket failures (GET /storage/errors), kept in the primary bucket.
  BucketErrorJournal& errors() const { return *errors_; }

  //! The rescue bucket, or null when none is configured.
  ObjectStore* rescue() const { return rescue_; }

  //! The primary bucket.
  ObjectStore& primary() const { return *primary_; }

  //! The names of all buckets, sorted.
  std::vector<std::string> names() const;

  //! Proves that bucket `name` can be written, read back and deleted right now: puts a small
  //! object under "_health/" (unique per call, so probes may run concurrently), reads it back,
  //! compares and deletes it. Returns OK, NotFound for an unknown bucket, or Unavailable saying
  //! what failed. It costs a few small file operations; the probe object is briefly listable.
  Status CheckHealth(std::string_view name) const;

 private:
  BucketRegistry() = default;

  std::map<std::string, std::unique_ptr<JournaledObjectStore>, std::less<>> stores_;
  ObjectStore* primary_ = nullptr;
  ObjectStore* rescue_ = nullptr;
  // Declared after stores_ so it is destroyed (and flushed) while the primary store still exists.
  std::unique_ptr<BucketErrorJournal> errors_;
};

}  // namespace lakehouse
