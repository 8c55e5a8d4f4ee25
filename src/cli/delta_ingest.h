// `lakehouse ingest FILE --name DATASET --delta`: a file of row changes (CSV, JSON/NDJSON or
// Parquet with an op column, upsert | delete) applied to an existing dataset as ONE mutation --
// the path of POST /datasets/{name}/rows: one delta object, journaled field by field, under the
// dataset's writer lease (a concurrent writer makes it fail, never wait or corrupt). Used from
// main() only (single thread).
#pragma once

#include <string>

#include "common/config.h"

namespace lakehouse::cli {

//! The command line of a delta ingest.
struct DeltaIngestArgs {
  std::string file;
  std::string name;
  std::string format;  //!< empty: from the extension
  std::string op_column = "op";
  std::string actor = "cli";
  std::string source = "cli";
  std::string workspace_id;
  bool json = false;
};

//! Runs it; prints the result (or JSON) and returns the exit code: 0, 1 (failure, e.g. another
//! writer), 3 (bad input: the message names the file's line).
int RunDeltaIngest(const Config& config, const DeltaIngestArgs& args);

}  // namespace lakehouse::cli
