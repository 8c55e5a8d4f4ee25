// Catalog: the datasets of a Lakehouse -- their versions, schemas, data objects and metadata.
//
// The catalog is an in-memory index over the manifests that ManifestStore keeps as write-once
// Parquet batches in the primary bucket. Open() rebuilds the index from the batches (for each
// dataset name and version, the record with the latest updated_at_us wins; a metadata PATCH is
// simply a newer record). Nothing else is durable: the process can be restarted from the
// buckets alone.
//
// Commit protocol: a writer (ingest) reserves a version with BeginVersion(), writes its data
// objects under datasets/{name}/v{version}/, then calls Commit(); the manifest batch written by
// Commit is the commit point. A crash before it leaves only objects no manifest references,
// which GarbageCollect() removes. Every version stays readable until GarbageCollect() applies
// a RetentionPolicy.
//
// Thread-safety: every method is safe to call from many threads at once. Reads (List, Get,
// CurrentDatasets, ...) take a shared lock on the index and never touch storage; writes
// (Commit, PatchMetadata, Compact, Refresh, GarbageCollect) are serialised among themselves.
// Several processes may share the buckets (e.g. `lakehouse ingest` next to a server): each
// sees the others' commits after Refresh(); two processes writing the same dataset at the same
// moment is not supported (one writer per dataset).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "catalog/dataset_manifest.h"
#include "catalog/manifest_store.h"
#include "catalog/writer_lease.h"
#include "common/status.h"
#include "engine/database.h"
#include "storage/bucket_registry.h"

namespace lakehouse::catalog {

//! Where data objects of dataset versions live in their bucket.
inline constexpr std::string_view kDatasetPrefix = "datasets/";

//! How to open a Catalog. Every field has a usable default.
struct CatalogOptions {
  //! The private in-memory DuckDB that writes and reads manifest Parquet (extension dir etc.).
  engine::DatabaseOptions engine;
  //! Parent of the catalog's scratch directory; empty means the system temp directory.
  std::string scratch_dir;
  //! Compact when more than this many batches exist (checked on open and after each commit).
  std::size_t compact_after_batches = 64;
  //! How long a dataset's writer lease (see WriterLease) outlives a holder that stopped renewing it.
  std::chrono::seconds writer_lease_ttl{30};
  //! Called with every manifest record about to be written (a new version, or a metadata change
  //! of the latest one, then `previous` is that version's current record) before its commit
  //! point, under the dataset's writer lease; a non-OK status aborts the commit. The event
  //! journal hooks in here, so that it records a change before the change becomes visible.
  std::function<Status(const DatasetManifest& next, const DatasetManifest* previous)> before_commit;
};

//! Which datasets GET /datasets lists; an unset field matches everything.
struct DatasetFilter {
  std::optional<std::string> tag;  //!< has this tag
  std::optional<std::string> owner;
  std::optional<Sensitivity> sensitivity;
  std::optional<bool> stale;
};

//! What a reader (the query engine) needs to expose one dataset version as a table.
//! This is the stable contract between the catalog and the query module.
struct ReadableDataset {
  std::string name;
  std::int64_t version = 0;
  std::string bucket;
  std::vector<ColumnSchema> schema;    //!< column names and DuckDB types, in order
  std::vector<std::string> data_uris;  //!< ObjectStore::Uri of every data file, in order
  //! ObjectStore::Uri of every delta file, oldest first; readers merge them over data_uris by
  //! primary_key (engine/merged_relation.h). Empty for a plain or compacted version.
  std::vector<std::string> delta_uris{};
  std::optional<std::string> primary_key{};
};

//! A metadata change (PATCH /datasets/{name}); unset fields stay as they are.
struct MetadataPatch {
  std::optional<std::string> owner;
  std::optional<Sensitivity> sensitivity;
  std::optional<std::string> description;
  std::optional<std::string> freshness_sla;  //!< "" removes the SLA
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> source_system;
  std::optional<std::vector<std::string>> parents;
  std::optional<std::string> primary_key;  //!< "" removes the key
};

//! Parses a PATCH body: {"owner", "sensitivity", "description", "freshness_sla", "tags",
//! "lineage": {"source_system", "parents"}, "primary_key"}. InvalidArgument listing every
//! unknown field and every value of the wrong type or format.
Result<MetadataPatch> MetadataPatchFromJson(const Json& body);

//! How long versions are kept ([catalog] retain_versions / retain_days). The latest version of a
//! dataset is always kept; an older one goes when either limit says so. Zero disables a limit.
struct RetentionPolicy {
  int retain_versions = 0;  //!< keep at most this many newest versions of each dataset
  int retain_days = 0;      //!< drop versions superseded (by a newer version) more than this many days ago
};

//! What GarbageCollect did.
struct GarbageReport {
  std::vector<std::string> removed;  //!< "bucket:key" of every deleted object
  std::uint64_t removed_bytes = 0;
  std::size_t kept_recent = 0;  //!< unreferenced objects younger than the grace period, kept
  //! "name@version" of every version the retention policy removed
  std::vector<std::string> removed_versions;
};

class Catalog;

//! A reserved version number of one dataset, held by the writer between BeginVersion() and
//! Commit(). While it lives no other writer in this process can begin a version of the same
//! dataset, and GarbageCollect() leaves its objects alone. Used by one thread.
class VersionLease {
 public:
  VersionLease(const VersionLease&) = delete;
  VersionLease& operator=(const VersionLease&) = delete;
  ~VersionLease();

  const std::string& name() const { return name_; }
  const std::string& bucket() const { return bucket_; }
  std::int64_t version() const { return version_; }
  //! "datasets/{name}/v{version}/": where this version's data objects go.
  std::string prefix() const;

 private:
  friend class Catalog;
  VersionLease(Catalog& catalog, std::string name, std::string bucket, std::int64_t version)
      : catalog_(catalog), name_(std::move(name)), bucket_(std::move(bucket)), version_(version) {}

  Catalog& catalog_;
  std::string name_;
  std::string bucket_;
  std::int64_t version_;
  std::unique_ptr<WriterLease> writer_;  // the cross-process lease; released after ReleaseLease
};

class Catalog {
 public:
  //! Opens the catalog over `buckets` (which must outlive it) and rebuilds the index from every
  //! manifest batch; compacts first if there are more than options.compact_after_batches.
  //! Errors: the primary bucket's, or InvalidArgument naming a corrupt batch.
  static Result<std::unique_ptr<Catalog>> Open(BucketRegistry& buckets, const CatalogOptions& options);

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;
  ~Catalog();

  //! Number of datasets (names) in the index.
  std::size_t dataset_count() const;

  //! Grows by one whenever the index changes; a reader caching views can compare it.
  std::uint64_t generation() const { return generation_.load(); }

  //! The latest version of every dataset matching `filter`, sorted by name.
  std::vector<DatasetManifest> List(const DatasetFilter& filter = {}) const;

  //! The latest version of dataset `name`. NotFound if there is no such dataset.
  Result<DatasetManifest> Get(const std::string& name) const;

  //! Version `version` of dataset `name`. NotFound naming the versions that exist.
  Result<DatasetManifest> GetVersion(const std::string& name, std::int64_t version) const;

  //! Every version of dataset `name`, oldest first. NotFound if there is no such dataset.
  Result<std::vector<DatasetManifest>> Versions(const std::string& name) const;

  //! The latest version of every dataset, as a reader needs it (sorted by name). Errors only if
  //! a manifest names a bucket that is not configured (NotFound naming it).
  Result<std::vector<ReadableDataset>> CurrentDatasets() const;

  //! Version `version` of dataset `name` (0: the latest) as a reader needs it. NotFound if
  //! there is no such dataset or version.
  Result<ReadableDataset> Readable(const std::string& name, std::int64_t version = 0) const;

  //! Reserves the next version of dataset `name` in `bucket`, after loading commits of other
  //! processes. InvalidArgument for a bad name, NotFound for an unknown bucket, AlreadyExists
  //! if another dataset has the same name but for case (SQL names are case-insensitive),
  //! FailedPrecondition if another writer in this process, or another process sharing the
  //! primary bucket (WriterLease), is writing the dataset.
  Result<std::unique_ptr<VersionLease>> BeginVersion(const std::string& name, const std::string& bucket);

  //! Commits `manifest` (its data objects must already be durable) as version lease.version().
  //! Fills in name, bucket, version, id (kept from earlier versions), schema_fingerprint and
  //! the times; returns the committed manifest. When OK is returned the version is visible and
  //! durable. row_count is the sum of the files' rows, except for a version with deltas, whose
  //! merged row count the writer gives. InvalidArgument if the manifest references objects
  //! outside the lease's prefix that the previous version does not reference either (a delta
  //! version reuses its predecessor's files); FailedPrecondition if the writer lease was lost.
  Result<DatasetManifest> Commit(VersionLease& lease, DatasetManifest manifest);

  //! Applies `patch` to the latest version of `name` as a new manifest record. NotFound for an
  //! unknown dataset; InvalidArgument for an invalid value (e.g. a primary key that is not a
  //! column, or a sensitivity below confidential while PII columns are known).
  Result<DatasetManifest> PatchMetadata(const std::string& name, const MetadataPatch& patch);

  //! Loads manifest batches written since the last look (by other processes).
  Status Refresh();

  //! Merges all batches into one. Readers are not disturbed.
  Status Compact();

  //! Deletes objects under datasets/ in every bucket that no manifest (of any version)
  //! references and that are older than `grace` (so a writer in another process that has not
  //! committed yet keeps its objects). Objects of versions leased in this process are kept.
  //! First, versions outside `retention` lose their manifest records (the catalog's batches are
  //! rewritten without them), so their objects become unreferenced and are deleted like any other
  //! (a version's objects that a kept version still references stay).
  Result<GarbageReport> GarbageCollect(std::chrono::seconds grace = std::chrono::hours(1),
                                       const RetentionPolicy& retention = {});

  //! Number of manifest batches loaded (after Compact: 1).
  std::size_t batch_count() const;

 private:
  friend class VersionLease;
  Catalog(BucketRegistry& buckets, CatalogOptions options, std::unique_ptr<ManifestStore> store);

  Status RefreshLocked();                                                               // write_mu_ held
  Status CompactLocked();                                                               // write_mu_ held
  Status PruneVersionsLocked(const RetentionPolicy& retention, GarbageReport& report);  // write_mu_ held
  void Apply(DatasetManifest manifest);  // index_mu_ held exclusively
  void ReleaseLease(const std::string& name);
  Result<ReadableDataset> ToReadable(const DatasetManifest& manifest) const;
  std::string CaseInsensitiveClash(const std::string& name) const;  // "" if none

  BucketRegistry& buckets_;
  CatalogOptions options_;
  std::unique_ptr<ManifestStore> store_;

  mutable std::mutex write_mu_;
  std::set<std::string> loaded_batches_;  // guarded by write_mu_

  mutable std::shared_mutex index_mu_;
  std::map<std::string, std::map<std::int64_t, DatasetManifest>> index_;  // guarded by index_mu_

  std::mutex lease_mu_;
  std::map<std::string, std::string> leases_;  // name -> prefix in use; guarded by lease_mu_

  std::atomic<std::uint64_t> generation_{0};
  const std::string holder_id_;  // who this process is in writer leases
};

}  // namespace lakehouse::catalog
