// StaffingDemo: a reproducible generator of the exports a staffing business's CRM / ATS
// produces -- candidates, resumes, clients, contracts, placements -- with the mess real
// exports have (mixed date and phone formats, "N/A" in numeric columns, ZIP codes with leading
// zeros, quoted commas, a byte-order mark, CRLF line endings, duplicates, non-ASCII names).
//
// The same seed always gives the same bytes, on every platform: the generator uses its own
// arithmetic on std::mt19937_64, whose output the C++ standard fixes, and no std distributions
// (whose output it does not). Stateless functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace lakehouse::demo {

struct DemoOptions {
  uint64_t seed = 20261123;  //!< same seed, same bytes
  int candidates = 1500;     //!< one resume each (the demo index embeds them all on first start)
  int clients = 60;
  int contracts = 300;
  int placements = 800;
};

//! One generated export file.
struct DemoFile {
  std::string dataset;      //!< dataset name it is meant for, e.g. "candidates"
  std::string file_name;    //!< e.g. "candidates.csv"
  std::string format;       //!< "csv" or "json" (newline-delimited)
  std::string description;  //!< what the dataset holds, for the catalog
  std::string content;      //!< the bytes
};

//! Generates every demo export in memory. Returns InvalidArgument for non-positive counts or
//! more placements than candidates can fill sensibly (placements > 4 * candidates).
Result<std::vector<DemoFile>> GenerateStaffingDemo(const DemoOptions& options);

//! Writes the generated files into `dir` (created if missing). Returns IOError naming the file
//! that could not be written.
Status WriteStaffingDemo(const std::vector<DemoFile>& files, const std::string& dir);

}  // namespace lakehouse::demo
