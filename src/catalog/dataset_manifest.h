// DatasetManifest: everything the catalog knows about one version of one dataset.
//
// A manifest names the immutable Parquet objects that hold the version's rows, their schema and
// the dataset's metadata (owner, sensitivity, lineage, freshness SLA, description, tags). The
// catalog stores manifests as JSON text inside Parquet batch objects (see ManifestStore); this
// header defines the value type and its one JSON form, used both on disk and in HTTP answers.
//
// All types here are plain values, safe to copy and to read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace lakehouse::catalog {

//! How carefully a dataset must be handled; ordered from least to most restricted.
enum class Sensitivity { kPublic = 0, kInternal = 1, kConfidential = 2, kRestricted = 3 };

//! "public", "internal", "confidential" or "restricted".
std::string_view SensitivityName(Sensitivity sensitivity);
//! Parses a sensitivity name; InvalidArgument listing the valid names otherwise.
Result<Sensitivity> ParseSensitivity(std::string_view text);

//! One column: its name and its DuckDB type, e.g. {"zip", "VARCHAR"}, {"amount", "DOUBLE"}.
struct ColumnSchema {
  std::string name;
  std::string type;
  bool operator==(const ColumnSchema& other) const = default;
};

//! One immutable data object of a version.
struct DataFile {
  std::string key;         //!< object key in the dataset's bucket, e.g. "datasets/x/v1/part-0.parquet"
  std::uint64_t size = 0;  //!< bytes
  std::int64_t rows = 0;   //!< rows in this file
  std::string sha256;      //!< hex SHA-256 of the object's bytes
  bool operator==(const DataFile& other) const = default;
};

//! Where a dataset came from.
struct Lineage {
  std::string source_system;         //!< e.g. "bullhorn-crm"; required on manual ingest
  std::string ingest_job;            //!< the ingest that produced this version, e.g. "ingest-<id>"
  std::vector<std::string> parents;  //!< names of datasets this one was derived from
  std::string source_object;         //!< "bucket:key" when ingested from an object in a bucket
  bool operator==(const Lineage& other) const = default;
};

//! The descriptive metadata of a dataset; carried over from version to version.
struct DatasetMetadata {
  std::string owner;  //!< who answers for the data; required on manual ingest
  Sensitivity sensitivity = Sensitivity::kInternal;
  Lineage lineage;
  std::string freshness_sla;  //!< e.g. "24h", "7d"; empty means no SLA (never stale)
  std::string description;
  std::vector<std::string> tags;
  //! Columns detected as personal data (emails, phones, national IDs). While non-empty, the
  //! sensitivity is at least confidential.
  std::vector<std::string> pii_columns;
  bool operator==(const DatasetMetadata& other) const = default;
};

//! One version of one dataset.
struct DatasetManifest {
  std::string name;          //!< dataset name; see ValidateDatasetName
  std::string id;            //!< stable id of the dataset (the same for all its versions)
  std::string bucket;        //!< bucket holding the data files, e.g. "primary"
  std::int64_t version = 0;  //!< 1, 2, ...
  std::vector<ColumnSchema> schema;
  std::string schema_fingerprint;  //!< SchemaFingerprint(schema)
  std::vector<DataFile> files;
  //! Delta objects (row upserts and deletes) merged over `files` on read, oldest first; empty
  //! for a plain or compacted version. See mutation/mutation_service.h for their layout.
  std::vector<DataFile> deltas;
  std::int64_t row_count = 0;              //!< rows a reader sees (after merging the deltas)
  std::int64_t created_at_us = 0;          //!< when this version's data was committed (epoch microseconds)
  std::int64_t updated_at_us = 0;          //!< when this record was written (a PATCH moves it)
  std::optional<std::string> primary_key;  //!< a column name, if the dataset has a key
  DatasetMetadata metadata;
  std::string content_hash;   //!< hex SHA-256 of the ingested source bytes
  std::string source_format;  //!< "csv", "json" or "parquet"
  bool operator==(const DatasetManifest& other) const = default;
};

//! A stable hash of the column names and types, in order: "sha256:<hex>". Two schemas have the
//! same fingerprint exactly when they have the same columns with the same types in the same order.
std::string SchemaFingerprint(const std::vector<ColumnSchema>& schema);

//! Checks a dataset name: 1-128 characters, ASCII letters, digits and '_', not starting with a
//! digit (names become SQL view names). InvalidArgument saying what is wrong otherwise.
Status ValidateDatasetName(std::string_view name);

//! Parses a freshness SLA such as "30m", "24h", "7d" or "2w". InvalidArgument otherwise.
Result<std::chrono::seconds> ParseFreshnessSla(std::string_view text);

//! True if the dataset has an SLA and its latest data is older than the SLA at `now`.
bool IsStale(const DatasetManifest& manifest, std::chrono::system_clock::time_point now);

//! The manifest as JSON: the form stored in manifest batches and returned by the HTTP API.
//! Times appear both as epoch microseconds (created_at_us) and as ISO 8601 text (created_at).
Json ManifestToJson(const DatasetManifest& manifest);

//! Parses ManifestToJson's output. InvalidArgument naming the first missing or mistyped field.
Result<DatasetManifest> ManifestFromJson(const Json& json);

//! The current time in epoch microseconds.
std::int64_t NowMicros();

//! Epoch microseconds as ISO 8601 UTC text, e.g. "2026-11-23T14:20:00.123456Z".
std::string IsoTimeFromMicros(std::int64_t micros);

}  // namespace lakehouse::catalog
