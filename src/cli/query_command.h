// QueryCommand: `lakehouse query "SQL"` -- read-only SQL against the local lakehouse, no server.
//
// Runs through the same QueryService (and sandbox) as POST /query and prints the result as an
// aligned table (or json, ndjson, csv with --format). Tables come from --table NAME=PATH.parquet
// for now; the catalog becomes the table provider when it is wired in. Used from main() only.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace lakehouse::cli {

class QueryCommand {
 public:
  //! Adds the subcommand to `app`; `add_config_flags` adds --config/--data-dir.
  QueryCommand(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags);

  //! If the subcommand was parsed, runs it and returns its exit code: 0 on success, 1 if the
  //! query failed (the error goes to stderr), 2 for a bad config.
  std::optional<int> Run(const std::function<Result<Config>()>& load_config);

 private:
  CLI::App* query_ = nullptr;
  std::string sql_;
  std::string format_ = "table";
  std::vector<std::string> tables_;
  std::optional<std::int64_t> timeout_ms_;
};

}  // namespace lakehouse::cli
