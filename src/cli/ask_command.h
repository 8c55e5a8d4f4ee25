// AskCommand: `lakehouse ask "question" --index NAME` -- POST /ai/ask from the command line.
//
// Like `lakehouse query`, it needs no server: it opens the lakehouse of the config in this process
// (catalog, buckets, the vector indexes saved there and the model profiles) and answers from the
// newest generation of the index, so it also works next to a running server on the same data.
// It never writes: an index behind its dataset still leaves out deleted and changed documents,
// but is not refreshed here (the server does that). Used from main() only.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "common/config.h"
#include "common/status.h"

namespace lakehouse::cli {

class AskCommand {
 public:
  //! Adds the subcommand to `app`; `add_config_flags` adds --config/--data-dir to it.
  AskCommand(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags);

  //! If `ask` was parsed, runs it and returns its exit code: 0 on success (the answer, then its
  //! sources, on stdout), 1 for a bad request or a failure (the error on stderr), 2 for a bad
  //! config, 3 if a model or its server is unavailable.
  std::optional<int> Run(const std::function<Result<Config>()>& load_config);

 private:
  CLI::App* ask_ = nullptr;
  std::string question_;
  std::string index_;
  int k_ = 3;
  std::string filter_;
  bool hybrid_ = false;
  std::string profile_;
  int max_tokens_ = 200;
  bool json_ = false;
};

}  // namespace lakehouse::cli
