// JournaledObjectStore: the ObjectStore that BucketRegistry hands out for every bucket. It wraps
// the real store and adds two things:
//
//  * Error journal: every failed operation is recorded in the BucketErrorJournal, except the
//    answers that are part of the contract rather than failures -- NotFound from Get, GetRange
//    and Head, AlreadyExists from PutIfAbsent -- and InvalidArgument (the caller's key or range
//    was wrong; the bucket did not fail).
//  * Rescue reads: when a read (Get, GetRange, Head, List) fails with Unavailable or
//    DeadlineExceeded -- the transport failed or the server answered 5xx after its retries -- and
//    a rescue bucket is configured, the read is answered from the rescue bucket instead. The
//    failure is still journaled (with served_from = the rescue bucket), a warning is logged, and
//    the innermost RescueReadScope on this thread notes it so an HTTP response can say so. If the
//    rescue bucket fails too -- NotFound included, since it may just lack a copy -- the target's
//    error is returned. The rescue bucket is a replica kept by the operator (e.g. MinIO bucket
//    replication); Lakehouse only reads it. Writes never fall back: Put, PutIfAbsent, Delete and
//    writers fail with the target's error, which names the bucket.
//
// Thread-safety: as ObjectStore. The journal and the rescue store must outlive this store.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/bucket_error_journal.h"
#include "storage/object_store.h"

namespace lakehouse {

//! Collects, for the life of the scope, which buckets' reads on this thread were answered by the
//! rescue bucket. Scopes nest; a read is noted in the innermost one. Not thread-safe: each thread
//! has its own.
class RescueReadScope {
 public:
  RescueReadScope();
  ~RescueReadScope();
  RescueReadScope(const RescueReadScope&) = delete;
  RescueReadScope& operator=(const RescueReadScope&) = delete;

  //! True if any read in this scope was served from a rescue bucket.
  bool served() const { return !targets_.empty(); }
  //! The buckets whose reads were rescued, each once, in the order first seen.
  const std::vector<std::string>& targets() const { return targets_; }
  //! The rescue bucket that answered (the last one, should there be several).
  const std::string& rescue() const { return rescue_; }

  //! Notes a rescued read in the innermost scope of this thread, if there is one.
  static void Note(const std::string& target, const std::string& rescue);

 private:
  RescueReadScope* outer_ = nullptr;
  std::vector<std::string> targets_;
  std::string rescue_;
};

class JournaledObjectStore final : public ObjectStore {
 public:
  //! Wraps `inner`. `journal` must not be null; `rescue` may be (then reads never fall back) and
  //! must not be this store.
  JournaledObjectStore(std::unique_ptr<ObjectStore> inner, BucketErrorJournal* journal, ObjectStore* rescue);

  //! The wrapped store, for writers that must not be journaled (the journal itself).
  ObjectStore& inner() const { return *inner_; }

  const std::string& name() const override { return inner_->name(); }
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  bool adopts_files() const override;
  Result<bool> AdoptFile(std::string_view key, const std::string& path) override;
  Result<std::string> Uri(std::string_view key) const override { return inner_->Uri(key); }

 private:
  // Journals `failure` of `op` unless it is one of the expected answers listed above.
  void Journal(std::string_view op, std::string_view key, const Status& failure,
               std::string_view served_from = {}) const;
  // Runs `read` on the target; on a transport or 5xx failure, runs it on the rescue bucket.
  template <typename T, typename Read>
  Result<T> ReadWithRescue(std::string_view op, std::string_view key, Read read);

  std::unique_ptr<ObjectStore> inner_;
  BucketErrorJournal* journal_;
  ObjectStore* rescue_;
};

}  // namespace lakehouse
