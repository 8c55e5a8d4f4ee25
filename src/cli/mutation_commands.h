// MutationCommands: `lakehouse compact NAME`.
//
// Works directly on the buckets named by the config (no server needed), under the dataset's
// writer lease like every writer; a running server sees the new version on its next catalog
// read. Used from main() only (single thread).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "common/config.h"
#include "common/status.h"

namespace lakehouse::cli {

class MutationCommands {
 public:
  //! Adds the subcommands to `app`; `add_config_flags` adds --config/--data-dir to each.
  MutationCommands(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags);

  //! If one of these subcommands was parsed, runs it and returns its exit code.
  std::optional<int> Run(const std::function<Result<Config>()>& load_config);

 private:
  int RunCompact(const Config& config);

  CLI::App* compact_ = nullptr;
  std::string name_;
  std::string actor_ = "cli";
  bool json_ = false;
};

}  // namespace lakehouse::cli
