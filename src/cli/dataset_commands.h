// DatasetCommands: `lakehouse ingest`, `lakehouse datasets` and `lakehouse gc`.
//
// They work directly on the buckets named by the config (no server needed); a running server
// sees their commits on its next catalog read. Used from main() only (single thread).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace lakehouse::cli {

class DatasetCommands {
 public:
  //! Adds the subcommands to `app`; `add_config_flags` adds --config/--data-dir to each.
  DatasetCommands(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags);

  //! If one of these subcommands was parsed, runs it and returns its exit code.
  std::optional<int> Run(const std::function<Result<Config>()>& load_config);

 private:
  int RunIngest(const Config& config);
  int RunDatasets(const Config& config);
  int RunGc(const Config& config);

  CLI::App* ingest_ = nullptr;
  CLI::App* datasets_ = nullptr;
  CLI::App* gc_ = nullptr;

  std::string file_;
  std::string from_bucket_;
  std::string from_key_;
  std::string name_;
  std::string owner_;
  std::string source_system_;
  std::string format_;
  std::string description_;
  std::vector<std::string> tags_;
  std::string freshness_sla_;
  std::string bucket_ = "primary";
  bool json_ = false;
  bool delta_ = false;  // the file holds row changes (cli/delta_ingest.h)
  std::string op_column_ = "op";
  std::string actor_ = "cli";
  std::string workspace_id_;
  std::string show_name_;
  int grace_seconds_ = 3600;
};

}  // namespace lakehouse::cli
