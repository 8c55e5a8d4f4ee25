// MutationService: row upserts and deletes by primary key, as immutable delta files merged on
// read, and compaction of those deltas into a new base version.
//
// What it promises:
// - A mutation never rewrites a data object. It writes ONE new delta Parquet object
//   datasets/{name}/v{N}/delta.parquet (the dataset's columns in schema order, plus _lh_op
//   'upsert'|'delete' and _lh_seq = N * 2^24 + position in the request) and commits version N,
//   whose manifest lists the previous version's base files and deltas plus the new delta. The
//   manifest commit is the commit point: before it nothing is visible, after it everything is.
// - Readers (every SQL path) see the merged view (engine/merged_relation.h): the latest write
//   per key wins and deletes hide the row.
// - An upsert may give only some columns: the others keep the row's current values (a new row
//   gets NULL). Every row must carry the key; unknown columns and values that do not convert to
//   the column's type are rejected (InvalidArgument listing row and column), and then nothing is
//   written.
// - Compaction writes the merged rows as a new base version (datasets/{name}/v{M}/part-0.parquet,
//   no deltas); earlier versions and their files stay for time travel. It runs on request and
//   automatically once a version carries options.compact_after_deltas deltas.
// - One writer per dataset across processes (Catalog::BeginVersion takes the WriterLease): a
//   concurrent writer gets FailedPrecondition. Readers never wait.
// - Every committed change is reported field by field (FieldChange) to the ChangeSink, before
//   the mutation is acknowledged.
//
// Thread-safety: all methods may be called from many threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/scratch_directory.h"
#include "common/json.h"
#include "common/status.h"
#include "engine/database.h"
#include "storage/bucket_registry.h"

namespace lakehouse::mutation {

//! How to build a MutationService. Every field has a usable default.
struct MutationOptions {
  engine::DatabaseOptions engine;  //!< the private in-memory DuckDB that stages and writes deltas
  std::string scratch_dir;         //!< parent of temporary files; empty: the system temp directory
  //! Compact automatically once a version carries this many deltas; 0 never compacts on its own.
  std::size_t compact_after_deltas = 32;
  std::size_t max_rows_per_request = 100'000;  //!< upserts + deletes in one request
};

//! Who made a change, and from where; recorded with every event.
struct ChangeContext {
  std::string actor;         //!< required: a person, service or agent id
  std::string source;        //!< required: e.g. "api", "crm-sync", "cli"
  std::string workspace_id;  //!< optional
};

//! One request: upserts (row objects) and deletes (key values).
struct RowChanges {
  std::vector<Json> upserts;
  std::vector<Json> deletes;
  ChangeContext context;
  //! Optional: how errors name each upsert / delete (e.g. "line 4" of a delta file); when empty
  //! (or shorter), "upsert[i]" / "delete[i]".
  std::vector<std::string> upsert_labels{};
  std::vector<std::string> delete_labels{};
};

//! Parses {"upsert": [{..}], "delete": [key, ..], "actor", "source", "workspace_id"?}.
//! InvalidArgument naming every unknown or mistyped field; at least one row must be given.
Result<RowChanges> RowChangesFromJson(const Json& body);

//! One field of one record changing. Values are text (DuckDB's cast to VARCHAR); nullopt is NULL.
struct FieldChange {
  std::string key;    //!< the record's primary key value, as text
  std::string field;  //!< the column
  std::string op;     //!< "insert", "update" or "delete"
  std::optional<std::string> old_value;
  std::optional<std::string> new_value;
};

//! Receives the field changes of a change about to be committed (version `version` of
//! `dataset`). A non-OK status aborts the change before its commit point. Called with the
//! dataset's writer lease held, so calls for one dataset never overlap.
//! `job` is the version's lineage.ingest_job; `op` is "mutation" or "compaction".
using ChangeSink = std::function<Status(
    const std::string& dataset, std::int64_t version, const std::string& job, const std::string& op,
    const std::vector<FieldChange>& changes, const ChangeContext& context)>;

//! The outcome of Apply.
struct MutationResult {
  catalog::DatasetManifest manifest;  //!< the committed version (after compaction, if one ran)
  std::int64_t upserted = 0;          //!< rows written
  std::int64_t deleted = 0;           //!< rows that existed and were deleted
  std::int64_t field_changes = 0;     //!< events recorded
  bool compacted = false;             //!< automatic compaction ran after the change
};

//! The outcome of Compact.
struct CompactionResult {
  catalog::DatasetManifest manifest;  //!< the new base version (or the current one if unchanged)
  std::size_t deltas_merged = 0;
  bool unchanged = false;  //!< there were no deltas; nothing was written
};

class MutationService {
 public:
  //! `catalog` and `buckets` must outlive the service. `sink` may be empty (changes are then
  //! not recorded anywhere). Errors: the engine's or the scratch directory's.
  static Result<std::unique_ptr<MutationService>> Create(catalog::Catalog& catalog, BucketRegistry& buckets,
                                                         const MutationOptions& options, ChangeSink sink);
  ~MutationService();

  //! Applies `changes` to dataset `name` as one delta version. Errors: NotFound for an unknown
  //! dataset; InvalidArgument if the dataset has no primary key or a row is invalid (see the
  //! header comment); FailedPrecondition if another writer holds the dataset; storage errors.
  Result<MutationResult> Apply(const std::string& name, const RowChanges& changes);

  //! Merges the deltas of dataset `name` into a new base version. `context` is recorded.
  Result<CompactionResult> Compact(const std::string& name, const ChangeContext& context);

  //! JSON for HTTP answers: {"dataset": manifest, "upserted", "deleted", "field_changes", "compacted"}.
  static Json ResultToJson(const MutationResult& result);
  //! {"dataset": manifest, "deltas_merged", "unchanged"}.
  static Json ResultToJson(const CompactionResult& result);

 private:
  MutationService(catalog::Catalog& catalog, BucketRegistry& buckets, MutationOptions options,
                  std::unique_ptr<engine::Database> database,
                  std::unique_ptr<catalog::ScratchDirectory> scratch, ChangeSink sink);

  catalog::Catalog& catalog_;
  BucketRegistry& buckets_;
  const MutationOptions options_;
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<catalog::ScratchDirectory> scratch_;
  ChangeSink sink_;
  std::atomic<std::uint64_t> counter_{0};  // unique names of staging tables and scratch files
};

}  // namespace lakehouse::mutation
