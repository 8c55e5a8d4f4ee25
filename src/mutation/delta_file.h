// ReadDeltaFile: a file of row changes (CSV, JSON/NDJSON or Parquet with an op column) as the
// RowChanges of one mutation, for MutationService::Apply -- the same path as POST
// /datasets/{name}/rows.
//
// Each row has op = 'upsert' or 'delete' (any case, surrounding spaces ignored) in the op column
// and the dataset's primary key. An upsert sets the row's other columns in the file: a column
// the file leaves out keeps its value (in JSON, a field an object leaves out), while an empty
// CSV cell or a JSON null sets NULL. A delete needs only the key. Each key may appear once.
// Errors name the place: "line N" for CSV and NDJSON (physical line, quoted newlines counted),
// "record N" in a JSON array, "row N" in Parquet.
//
// Thread-safety: reentrant (each call uses its own in-memory DuckDB for CSV and Parquet).
#pragma once

#include <string>

#include "common/status.h"
#include "engine/database.h"
#include "mutation/mutation_service.h"

namespace lakehouse::mutation {

//! How to read a delta file.
struct DeltaFileOptions {
  std::string format;                //!< "csv", "json" (also NDJSON) or "parquet"; empty: from the extension
  std::string op_column = "op";      //!< the column holding upsert | delete
  std::string key_column;            //!< the dataset's primary key (required)
  engine::DatabaseOptions engine{};  //!< the DuckDB that reads CSV and Parquet
};

//! The changes in the file at `path`, labelled by line/record/row (RowChanges::*_labels); the
//! context is left empty for the caller. InvalidArgument (naming the line and listing up to 20
//! problems) for an unreadable or malformed file, a missing op column, a bad op value, a row
//! without its key, a key given twice, or a file with no rows.
Result<RowChanges> ReadDeltaFile(const std::string& path, const DeltaFileOptions& options);

}  // namespace lakehouse::mutation
