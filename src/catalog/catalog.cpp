#include "catalog/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <random>

#include "common/fault_point.h"
#include "common/log.h"

namespace lakehouse::catalog {
namespace {

std::string NewDatasetId() {
  std::random_device random;
  return fmt::format("ds-{:08x}{:08x}{:08x}{:08x}", random(), random(), random(), random());
}

// The largest N of "datasets/{name}/vN/..." keys in `bucket`, so a new version never reuses the
// number of an uncommitted (crashed) write, whose objects may still be there.
Result<std::int64_t> HighestVersionOnStorage(ObjectStore& bucket, const std::string& name) {
  std::string prefix = fmt::format("{}{}/v", kDatasetPrefix, name);
  LH_ASSIGN_OR_RETURN(auto listed, bucket.List(prefix));
  std::int64_t highest = 0;
  for (const auto& info : listed) {
    std::string_view rest = std::string_view(info.key).substr(prefix.size());
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec == std::errc() && end < rest.data() + rest.size() && *end == '/') highest = std::max(highest, n);
  }
  return highest;
}

Status CheckTags(const std::vector<std::string>& tags) {
  for (const auto& tag : tags) {
    if (tag.empty() || tag.size() > 64)
      return Status::InvalidArgument("every tag must have 1 to 64 characters");
  }
  return Status::OK();
}

}  // namespace

std::string VersionLease::prefix() const { return fmt::format("{}{}/v{}/", kDatasetPrefix, name_, version_); }

VersionLease::~VersionLease() { catalog_.ReleaseLease(name_); }

Result<MetadataPatch> MetadataPatchFromJson(const Json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the body must be a JSON object of metadata fields");
  MetadataPatch patch;
  std::vector<std::string> problems;
  auto text = [&](const Json& value, const std::string& field, std::optional<std::string>& out) {
    if (!value.is_string()) {
      problems.push_back(fmt::format("'{}' must be a string", field));
      return;
    }
    out = value.get<std::string>();
  };
  auto list = [&](const Json& value, const std::string& field, std::optional<std::vector<std::string>>& out) {
    if (!value.is_array() ||
        !std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); })) {
      problems.push_back(fmt::format("'{}' must be an array of strings", field));
      return;
    }
    out = value.get<std::vector<std::string>>();
  };
  for (const auto& [field, value] : body.items()) {
    if (field == "owner") {
      text(value, field, patch.owner);
      if (patch.owner && patch.owner->empty()) problems.push_back("'owner' must not be empty");
    } else if (field == "sensitivity") {
      std::optional<std::string> name;
      text(value, field, name);
      if (name) {
        auto parsed = ParseSensitivity(*name);
        if (parsed.ok()) {
          patch.sensitivity = *parsed;
        } else {
          problems.push_back(parsed.status().message());
        }
      }
    } else if (field == "description") {
      text(value, field, patch.description);
    } else if (field == "freshness_sla") {
      text(value, field, patch.freshness_sla);
      if (patch.freshness_sla && !patch.freshness_sla->empty()) {
        if (auto sla = ParseFreshnessSla(*patch.freshness_sla); !sla.ok())
          problems.push_back(sla.status().message());
      }
    } else if (field == "tags") {
      list(value, field, patch.tags);
      if (patch.tags) {
        if (Status st = CheckTags(*patch.tags); !st.ok()) problems.push_back(st.message());
      }
    } else if (field == "primary_key") {
      text(value, field, patch.primary_key);
    } else if (field == "lineage" && value.is_object()) {
      for (const auto& [sub, sub_value] : value.items()) {
        if (sub == "source_system") {
          text(sub_value, "lineage.source_system", patch.source_system);
          if (patch.source_system && patch.source_system->empty()) {
            problems.push_back("'lineage.source_system' must not be empty");
          }
        } else if (sub == "parents") {
          list(sub_value, "lineage.parents", patch.parents);
        } else {
          problems.push_back(
              fmt::format("'lineage.{}' cannot be changed (use source_system or parents)", sub));
        }
      }
    } else {
      problems.push_back(
          fmt::format("unknown field '{}'; the fields are owner, sensitivity, description, freshness_sla, "
                      "tags, primary_key, "
                      "lineage.source_system, lineage.parents",
                      field));
    }
  }
  if (!problems.empty()) {
    std::string message = "invalid metadata: ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return Status::InvalidArgument(message);
  }
  return patch;
}

Catalog::Catalog(BucketRegistry& buckets, CatalogOptions options, std::unique_ptr<ManifestStore> store)
    : buckets_(buckets),
      options_(std::move(options)),
      store_(std::move(store)),
      holder_id_(WriterLease::ProcessHolderId()) {}

Catalog::~Catalog() = default;

Result<std::unique_ptr<Catalog>> Catalog::Open(BucketRegistry& buckets, const CatalogOptions& options) {
  LH_ASSIGN_OR_RETURN(auto store,
                      ManifestStore::Open(buckets.primary(), options.engine, options.scratch_dir));
  std::unique_ptr<Catalog> catalog(new Catalog(buckets, options, std::move(store)));
  std::lock_guard lock(catalog->write_mu_);
  LH_RETURN_IF_ERROR(catalog->RefreshLocked());
  if (catalog->loaded_batches_.size() > options.compact_after_batches) {
    if (Status st = catalog->CompactLocked(); !st.ok()) {
      log::Warn("catalog compaction failed; the catalog works, but starts slower", {{"error", st.message()}});
    }
  }
  return catalog;
}

void Catalog::Apply(DatasetManifest manifest) {
  auto& slot = index_[manifest.name][manifest.version];
  if (slot.name.empty() || manifest.updated_at_us >= slot.updated_at_us) slot = std::move(manifest);
}

Status Catalog::RefreshLocked() {
  LH_ASSIGN_OR_RETURN(auto keys, store_->ListBatches());
  std::vector<std::string> fresh;
  for (const auto& key : keys) {
    if (!loaded_batches_.contains(key)) fresh.push_back(key);
  }
  std::set<std::string> listed(keys.begin(), keys.end());
  if (std::any_of(loaded_batches_.begin(), loaded_batches_.end(),
                  [&](const std::string& key) { return !listed.contains(key); })) {
    // Another process replaced batches (compaction, or retention dropping versions): rebuild the
    // index from what is there now, so that dropped versions go here too. The replacement batch
    // is written before the old ones are deleted, so it is among `keys`.
    LH_ASSIGN_OR_RETURN(auto all, store_->ReadBatches(keys));
    {
      std::unique_lock lock(index_mu_);
      index_.clear();
      for (auto& m : all) Apply(std::move(m));
    }
    loaded_batches_ = std::move(listed);
    generation_.fetch_add(1);
    return Status::OK();
  }
  if (fresh.empty()) return Status::OK();
  LH_ASSIGN_OR_RETURN(auto manifests, store_->ReadBatches(fresh));
  {
    std::unique_lock lock(index_mu_);
    for (auto& m : manifests) Apply(std::move(m));
  }
  loaded_batches_.insert(fresh.begin(), fresh.end());
  generation_.fetch_add(1);
  return Status::OK();
}

Status Catalog::Refresh() {
  std::lock_guard lock(write_mu_);
  return RefreshLocked();
}

Status Catalog::CompactLocked() {
  LH_RETURN_IF_ERROR(RefreshLocked());
  if (loaded_batches_.size() <= 1) return Status::OK();
  std::vector<DatasetManifest> merged;
  {
    std::shared_lock lock(index_mu_);
    for (const auto& [name, versions] : index_) {
      for (const auto& [version, manifest] : versions) merged.push_back(manifest);
    }
  }
  std::vector<std::string> old(loaded_batches_.begin(), loaded_batches_.end());
  LH_ASSIGN_OR_RETURN(std::string key, store_->ReplaceBatches(old, merged));
  loaded_batches_ = {key};
  log::Info("catalog compacted",
            {{"batches_merged", old.size()}, {"records", merged.size()}, {"batch", key}});
  return Status::OK();
}

Status Catalog::Compact() {
  std::lock_guard lock(write_mu_);
  return CompactLocked();
}

std::string Catalog::CaseInsensitiveClash(const std::string& name) const {
  auto lower = [](std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  const std::string wanted = lower(name);
  std::shared_lock lock(index_mu_);
  for (const auto& [existing, versions] : index_) {
    if (existing != name && lower(existing) == wanted) return existing;
  }
  return "";
}

std::size_t Catalog::batch_count() const {
  std::lock_guard lock(write_mu_);
  return loaded_batches_.size();
}

std::size_t Catalog::dataset_count() const {
  std::shared_lock lock(index_mu_);
  return index_.size();
}

std::vector<DatasetManifest> Catalog::List(const DatasetFilter& filter) const {
  auto now = std::chrono::system_clock::now();
  std::vector<DatasetManifest> out;
  std::shared_lock lock(index_mu_);
  for (const auto& [name, versions] : index_) {
    const DatasetManifest& m = versions.rbegin()->second;
    if (filter.owner && m.metadata.owner != *filter.owner) continue;
    if (filter.sensitivity && m.metadata.sensitivity != *filter.sensitivity) continue;
    if (filter.tag &&
        std::find(m.metadata.tags.begin(), m.metadata.tags.end(), *filter.tag) == m.metadata.tags.end()) {
      continue;
    }
    if (filter.stale && IsStale(m, now) != *filter.stale) continue;
    out.push_back(m);
  }
  return out;
}

Result<DatasetManifest> Catalog::Get(const std::string& name) const {
  std::shared_lock lock(index_mu_);
  auto it = index_.find(name);
  if (it == index_.end()) {
    return Status::NotFound(fmt::format("no dataset '{}'; GET /datasets lists the datasets", name));
  }
  return it->second.rbegin()->second;
}

Result<DatasetManifest> Catalog::GetVersion(const std::string& name, std::int64_t version) const {
  std::shared_lock lock(index_mu_);
  auto it = index_.find(name);
  if (it == index_.end()) {
    return Status::NotFound(fmt::format("no dataset '{}'; GET /datasets lists the datasets", name));
  }
  auto v = it->second.find(version);
  if (v == it->second.end()) {
    return Status::NotFound(fmt::format("dataset '{}' has no version {}; its versions are 1 to {}", name,
                                        version, it->second.rbegin()->first));
  }
  return v->second;
}

Result<std::vector<DatasetManifest>> Catalog::Versions(const std::string& name) const {
  std::shared_lock lock(index_mu_);
  auto it = index_.find(name);
  if (it == index_.end()) {
    return Status::NotFound(fmt::format("no dataset '{}'; GET /datasets lists the datasets", name));
  }
  std::vector<DatasetManifest> out;
  for (const auto& [version, manifest] : it->second) out.push_back(manifest);
  return out;
}

Result<ReadableDataset> Catalog::ToReadable(const DatasetManifest& manifest) const {
  LH_ASSIGN_OR_RETURN(ObjectStore * bucket, buckets_.Get(manifest.bucket));
  ReadableDataset readable{manifest.name,       manifest.version, manifest.bucket, manifest.schema, {}, {},
                           manifest.primary_key};
  for (const auto& file : manifest.files) {
    LH_ASSIGN_OR_RETURN(std::string uri, bucket->Uri(file.key));
    readable.data_uris.push_back(std::move(uri));
  }
  for (const auto& file : manifest.deltas) {
    LH_ASSIGN_OR_RETURN(std::string uri, bucket->Uri(file.key));
    readable.delta_uris.push_back(std::move(uri));
  }
  return readable;
}

Result<std::vector<ReadableDataset>> Catalog::CurrentDatasets() const {
  std::vector<ReadableDataset> out;
  for (const auto& manifest : List()) {
    LH_ASSIGN_OR_RETURN(auto readable, ToReadable(manifest));
    out.push_back(std::move(readable));
  }
  return out;
}

Result<ReadableDataset> Catalog::Readable(const std::string& name, std::int64_t version) const {
  LH_ASSIGN_OR_RETURN(auto manifest, version == 0 ? Get(name) : GetVersion(name, version));
  return ToReadable(manifest);
}

Result<std::unique_ptr<VersionLease>> Catalog::BeginVersion(const std::string& name,
                                                            const std::string& bucket) {
  LH_RETURN_IF_ERROR(ValidateDatasetName(name));
  LH_ASSIGN_OR_RETURN(ObjectStore * store, buckets_.Get(bucket));
  {
    std::lock_guard lock(lease_mu_);
    if (leases_.contains(name)) {
      return Status::FailedPrecondition(
          fmt::format("another ingest of dataset '{}' is in progress; retry when it has finished", name));
    }
    leases_[name] = fmt::format("{}:{}{}/", bucket, kDatasetPrefix, name);
  }
  auto release = [&] {
    std::lock_guard lock(lease_mu_);
    leases_.erase(name);
  };
  {
    std::lock_guard lock(write_mu_);
    if (Status st = RefreshLocked(); !st.ok()) {
      release();
      return st;
    }
  }
  std::int64_t latest = 0;
  if (auto current = Get(name); current.ok()) {
    latest = current->version;
  } else if (auto clash = CaseInsensitiveClash(name); !clash.empty()) {
    release();
    return Status::AlreadyExists(fmt::format(
        "dataset '{}' already exists; names are case-insensitive in SQL, so '{}' cannot be another dataset",
        clash, name));
  }
  // The cross-process lease comes before the version number: another process may have just
  // committed, so the index is refreshed once more under the lease.
  auto writer = WriterLease::Acquire(buckets_.primary(), name, holder_id_, options_.writer_lease_ttl);
  if (!writer.ok()) {
    release();
    return writer.status();
  }
  {
    std::lock_guard lock(write_mu_);
    if (Status st = RefreshLocked(); !st.ok()) {
      release();
      return st;
    }
  }
  if (auto current = Get(name); current.ok()) latest = current->version;
  auto on_storage = HighestVersionOnStorage(*store, name);
  if (!on_storage.ok()) {
    release();
    return on_storage.status();
  }
  std::unique_ptr<VersionLease> lease(
      new VersionLease(*this, name, bucket, std::max(latest, *on_storage) + 1));
  lease->writer_ = std::move(writer).value();
  return lease;
}

void Catalog::ReleaseLease(const std::string& name) {
  std::lock_guard lock(lease_mu_);
  leases_.erase(name);
}

Result<DatasetManifest> Catalog::Commit(VersionLease& lease, DatasetManifest manifest) {
  std::set<std::string> inherited;
  if (auto previous = Get(lease.name()); previous.ok() && previous->bucket == lease.bucket()) {
    for (const auto& file : previous->files) inherited.insert(file.key);
    for (const auto& file : previous->deltas) inherited.insert(file.key);
  }
  for (const auto* list : {&manifest.files, &manifest.deltas}) {
    for (const auto& file : *list) {
      if (!file.key.starts_with(lease.prefix()) && !inherited.contains(file.key)) {
        return Status::InvalidArgument(
            fmt::format("data object {} is outside the version's prefix {}", file.key, lease.prefix()));
      }
    }
  }
  if (lease.writer_) LH_RETURN_IF_ERROR(lease.writer_->Verify());
  manifest.name = lease.name();
  manifest.bucket = lease.bucket();
  manifest.version = lease.version();
  manifest.schema_fingerprint = SchemaFingerprint(manifest.schema);
  if (manifest.deltas.empty()) {
    manifest.row_count = 0;
    for (const auto& file : manifest.files) manifest.row_count += file.rows;
  }
  if (auto previous = Get(lease.name()); previous.ok()) {
    manifest.id = previous->id;
  } else {
    manifest.id = NewDatasetId();
  }
  manifest.created_at_us = NowMicros();
  manifest.updated_at_us = manifest.created_at_us;

  std::lock_guard lock(write_mu_);
  if (options_.before_commit) {
    auto previous = Get(lease.name());
    LH_RETURN_IF_ERROR(options_.before_commit(manifest, previous.ok() ? &*previous : nullptr));
  }
  FaultPoint("catalog.before_commit");
  LH_ASSIGN_OR_RETURN(std::string key, store_->WriteBatch({manifest}));
  FaultPoint("catalog.after_commit");
  loaded_batches_.insert(key);
  {
    std::unique_lock index_lock(index_mu_);
    Apply(manifest);
  }
  generation_.fetch_add(1);
  if (loaded_batches_.size() > options_.compact_after_batches) {
    if (Status st = CompactLocked(); !st.ok()) {
      log::Warn("catalog compaction failed; will retry after the next commit", {{"error", st.message()}});
    }
  }
  return manifest;
}

Result<DatasetManifest> Catalog::PatchMetadata(const std::string& name, const MetadataPatch& patch) {
  std::lock_guard lock(write_mu_);
  LH_RETURN_IF_ERROR(RefreshLocked());
  LH_ASSIGN_OR_RETURN(DatasetManifest m, Get(name));
  auto& md = m.metadata;
  if (patch.owner) md.owner = *patch.owner;
  if (patch.sensitivity) {
    if (!md.pii_columns.empty() && *patch.sensitivity < Sensitivity::kConfidential) {
      return Status::InvalidArgument(fmt::format(
          "dataset '{}' holds personal data (columns: {}); its sensitivity cannot be lower than confidential",
          name, fmt::join(md.pii_columns, ", ")));
    }
    md.sensitivity = *patch.sensitivity;
  }
  if (patch.description) md.description = *patch.description;
  if (patch.freshness_sla) md.freshness_sla = *patch.freshness_sla;
  if (patch.tags) md.tags = *patch.tags;
  if (patch.source_system) md.lineage.source_system = *patch.source_system;
  if (patch.parents) md.lineage.parents = *patch.parents;
  if (patch.primary_key) {
    if (patch.primary_key->empty()) {
      m.primary_key.reset();
    } else if (!m.deltas.empty() && m.primary_key != *patch.primary_key) {
      return Status::FailedPrecondition(
          fmt::format("dataset '{}' has uncompacted row changes keyed by '{}'; compact it first (POST "
                      "/datasets/{}/compact)",
                      name, m.primary_key.value_or(""), name));
    } else if (std::none_of(m.schema.begin(), m.schema.end(),
                            [&](const ColumnSchema& c) { return c.name == *patch.primary_key; })) {
      return Status::InvalidArgument(
          fmt::format("primary key '{}' is not a column of dataset '{}'", *patch.primary_key, name));
    } else {
      m.primary_key = *patch.primary_key;
    }
  }
  m.updated_at_us = std::max(NowMicros(), m.updated_at_us + 1);
  if (options_.before_commit) {
    LH_ASSIGN_OR_RETURN(DatasetManifest previous, Get(name));
    LH_RETURN_IF_ERROR(options_.before_commit(m, &previous));
  }
  LH_ASSIGN_OR_RETURN(std::string key, store_->WriteBatch({m}));
  loaded_batches_.insert(key);
  {
    std::unique_lock index_lock(index_mu_);
    Apply(m);
  }
  generation_.fetch_add(1);
  return m;
}

Result<GarbageReport> Catalog::GarbageCollect(std::chrono::seconds grace, const RetentionPolicy& retention) {
  std::lock_guard lock(write_mu_);
  LH_RETURN_IF_ERROR(RefreshLocked());
  GarbageReport report;
  LH_RETURN_IF_ERROR(PruneVersionsLocked(retention, report));
  std::set<std::string> referenced;
  {
    std::shared_lock index_lock(index_mu_);
    for (const auto& [name, versions] : index_) {
      for (const auto& [version, manifest] : versions) {
        for (const auto& file : manifest.files) referenced.insert(manifest.bucket + ":" + file.key);
      }
    }
  }
  std::vector<std::string> leased;
  {
    std::lock_guard lease_lock(lease_mu_);
    for (const auto& [name, prefix] : leases_) leased.push_back(prefix);
  }
  auto cutoff = std::chrono::system_clock::now() - grace;
  for (const auto& bucket_name : buckets_.names()) {
    LH_ASSIGN_OR_RETURN(ObjectStore * bucket, buckets_.Get(bucket_name));
    LH_ASSIGN_OR_RETURN(auto listed, bucket->List(kDatasetPrefix));
    for (const auto& info : listed) {
      std::string ref = bucket_name + ":" + info.key;
      if (referenced.contains(ref)) continue;
      if (std::any_of(leased.begin(), leased.end(),
                      [&](const std::string& p) { return ref.starts_with(p); })) {
        continue;
      }
      if (info.last_modified > cutoff) {
        ++report.kept_recent;
        continue;
      }
      LH_RETURN_IF_ERROR(bucket->Delete(info.key));
      report.removed.push_back(ref);
      report.removed_bytes += info.size;
    }
  }
  if (!report.removed.empty()) {
    log::Info("garbage collected", {{"objects", report.removed.size()}, {"bytes", report.removed_bytes}});
  }
  return report;
}

Status Catalog::PruneVersionsLocked(const RetentionPolicy& retention, GarbageReport& report) {
  if (retention.retain_versions <= 0 && retention.retain_days <= 0) return Status::OK();
  const std::int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const std::int64_t max_age_us = std::int64_t{retention.retain_days} * 86'400'000'000LL;
  std::vector<DatasetManifest> kept;
  std::vector<std::pair<std::string, std::int64_t>> dropped;
  {
    std::shared_lock lock(index_mu_);
    for (const auto& [name, versions] : index_) {
      // Newest first: position 0 is the latest version, which is always kept.
      std::int64_t superseded_at_us = 0;
      int position = 0;
      for (auto it = versions.rbegin(); it != versions.rend(); ++it, ++position) {
        const DatasetManifest& manifest = it->second;
        const bool too_many = retention.retain_versions > 0 && position >= retention.retain_versions;
        const bool too_old =
            retention.retain_days > 0 && position > 0 && now_us - superseded_at_us > max_age_us;
        if (position > 0 && (too_many || too_old)) {
          dropped.emplace_back(name, it->first);
        } else {
          kept.push_back(manifest);
        }
        superseded_at_us = manifest.created_at_us;
      }
    }
  }
  if (dropped.empty()) return Status::OK();
  // The batches are rewritten without the dropped records before the index forgets them, so a
  // failure leaves both as they were; a crash after the write leaves duplicates that resolve alike.
  std::vector<std::string> old(loaded_batches_.begin(), loaded_batches_.end());
  LH_ASSIGN_OR_RETURN(std::string key, store_->ReplaceBatches(old, kept));
  loaded_batches_ = {key};
  {
    std::unique_lock lock(index_mu_);
    for (const auto& [name, version] : dropped) {
      index_[name].erase(version);
      report.removed_versions.push_back(name + "@" + std::to_string(version));
    }
  }
  generation_.fetch_add(1);
  log::Info("retention removed dataset versions", {{"versions", report.removed_versions.size()},
                                                   {"retain_versions", retention.retain_versions},
                                                   {"retain_days", retention.retain_days}});
  return Status::OK();
}

}  // namespace lakehouse::catalog
