// WriterLease: the one writer of a dataset, enforced across processes and machines that share
// the primary bucket.
//
// A lease is the object `_leases/datasets/{name}.json` in the primary bucket, created with
// ObjectStore::PutIfAbsent (so of two writers racing for it exactly one wins). It holds
// {"dataset", "holder", "token", "acquired_at_us", "expires_at_us"}. While the lease lives, a
// background thread renews it (re-writes expires_at_us) every ttl/3; destroying the lease
// deletes the object. If its holder dies, the lease expires after `ttl` and the next writer
// takes it over: the taker first wins a create-once marker
// `_leases/datasets/{name}.takeover-{stale token}` so that of several takers racing for the same
// stale lease only one deletes it. Readers never look at leases.
//
// Thread-safety: Verify() may be called from any thread; the object is destroyed by its owner.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "storage/object_store.h"

namespace lakehouse::catalog {

//! Where lease objects live in the primary bucket.
inline constexpr std::string_view kLeasePrefix = "_leases/datasets/";

class WriterLease {
 public:
  //! Takes the lease of dataset `name` for `holder` (a human-readable process id). Returns
  //! FailedPrecondition naming the current holder and when its lease expires if another live
  //! writer has it; the bucket's error if the bucket fails.
  static Result<std::unique_ptr<WriterLease>> Acquire(ObjectStore& primary, const std::string& name,
                                                      const std::string& holder, std::chrono::seconds ttl);

  WriterLease(const WriterLease&) = delete;
  WriterLease& operator=(const WriterLease&) = delete;
  //! Stops renewing and deletes the lease object if it is still this one's.
  ~WriterLease();

  //! OK while the lease object is still this one's and unexpired; Aborted-style
  //! FailedPrecondition ("lost the writer lease") otherwise. Reads the bucket.
  Status Verify();

  const std::string& token() const { return token_; }

  //! A holder id for this process: "{hostname}:{pid}".
  static std::string ProcessHolderId();

 private:
  WriterLease(ObjectStore& primary, std::string name, std::string holder, std::string token,
              std::chrono::seconds ttl);
  std::string Body(std::int64_t acquired_us, std::int64_t expires_us) const;
  void RenewLoop();

  ObjectStore& primary_;
  const std::string name_;
  const std::string key_;
  const std::string holder_;
  const std::string token_;
  const std::chrono::seconds ttl_;
  std::int64_t acquired_us_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool lost_ = false;
  std::thread renewer_;
};

}  // namespace lakehouse::catalog
