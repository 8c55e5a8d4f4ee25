// ManifestStore: the catalog's persistence -- write-once Parquet batches of manifests in the
// primary bucket under `_catalog/manifests/batch_{epoch_us}.parquet`.
//
// A batch has one row per manifest record with the columns
//   name VARCHAR, version BIGINT, recorded_at_us BIGINT, manifest VARCHAR (ManifestToJson text)
// The flat columns let any Parquet reader find a dataset; the JSON column carries the full
// record, so adding a metadata field never needs a new Parquet schema. Batches are never
// modified: a commit writes a new batch, compaction writes one merged batch and then deletes
// the ones it merged (a crash in between leaves duplicates, which readers resolve the same way).
//
// Thread-safety: all methods may be called from many threads; they serialise on an internal
// mutex (the DuckDB connection used for Parquet I/O serves one statement at a time).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/dataset_manifest.h"
#include "catalog/scratch_directory.h"
#include "common/status.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "storage/object_store.h"

namespace lakehouse::catalog {

//! Where manifest batches live in the primary bucket.
inline constexpr std::string_view kManifestPrefix = "_catalog/manifests/";

class ManifestStore {
 public:
  //! Opens a store over `primary` (which must outlive it). `engine` configures the private
  //! in-memory DuckDB used to write and read Parquet; `scratch_parent` is where temporary files
  //! go (empty: the system temp directory). Errors: the engine's or the scratch directory's.
  static Result<std::unique_ptr<ManifestStore>> Open(ObjectStore& primary,
                                                     const engine::DatabaseOptions& engine,
                                                     const std::string& scratch_parent);

  //! Keys of all batches now in the bucket, oldest first (keys sort by their timestamp).
  Result<std::vector<std::string>> ListBatches();

  //! Writes `manifests` as one new batch (never overwriting one) and returns its key. When OK
  //! is returned the batch is durable: this is the catalog's commit point.
  Result<std::string> WriteBatch(const std::vector<DatasetManifest>& manifests);

  //! Reads every record of the batches `keys`, in no particular order (callers resolve by
  //! updated_at_us). A batch that vanished meanwhile
  //! (compacted by another process) is skipped; InvalidArgument names a corrupt batch.
  Result<std::vector<DatasetManifest>> ReadBatches(const std::vector<std::string>& keys);

  //! Replaces the batches `keys` by one batch holding `merged` (which must hold every record
  //! worth keeping from them): writes the new batch, then deletes the old ones. Returns the new key.
  Result<std::string> ReplaceBatches(const std::vector<std::string>& keys,
                                     const std::vector<DatasetManifest>& merged);

 private:
  ManifestStore(ObjectStore& primary, std::unique_ptr<engine::Database> database,
                engine::Connection connection, std::unique_ptr<ScratchDirectory> scratch);

  ObjectStore& primary_;
  std::mutex mu_;
  std::unique_ptr<engine::Database> database_;
  engine::Connection connection_;
  std::unique_ptr<ScratchDirectory> scratch_;
  std::uint64_t file_counter_ = 0;
};

}  // namespace lakehouse::catalog
