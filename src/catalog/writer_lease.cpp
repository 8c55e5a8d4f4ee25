#include "catalog/writer_lease.h"

#include <fmt/format.h>
#include <unistd.h>

#include <random>

#include "catalog/dataset_manifest.h"
#include "common/json.h"
#include "common/log.h"

namespace lakehouse::catalog {
namespace {

struct LeaseRecord {
  std::string holder;
  std::string token;
  std::int64_t expires_at_us = 0;
};

// A lease object we cannot parse is treated as expired: it can only come from a torn manual
// edit, and refusing every writer forever would be worse than taking it over.
LeaseRecord ParseLease(const std::string& text) {
  LeaseRecord record;
  auto json = ParseJson(text);
  if (!json.ok() || !json->is_object()) return record;
  auto string_field = [&](const char* field) {
    auto it = json->find(field);
    return it != json->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  record.holder = string_field("holder");
  record.token = string_field("token");
  auto expires = json->find("expires_at_us");
  if (expires != json->end() && expires->is_number_integer())
    record.expires_at_us = expires->get<std::int64_t>();
  return record;
}

std::string NewToken() {
  std::random_device random;
  return fmt::format("{:08x}{:08x}{:08x}", random(), random(), random());
}

}  // namespace

std::string WriterLease::ProcessHolderId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host[0] ? host : "unknown-host", getpid());
}

WriterLease::WriterLease(ObjectStore& primary, std::string name, std::string holder, std::string token,
                         std::chrono::seconds ttl)
    : primary_(primary),
      name_(std::move(name)),
      key_(fmt::format("{}{}.json", kLeasePrefix, name_)),
      holder_(std::move(holder)),
      token_(std::move(token)),
      ttl_(ttl) {}

std::string WriterLease::Body(std::int64_t acquired_us, std::int64_t expires_us) const {
  return ToJsonText(Json{{"dataset", name_},
                         {"holder", holder_},
                         {"token", token_},
                         {"acquired_at_us", acquired_us},
                         {"expires_at_us", expires_us}});
}

Result<std::unique_ptr<WriterLease>> WriterLease::Acquire(ObjectStore& primary, const std::string& name,
                                                          const std::string& holder,
                                                          std::chrono::seconds ttl) {
  std::unique_ptr<WriterLease> lease(new WriterLease(primary, name, holder, NewToken(), ttl));
  const std::int64_t ttl_us = std::chrono::duration_cast<std::chrono::microseconds>(ttl).count();
  // Two rounds: the second runs after taking over a stale lease.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::int64_t now = NowMicros();
    Status put = primary.PutIfAbsent(lease->key_, lease->Body(now, now + ttl_us));
    if (put.ok()) {
      lease->acquired_us_ = now;
      lease->renewer_ = std::thread([raw = lease.get()] { raw->RenewLoop(); });
      return lease;
    }
    if (put.code() != StatusCode::kAlreadyExists) {
      return put.WithContext(fmt::format("cannot take the writer lease of dataset '{}'", name));
    }
    auto current_text = primary.Get(lease->key_);
    if (!current_text.ok()) {
      if (current_text.status().code() == StatusCode::kNotFound) continue;  // released meanwhile
      return current_text.status().WithContext(
          fmt::format("cannot read the writer lease of dataset '{}'", name));
    }
    LeaseRecord current = ParseLease(*current_text);
    if (current.expires_at_us > NowMicros()) {
      return Status::FailedPrecondition(
          fmt::format("dataset '{}' is being written by {} (writer lease until {}); one writer at a time -- "
                      "retry when it "
                      "has finished",
                      name, current.holder.empty() ? "another process" : current.holder,
                      IsoTimeFromMicros(current.expires_at_us)));
    }
    // Stale: its holder died. Only the taker that creates the marker for this exact lease may
    // delete it, so two takers can never delete each other's fresh lease.
    std::string marker = fmt::format("{}{}.takeover-{}", kLeasePrefix, name,
                                     current.token.empty() ? "unreadable" : current.token);
    Status won = primary.PutIfAbsent(marker, lease->Body(now, now));
    if (!won.ok()) {
      if (won.code() == StatusCode::kAlreadyExists) continue;  // another taker got it; look again
      return won.WithContext(fmt::format("cannot take over the stale writer lease of dataset '{}'", name));
    }
    log::Warn(
        "taking over a stale writer lease",
        {{"dataset", name}, {"stale_holder", current.holder}, {"expired_at_us", current.expires_at_us}});
    LH_RETURN_IF_ERROR(primary.Delete(lease->key_));
  }
  return Status::FailedPrecondition(fmt::format(
      "dataset '{}' is being written by another process (its writer lease changed hands while this one "
      "waited); retry in a moment",
      name));
}

void WriterLease::RenewLoop() {
  const auto period = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(100), ttl_ / 3);
  const std::int64_t ttl_us = std::chrono::duration_cast<std::chrono::microseconds>(ttl_).count();
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (cv_.wait_for(lock, period, [this] { return stop_; })) break;
    lock.unlock();
    auto current = primary_.Get(key_);
    bool ours = current.ok() && ParseLease(*current).token == token_;
    Status renewed = ours ? primary_.Put(key_, Body(acquired_us_, NowMicros() + ttl_us)) : Status::OK();
    lock.lock();
    if (!ours && (current.ok() || current.status().code() == StatusCode::kNotFound)) {
      lost_ = true;
      log::Warn("writer lease lost", {{"dataset", name_}});
      break;
    }
    if (!renewed.ok())
      log::Warn("cannot renew the writer lease", {{"dataset", name_}, {"error", renewed.message()}});
  }
}

Status WriterLease::Verify() {
  {
    std::lock_guard lock(mu_);
    if (lost_) {
      return Status::FailedPrecondition(
          fmt::format("lost the writer lease of dataset '{}' (another writer took it over); nothing was "
                      "committed -- retry",
                      name_));
    }
  }
  auto current = primary_.Get(key_);
  if (!current.ok()) {
    return current.status().WithContext(fmt::format("cannot check the writer lease of dataset '{}'", name_));
  }
  LeaseRecord record = ParseLease(*current);
  if (record.token != token_) {
    return Status::FailedPrecondition(fmt::format(
        "lost the writer lease of dataset '{}' to {}; nothing was committed -- retry", name_, record.holder));
  }
  return Status::OK();
}

WriterLease::~WriterLease() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  auto current = primary_.Get(key_);
  if (current.ok() && ParseLease(*current).token == token_) {
    if (Status st = primary_.Delete(key_); !st.ok()) {
      log::Warn("cannot release the writer lease; it expires on its own",
                {{"dataset", name_}, {"error", st.message()}});
    }
  }
}

}  // namespace lakehouse::catalog
