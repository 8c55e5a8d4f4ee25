// S3ObjectStore: a bucket kept in an S3-compatible object store (AWS S3, MinIO, ...).
//
// Requests go through the one HTTP client (storage/http_client.h: pooled libcurl handles, one
// retry policy), signed with libcurl's built-in AWS Signature Version 4. The object
// with key "a/b" is the S3 object "a/b" of the remote bucket. S3 publishes every object
// atomically, so the ObjectStore contract holds as it does for a local bucket:
//   - Put is one PUT; PutIfAbsent is a PUT with `If-None-Match: *`, which the server turns into
//     412 Precondition Failed (-> AlreadyExists) when the key exists.
//   - NewWriter buffers up to `part_size_bytes`; a smaller object is one PUT at Commit, a larger
//     one a multipart upload that becomes visible only when CompleteMultipartUpload succeeds. A
//     failed or abandoned writer aborts its upload (best effort: when the server is unreachable
//     the parts stay invisible until the server's stale-upload cleanup or a lifecycle rule).
//   - List pages through ListObjectsV2; objects whose keys ValidateObjectKey rejects (written by
//     other tools) are not listed.
// Transport failures (cannot connect, timeout, connection reset) and 5xx answers are retried
// with jittered exponential backoff, up to `max_attempts`; 4xx answers never are. One
// consequence: a PutIfAbsent whose first attempt reached the server but whose answer was lost
// can report AlreadyExists for its own object -- never two winners, at worst none.
//
// Errors name the bucket, the key and the cause, and say what to do next. Distinct causes get
// distinct messages: unreachable endpoint (Unavailable), rejected credentials (PermissionDenied),
// missing remote bucket (FailedPrecondition), clock skew (FailedPrecondition). Credentials never
// appear in a message or a log.
//
// Thread-safety: safe for concurrent use; the HTTP client pools curl handles, each serving one
// request at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"
#include "storage/secrets_provider.h"

namespace lakehouse {

//! How to reach one remote bucket. Defaults suit MinIO and AWS alike.
struct S3Options {
  std::string endpoint;              //!< e.g. "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";  //!< the SigV4 signing region
  std::string bucket;                //!< the remote bucket's name
  bool virtual_host_style = false;   //!< bucket in the host name (bucket.endpoint) instead of the path
  int connect_timeout_ms = 5000;     //!< TCP + TLS connect limit per attempt
  int request_timeout_ms = 60000;    //!< whole-request limit per attempt
  int max_attempts = 4;              //!< tries per request, retries included (>= 1)
  int backoff_initial_ms = 100;      //!< first retry waits up to this (full jitter), doubling
  int backoff_max_ms = 5000;         //!< cap on one wait
  uint64_t part_size_bytes = 8ULL << 20;  //!< multipart part size; S3 requires >= 5 MiB
  int list_page_size = 1000;              //!< max-keys per ListObjectsV2 page (1..1000)
  //! Test hook: seconds added to the signed request time, to reproduce a skewed clock against a
  //! real server. Leave it 0. (libcurl 7.88 then sends X-Amz-Date twice, so a non-zero offset is
  //! only good for provoking RequestTimeTooSkewed, not for compensating a wrong clock.)
  int64_t clock_offset_seconds = 0;
};

class S3ObjectStore final : public ObjectStore {
 public:
  //! Makes the store for bucket `name` (the Lakehouse name, used in messages) with `options`
  //! and `credentials`. Does no network I/O: an unreachable endpoint or a missing remote bucket
  //! shows up in the first request's status. Returns InvalidArgument for an endpoint that is not
  //! http(s)://host[:port], an empty remote bucket name, or out-of-range sizes and timeouts;
  //! FailedPrecondition if this libcurl cannot sign AWS SigV4.
  static Result<std::unique_ptr<S3ObjectStore>> Open(std::string name, S3Options options,
                                                     AccessKeyPair credentials);
  ~S3ObjectStore() override;

  //! The options the store was opened with.
  const S3Options& options() const { return options_; }

  //! The credentials the store signs with, for handing to a query engine that reads the bucket
  //! directly (engine/s3_bucket_secret.h). Never log or print them.
  const AccessKeyPair& credentials() const;

  // The ObjectStore contract; see object_store.h and the top of this file.
  const std::string& name() const override { return name_; }
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  //! "s3://<remote bucket>/<key>".
  Result<std::string> Uri(std::string_view key) const override;

  //! One quick request (HEAD of the remote bucket, a single attempt, no retries) that tells
  //! whether the bucket answers right now: OK, Unavailable / DeadlineExceeded when the endpoint
  //! cannot be reached or fails with 5xx, otherwise the error its answer maps to (e.g.
  //! FailedPrecondition for a missing remote bucket). For health checks and rescue decisions.
  Status Probe() const;

  //! Creates the remote bucket. Returns OK if it was created or already belongs to these
  //! credentials; PermissionDenied if the credentials may not create it; AlreadyExists if someone
  //! else owns a bucket of that name.
  Status CreateBucket();

  //! Keys of multipart uploads started under `prefix` and not yet completed or aborted (parts
  //! that are stored but invisible). For tests and garbage collection. MinIO lists only the
  //! uploads of one key (pass the full key as `prefix`); AWS S3 matches any prefix.
  Result<std::vector<std::string>> ListIncompleteUploads(std::string_view prefix);

  class Impl;

 private:
  S3ObjectStore(std::string name, std::unique_ptr<Impl> impl);

  std::string name_;
  S3Options options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse
