#include "storage/bucket_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <utility>

#include "storage/local_object_store.h"
#include "storage/s3_object_store.h"

namespace lakehouse {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBackends = "local, s3";

struct PlannedBucket {
  std::string name;
  std::string root;      // as configured (or data_dir)
  std::string resolved;  // absolute, symlinks resolved as far as the path exists
};

Result<PlannedBucket> Plan(const std::string& name, const BucketOptions& bucket,
                           const std::string& data_dir) {
  if (bucket.backend == "s3") return PlannedBucket{name, "", ""};
  if (bucket.backend != "local") {
    return Status::InvalidArgument(
        fmt::format("bucket '{}' uses backend '{}', which this build does not have; set "
                    "storage.buckets.{}.backend to one of: {}",
                    name, bucket.backend, name, kBackends));
  }
  std::string root = bucket.path;
  if (root.empty() && name == kPrimaryBucket) root = data_dir;
  if (root.empty()) {
    return Status::InvalidArgument(
        fmt::format("bucket '{}' has no path; set storage.buckets.{}.path (only the primary bucket defaults "
                    "to storage.data_dir)",
                    name, name));
  }
  std::error_code ec;
  fs::path resolved = fs::absolute(root, ec);
  if (!ec) resolved = fs::weakly_canonical(resolved, ec);
  if (ec) {
    return Status::InvalidArgument(
        fmt::format("bucket '{}': cannot resolve path {}: {}", name, root, ec.message()));
  }
  std::string normal = resolved.lexically_normal().string();
  while (normal.size() > 1 && normal.ends_with('/')) normal.pop_back();
  return PlannedBucket{name, std::move(root), std::move(normal)};
}

// Objects of a bucket nested in another would show up in the outer bucket's listings and be
// collected as its garbage, so every bucket needs a directory of its own.
bool Overlaps(const std::string& a, const std::string& b) {
  const auto inside = [](const std::string& inner, const std::string& outer) {
    const std::string outer_slash = outer.ends_with('/') ? outer : outer + "/";
    return inner.starts_with(outer_slash);
  };
  return a == b || inside(a, b) || inside(b, a);
}

// Builds an s3 bucket's store; its credentials are resolved here and kept only in the store (and
// in `scrub`, the values the error journal must never repeat).
Result<std::unique_ptr<ObjectStore>> OpenS3(const BucketOptions& bucket, const SecretsProvider& secrets,
                                            std::vector<std::string>& scrub) {
  if (bucket.secret_ref.empty()) {
    return Status::InvalidArgument(fmt::format(
        "bucket '{}' has no secret_ref; set storage.buckets.{}.secret_ref to env:NAME or file:PATH",
        bucket.name, bucket.name));
  }
  Result<AccessKeyPair> credentials = secrets.Resolve(bucket.secret_ref);
  if (!credentials.ok()) return credentials.status().WithContext(fmt::format("bucket '{}'", bucket.name));
  scrub.push_back(credentials->access_key);
  scrub.push_back(credentials->secret_key);
  S3Options s3;
  s3.endpoint = bucket.endpoint;
  s3.region = bucket.region;
  s3.bucket = bucket.bucket.empty() ? bucket.name : bucket.bucket;
  s3.virtual_host_style = bucket.url_style == "virtual";
  s3.connect_timeout_ms = bucket.connect_timeout_ms;
  s3.request_timeout_ms = bucket.request_timeout_ms;
  s3.max_attempts = bucket.max_attempts;
  LH_ASSIGN_OR_RETURN(std::unique_ptr<S3ObjectStore> store,
                      S3ObjectStore::Open(bucket.name, std::move(s3), std::move(credentials).value()));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<BucketRegistry>> BucketRegistry::Open(const StorageOptions& options,
                                                             const SecretsProvider* secrets) {
  const EnvFileSecretsProvider default_secrets;
  if (secrets == nullptr) secrets = &default_secrets;
  std::map<std::string, BucketOptions> buckets = options.buckets;
  BucketOptions default_primary;
  default_primary.name = kPrimaryBucket;
  buckets.try_emplace(std::string(kPrimaryBucket), std::move(default_primary));

  std::vector<PlannedBucket> plans;
  for (const auto& [name, bucket] : buckets) {
    LH_ASSIGN_OR_RETURN(PlannedBucket plan, Plan(name, bucket, options.data_dir));
    for (const PlannedBucket& other : plans) {
      if (plan.resolved.empty() || other.resolved.empty()) continue;  // s3 buckets have no directory
      if (Overlaps(plan.resolved, other.resolved)) {
        return Status::InvalidArgument(fmt::format(
            "buckets '{}' ({}) and '{}' ({}) share a directory or one lies inside the other; give each "
            "bucket a directory of its own",
            other.name, other.resolved, plan.name, plan.resolved));
      }
    }
    plans.push_back(std::move(plan));
  }

  std::map<std::string, std::unique_ptr<ObjectStore>, std::less<>> backends;
  std::vector<std::string> scrub;
  for (PlannedBucket& plan : plans) {
    const BucketOptions& bucket = buckets.at(plan.name);
    if (bucket.backend == "s3") {
      BucketOptions named = bucket;
      named.name = plan.name;
      LH_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, OpenS3(named, *secrets, scrub));
      backends.emplace(std::move(plan.name), std::move(store));
      continue;
    }
    LH_ASSIGN_OR_RETURN(std::unique_ptr<LocalObjectStore> store,
                        LocalObjectStore::Open(plan.name, plan.root));
    backends.emplace(std::move(plan.name), std::move(store));
  }

  std::unique_ptr<BucketRegistry> registry(new BucketRegistry());
  // The journal writes to the primary backend itself: a failure to journal is logged, never
  // journaled again.
  LH_ASSIGN_OR_RETURN(registry->errors_, BucketErrorJournal::Open(*backends.at(std::string(kPrimaryBucket))));
  for (std::string& value : scrub) registry->errors_->AddSecret(std::move(value));
  // The rescue bucket is wrapped first so the others can fall back to it (it never falls back).
  if (auto rescue = backends.find(kRescueBucket); rescue != backends.end()) {
    auto wrapped =
        std::make_unique<JournaledObjectStore>(std::move(rescue->second), registry->errors_.get(), nullptr);
    registry->rescue_ = wrapped.get();
    registry->stores_.emplace(std::string(kRescueBucket), std::move(wrapped));
    backends.erase(rescue);
  }
  for (auto& [name, backend] : backends) {
    registry->stores_.emplace(name, std::make_unique<JournaledObjectStore>(
                                        std::move(backend), registry->errors_.get(), registry->rescue_));
  }
  registry->primary_ = registry->stores_.find(kPrimaryBucket)->second.get();
  return registry;
}

Result<ObjectStore*> BucketRegistry::Backend(std::string_view name) const {
  LH_RETURN_IF_ERROR(Get(name).status());
  return &stores_.find(name)->second->inner();
}

Result<ObjectStore*> BucketRegistry::Get(std::string_view name) const {
  const auto it = stores_.find(name);
  if (it == stores_.end()) {
    return Status::NotFound(
        fmt::format("no bucket named '{}'; the configured buckets are: {}", name, fmt::join(names(), ", ")));
  }
  return it->second.get();
}

std::vector<std::string> BucketRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(stores_.size());
  for (const auto& entry : stores_) out.push_back(entry.first);
  return out;
}

Status BucketRegistry::CheckHealth(std::string_view name) const {
  LH_ASSIGN_OR_RETURN(ObjectStore * store, Get(name));
  static std::atomic<uint64_t> counter{0};
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  const std::string key = fmt::format("{}probe-{}-{}", kHealthProbePrefix, ::getpid(), counter.fetch_add(1));
  const std::string payload = fmt::format("lakehouse health probe {}", now_us.count());
  const auto unhealthy = [&](const Status& cause) {
    return Status::Unavailable(
        fmt::format("bucket '{}' failed its health probe: {}", name, cause.ToString()));
  };

  if (Status put = store->Put(key, payload); !put.ok()) return unhealthy(put);
  Result<std::string> read = store->Get(key);
  Status removed = store->Delete(key);
  if (!read.ok()) return unhealthy(read.status());
  if (*read != payload) {
    return unhealthy(
        Status::IOError(fmt::format("object '{}' read back {} bytes that differ from the {} written", key,
                                    read->size(), payload.size())));
  }
  if (!removed.ok()) return unhealthy(removed);
  return Status::OK();
}

}  // namespace lakehouse
