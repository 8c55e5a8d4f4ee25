// AiCommands: `lakehouse embed` and `lakehouse generate` -- the configured model profiles from the
// command line, no server needed (embedded models load in-process; remote profiles call their
// server). Used from main() only.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace lakehouse::cli {

class AiCommands {
 public:
  //! Adds both subcommands to `app`; `add_config_flags` adds --config/--data-dir to each.
  AiCommands(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags);

  //! If one of the subcommands was parsed, runs it and returns its exit code: 0 on success, 1 if
  //! the model failed (the error goes to stderr), 2 for a bad config, 3 if the profile's model or
  //! server is unavailable.
  std::optional<int> Run(const std::function<Result<Config>()>& load_config);

 private:
  int Embed(const Config& config);
  int Generate(const Config& config);

  CLI::App* embed_ = nullptr;
  CLI::App* generate_ = nullptr;
  std::vector<std::string> texts_;
  std::string embed_profile_;
  std::string embed_format_ = "json";
  std::string prompt_;
  std::string generate_profile_;
  std::string system_;
  bool raw_ = false;
  bool json_ = false;
  int max_tokens_ = 256;
  float temperature_ = 0.0F;
  uint32_t seed_ = 42;
};

}  // namespace lakehouse::cli
