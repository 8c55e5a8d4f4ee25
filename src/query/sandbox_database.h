// SandboxDatabase: an in-memory DuckDB that can read a fixed set of Parquet files and nothing else.
//
// Each table is a view over its files. Before the database is handed out, it is locked down with
// DuckDB's own guards: the needed extensions are loaded and autoloading is switched off;
// allowed_paths is exactly the tables' files; enable_external_access is off, so no other file,
// directory, URL or database can be read, written or attached and no extension can be loaded; and
// lock_configuration is on, so no statement can change any of that (or the memory limit).
// Error messages come back as JSON (errors_as_json), which carries DuckDB's error position.
//
// A SandboxDatabase is immutable once open and safe to share across threads; connect once per
// query. The set of tables is fixed: a new set means a new SandboxDatabase (see QueryService).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "engine/live_rows.h"
#include "query/table_source.h"
#include "storage/s3_object_store.h"

namespace lakehouse::query {

//! Engine settings of a sandbox.
struct SandboxOptions {
  std::string memory_limit = "2GB";  //!< DuckDB memory_limit; empty keeps DuckDB's default
  std::uint32_t threads = 0;         //!< DuckDB threads; 0 keeps DuckDB's default (one per core)
  std::string extension_dir;         //!< as engine::DatabaseOptions::extension_dir
  std::string temp_dir;              //!< as engine::DatabaseOptions::temp_dir
  //! S3 buckets whose objects tables may name as s3://<remote bucket>/<key>; each one that a
  //! table uses gets a DuckDB secret with its credentials. Not owned; must outlive the sandbox.
  std::vector<const S3ObjectStore*> s3_buckets;
  //! The rescue bucket's real store (local or S3), or null. Tables over the objects of a bucket
  //! passed to Open as `rescued` read the same keys from here instead. Not owned; must outlive
  //! the sandbox. An S3 rescue bucket must also be in s3_buckets (for its credentials).
  const ObjectStore* rescue = nullptr;
};

//! The resolved files of a table read as base files merged with row deltas.
struct MergeSource {
  std::string table;
  std::vector<std::string> base_paths;
  std::vector<std::string> delta_paths;
  std::string key_column;
};

//! What Open does for a table with deltas whose hidden-row masks (engine/live_rows.h) are not
//! cached yet.
enum class MaskMode {
  kCompute,     //!< compute them now (Open takes as long)
  kCachedOnly,  //!< serve the table through the anti join; it is listed in pending_masks()
};

class SandboxDatabase {
 public:
  //! Opens a sandbox serving `tables`. InvalidArgument for an empty, duplicate (ignoring case) or
  //! unreadable table, a path that is neither local and absolute nor an s3:// URI of one of
  //! options.s3_buckets, or a bad option; the message names the table. Tables without files are
  //! skipped (they have no schema to show). Only the tables' own files (and objects) are readable.
  //! `rescued`: S3 buckets (of options.s3_buckets) that are down; their objects are read from
  //! options.rescue (FailedPrecondition if it is null). The rescue bucket must hold copies under
  //! the same keys, or the tables over them fail to open with the engine's error.
  //! `masks`: see MaskMode; both serve the same rows.
  static Result<std::shared_ptr<SandboxDatabase>> Open(const std::vector<TableSource>& tables,
                                                       const SandboxOptions& options,
                                                       std::vector<const S3ObjectStore*> rescued = {},
                                                       MaskMode masks = MaskMode::kCompute);

  //! The S3 buckets of `s3_buckets` that hold objects of `tables`, each once.
  static std::vector<const S3ObjectStore*> S3BucketsOf(const std::vector<TableSource>& tables,
                                                       const std::vector<const S3ObjectStore*>& s3_buckets);

  //! A new connection for one query. Thread-safe.
  Result<engine::Connection> Connect();

  //! The tables this sandbox serves, as given.
  const std::vector<TableSource>& tables() const { return tables_; }

  //! The buckets whose objects this sandbox reads from the rescue bucket, as given to Open.
  const std::vector<const S3ObjectStore*>& rescued() const { return rescued_; }

  //! The tables with deltas served through the anti join because their masks were not cached
  //! (MaskMode::kCachedOnly); computing them with ComputeMasks lets a reopened sandbox filter in
  //! the scan instead.
  const std::vector<MergeSource>& pending_masks() const { return pending_masks_; }

  //! The masks of `source` (e.g. one of pending_masks()) from engine::LiveRowsCache::Global(),
  //! computed on `connection` (of this sandbox: it may read the tables' files) and cached if they
  //! were not there. Errors: the engine's.
  static Result<std::shared_ptr<const engine::LiveRows>> ComputeMasks(engine::Connection& connection,
                                                                      const MergeSource& source);

 private:
  SandboxDatabase(std::vector<TableSource> tables, std::vector<const S3ObjectStore*> rescued,
                  std::vector<MergeSource> pending_masks, std::unique_ptr<engine::Database> database);

  std::vector<TableSource> tables_;
  std::vector<const S3ObjectStore*> rescued_;
  std::vector<MergeSource> pending_masks_;
  std::unique_ptr<engine::Database> database_;
};

}  // namespace lakehouse::query
