#include "cli/mutation_commands.h"

#include <cstdio>

#include "cli/local_lakehouse.h"
#include "mutation/mutation_service.h"
#include "server/journal_routes.h"

namespace lakehouse::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadConfig = 2;

int Fail(const Status& status, int code) {
  std::fprintf(stderr, "lakehouse: error: %s\n", status.message().c_str());
  return code;
}

}  // namespace

MutationCommands::MutationCommands(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags) {
  compact_ = app.add_subcommand(
      "compact",
      "Merge a dataset's row deltas into a new base version (earlier versions stay for time travel)");
  compact_->add_option("name", name_, "the dataset")->required();
  compact_->add_option("--actor", actor_, "who compacts, for the event journal (default cli)");
  compact_->add_flag("--json", json_, "print the result as JSON");
  add_config_flags(*compact_);
}

std::optional<int> MutationCommands::Run(const std::function<Result<Config>()>& load_config) {
  if (!compact_->parsed()) return std::nullopt;
  auto config = load_config();
  if (!config.ok()) return Fail(config.status(), kExitBadConfig);
  return RunCompact(*config);
}

int MutationCommands::RunCompact(const Config& config) {
  auto opened = OpenLocalLakehouse(config, false);
  if (!opened.ok()) return Fail(opened.status(), kExitFailure);
  mutation::MutationOptions options;
  options.engine.memory_limit = config.engine.memory_limit;
  options.engine.threads = static_cast<std::uint32_t>(config.engine.threads);
  options.engine.extension_dir = config.engine.extension_dir;
  options.engine.temp_dir = config.engine.temp_dir;
  options.scratch_dir = config.engine.temp_dir;
  auto service = mutation::MutationService::Create(*opened->catalog, *opened->buckets, options,
                                                   server::JournalChangeSink(*opened->journal));
  if (!service.ok()) return Fail(service.status(), kExitFailure);
  auto result = (*service)->Compact(name_, {actor_, "cli", ""});
  if (!result.ok()) return Fail(result.status(), kExitFailure);
  if (json_) {
    std::printf("%s\n", ToJsonText(mutation::MutationService::ResultToJson(*result)).c_str());
  } else if (result->unchanged) {
    std::printf("%s has no deltas; nothing to compact (version %lld)\n", name_.c_str(),
                static_cast<long long>(result->manifest.version));
  } else {
    std::printf("compacted %s: %zu deltas merged into version %lld (%lld rows)\n", name_.c_str(),
                result->deltas_merged, static_cast<long long>(result->manifest.version),
                static_cast<long long>(result->manifest.row_count));
  }
  return 0;
}

}  // namespace lakehouse::cli
