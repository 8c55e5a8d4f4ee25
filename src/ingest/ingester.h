// Ingester: turns a CSV, JSON/NDJSON or Parquet file into a new dataset version.
//
// What it promises:
// - Types are inferred safely: every CSV/JSON value is first read as text, and a column gets a
//   non-string type only when every value in it is unambiguously of that type. "123", "N/A"
//   and "" in one column make a string column; values whose text carries meaning (leading
//   zeros as in ZIP codes "00123", phone numbers "+1 555-0100", 16+ digit IDs) stay strings
//   exactly as written. A file is never rejected for a type problem; the result says, for
//   every string column, why it is one. Parquet keeps its own types.
// - Bad input (empty, truncated, binary, invalid UTF-8, ragged rows, an oversized field) gets
//   InvalidArgument naming the line and column where known, and nothing reaches the catalog.
// - Same bytes as the latest version: a no-op (content hash). Otherwise a new version, written
//   as Parquet to datasets/{name}/v{version}/part-0.parquet, committed by the catalog.
// - owner and source_system are required; personal data (emails, phones, SSN-like national
//   IDs) raises the sensitivity to at least confidential and is listed in pii_columns.
//
// Thread-safety: Ingest() may be called from many threads at once (each call uses its own
// engine connection); two ingests of the same dataset at once get FailedPrecondition.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/scratch_directory.h"
#include "common/status.h"
#include "engine/database.h"
#include "storage/bucket_registry.h"

namespace lakehouse::ingest {

//! How to build an Ingester. Every field has a usable default.
struct IngestOptions {
  engine::DatabaseOptions engine;  //!< the private in-memory DuckDB that reads sources, writes Parquet
  std::string scratch_dir;         //!< parent of temporary files; empty: the system temp directory
  //! Longest line (and so longest single field) accepted in CSV/JSON text.
  std::uint64_t max_line_bytes = 16ULL << 20;
};

//! An object already in a configured bucket, ingested in place of a local file.
struct ObjectSource {
  std::string bucket;  //!< a configured bucket name
  std::string key;     //!< the object's key; validated, cannot leave the bucket
};

//! One ingest of one local file, or of one object already in a bucket.
struct IngestRequest {
  std::string name;  //!< dataset name
  std::string path;  //!< local file to read (ignored when `object` is set)
  //! Read this object instead of `path`. Its format comes from `format`, else from the key's
  //! extension; lineage records it as "bucket:key".
  std::optional<ObjectSource> object;
  std::string format;  //!< "csv", "json" (JSON array or NDJSON) or "parquet"; empty: from the extension
  std::string bucket = "primary";
  std::string owner;              //!< required
  std::string source_system;      //!< required
  std::string description;        //!< empty keeps the previous version's
  std::vector<std::string> tags;  //!< empty keeps the previous version's
  std::string freshness_sla;      //!< e.g. "24h"; empty keeps the previous version's
  std::vector<std::string> parents;
  //! Called now and then with bytes read so far and the file size (for a progress bar).
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

//! What ingest decided about one column.
struct ColumnReport {
  std::string name;
  std::string type;           //!< DuckDB type
  std::string string_reason;  //!< for VARCHAR columns: why the column is a string
  std::string pii;            //!< "email", "phone" or "national_id" if the column holds personal data
};

//! The outcome of an ingest.
struct IngestResult {
  bool unchanged = false;             //!< the bytes equal the latest version's: nothing was written
  catalog::DatasetManifest manifest;  //!< the new version (or the latest one when unchanged)
  std::vector<ColumnReport> columns;  //!< empty when unchanged
};

//! Returns InvalidArgument listing exactly the missing required fields ("missing required
//! metadata: owner, source_system"), or OK.
Status CheckRequiredMetadata(const std::string& owner, const std::string& source_system);

//! The format named by a file's extension (.csv/.tsv/.txt -> csv, .json/.ndjson/.jsonl -> json,
//! .parquet -> parquet), or InvalidArgument asking for an explicit format.
Result<std::string> FormatFromPath(const std::string& path);

class Ingester {
 public:
  //! `catalog` and `buckets` must outlive the ingester. Errors: the engine's.
  static Result<std::unique_ptr<Ingester>> Create(catalog::Catalog& catalog, BucketRegistry& buckets,
                                                  const IngestOptions& options);
  ~Ingester();

  //! Ingests `request.path` (or `request.object`) as a new version of `request.name`. See the
  //! header comment for what is promised. Errors: InvalidArgument for missing metadata, an
  //! unknown format, bad input or an invalid object key; NotFound for an unknown source bucket
  //! or object; PermissionDenied for a key under the lakehouse's own prefixes ("_catalog/",
  //! "_journal/", ... -- any first segment starting with '_'); FailedPrecondition if the dataset
  //! is being ingested already; storage errors.
  Result<IngestResult> Ingest(const IngestRequest& request);

  //! JSON for HTTP answers and the CLI: {"unchanged", "dataset": manifest, "columns": [...]}.
  static Json ResultToJson(const IngestResult& result);

 private:
  //! Ingests the local file request.path; `source_object` ("bucket:key" or "") goes to lineage.
  Result<IngestResult> IngestFile(const IngestRequest& request, const std::string& source_object);

  Ingester(catalog::Catalog& catalog, BucketRegistry& buckets, IngestOptions options,
           std::unique_ptr<engine::Database> database, std::unique_ptr<catalog::ScratchDirectory> scratch);

  catalog::Catalog& catalog_;
  BucketRegistry& buckets_;
  IngestOptions options_;
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<catalog::ScratchDirectory> scratch_;
};

}  // namespace lakehouse::ingest
