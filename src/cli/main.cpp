// The `lakehouse` command: serve, config, and (later) ingest, query, gc and more.
#include <fmt/format.h>
#include <malloc.h>
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "cli/ai_commands.h"
#include "cli/ask_command.h"
#include "cli/dataset_commands.h"
#include "cli/mutation_commands.h"
#include "cli/query_command.h"
#include "common/config.h"
#include "common/log.h"
#include "server/gateway.h"

namespace {

using lakehouse::Config;
using lakehouse::Result;
using lakehouse::Status;

constexpr int kExitFailure = 1;
constexpr int kExitBadConfig = 2;

// Flags shared by the commands that read the config.
struct ConfigFlags {
  std::string config_path;
  std::string host;
  std::optional<int> port;
  std::string data_dir;

  void AddTo(CLI::App& cmd, bool with_server_flags) {
    cmd.add_option(
        "--config", config_path,
        "lakehouse.toml to read (default: $LAKEHOUSE_CONFIG, else ./lakehouse.toml if present, else built-in "
        "defaults)");
    if (with_server_flags) {
      cmd.add_option("--host", host, "address to bind (default 127.0.0.1; overrides server.host)");
      cmd.add_option("--port", port, "HTTP port; 0 picks a free one (default 3100; overrides server.port)")
          ->check(CLI::Range(0, 65535));
    }
    cmd.add_option("--data-dir", data_dir,
                   "root directory of the embedded primary bucket (overrides storage.data_dir)");
  }

  // Flags override the environment, which overrides the file, which overrides the defaults.
  Result<Config> Load() const {
    lakehouse::ConfigSources sources;
    sources.env = lakehouse::LakehouseEnvironment();
    if (!config_path.empty()) {
      sources.file = config_path;
    } else if (auto it = sources.env.find("LAKEHOUSE_CONFIG");
               it != sources.env.end() && !it->second.empty()) {
      sources.file = it->second;
    } else if (std::error_code ec; std::filesystem::is_regular_file("lakehouse.toml", ec)) {
      sources.file = "lakehouse.toml";
    }
    auto config = lakehouse::LoadConfig(sources);
    if (!config.ok()) return config;
    if (!host.empty()) config->server.host = host;
    if (port) config->server.port = *port;
    if (!data_dir.empty()) config->storage.data_dir = data_dir;
    return config;
  }
};

int Fail(const Status& status, int code) {
  std::fprintf(stderr, "lakehouse: error: %s\n", status.message().c_str());
  return code;
}

int RunServe(const ConfigFlags& flags, bool demo) {
  // Block the stop signals before any thread starts, so that every thread inherits the mask
  // and only this one receives them, through sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto config = flags.Load();
  if (!config.ok()) return Fail(config.status(), kExitBadConfig);
  if (Status st = lakehouse::log::Configure(config->log); !st.ok()) return Fail(st, kExitBadConfig);

  auto gateway = lakehouse::server::Gateway::Open(*config);
  if (!gateway.ok()) {
    lakehouse::log::Shutdown();
    return Fail(gateway.status(), kExitFailure);
  }
  if (demo) {
    auto loaded = (*gateway)->LoadDemoIfEmpty();
    if (!loaded.ok()) {
      lakehouse::log::Shutdown();
      return Fail(loaded.status(), kExitFailure);
    }
    if (*loaded == 0) lakehouse::log::Info("demo not loaded: the catalog already has datasets");
  }
  if (Status st = (*gateway)->Start(); !st.ok()) {
    lakehouse::log::Shutdown();
    return Fail(st, kExitFailure);
  }
  const int port = (*gateway)->port();
  lakehouse::log::Info("listening", {{"url", fmt::format("http://{}:{}", config->server.host, port)},
                                     {"host", config->server.host},
                                     {"port", port},
                                     {"config", config->source},
                                     {"data_dir", config->storage.data_dir},
                                     {"version", LAKEHOUSE_VERSION}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  lakehouse::log::Info("shutting down", {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*gateway)->Shutdown();
  gateway->reset();
  lakehouse::log::Info("stopped");
  lakehouse::log::Shutdown();
  return 0;
}

int RunConfig(const ConfigFlags& flags) {
  auto config = flags.Load();
  if (!config.ok()) return Fail(config.status(), kExitBadConfig);
  std::fputs(lakehouse::ConfigToToml(*config).c_str(), stdout);
  return 0;
}

// glibc gives threads that allocate their own malloc arenas, up to 8 per core. DuckDB's workers
// then leave freed memory spread over many arenas: a 300 MiB CSV ingest at engine.memory_limit
// 256 MiB peaked anywhere between 385 and 598 MiB of RSS. One arena per core kept it at 344-387 MiB
// (tests/e2e/upload_e2e_test.cpp). MALLOC_ARENA_MAX in the environment still wins.
void BoundMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(2U, std::thread::hardware_concurrency())));
}

}  // namespace

int main(int argc, char** argv) {
  BoundMallocArenas();
  CLI::App app{
      "Lakehouse: an AI-ready lakehouse for staffing data.\n"
      "Ingests exports into object storage as Parquet, catalogs them, answers SQL, keeps history."};
  app.set_version_flag("--version",
                       fmt::format("lakehouse {} (DuckDB {})", LAKEHOUSE_VERSION, LAKEHOUSE_DUCKDB_VERSION));
  app.require_subcommand(1);

  ConfigFlags serve_flags;
  auto* serve =
      app.add_subcommand("serve", "Run the HTTP server (127.0.0.1:3100 by default) until SIGINT/SIGTERM");
  serve_flags.AddTo(*serve, true);
  bool demo = false;
  serve->add_flag(
      "--demo", demo,
      "On first start (empty catalog), load a generated staffing demo: candidates, resumes, clients, "
      "contracts, placements");

  ConfigFlags config_flags;
  auto* config = app.add_subcommand("config", "Print the effective configuration as lakehouse.toml");
  config_flags.AddTo(*config, true);

  ConfigFlags dataset_flags;
  lakehouse::cli::DatasetCommands dataset_commands(app,
                                                   [&](CLI::App& cmd) { dataset_flags.AddTo(cmd, false); });
  ConfigFlags mutation_flags;
  lakehouse::cli::MutationCommands mutation_commands(
      app, [&](CLI::App& cmd) { mutation_flags.AddTo(cmd, false); });
  ConfigFlags query_flags;
  lakehouse::cli::QueryCommand query_command(app, [&](CLI::App& cmd) { query_flags.AddTo(cmd, false); });

  ConfigFlags ai_flags;
  lakehouse::cli::AiCommands ai_commands(app, [&](CLI::App& cmd) { ai_flags.AddTo(cmd, false); });
  ConfigFlags ask_flags;
  lakehouse::cli::AskCommand ask_command(app, [&](CLI::App& cmd) { ask_flags.AddTo(cmd, false); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    return app.exit(err);
  }
  if (serve->parsed()) return RunServe(serve_flags, demo);
  if (config->parsed()) return RunConfig(config_flags);
  if (auto code = dataset_commands.Run([&] { return dataset_flags.Load(); })) return *code;
  if (auto code = query_command.Run([&] { return query_flags.Load(); })) return *code;
  if (auto code = mutation_commands.Run([&] { return mutation_flags.Load(); })) return *code;
  if (auto code = ai_commands.Run([&] { return ai_flags.Load(); })) return *code;
  if (auto code = ask_command.Run([&] { return ask_flags.Load(); })) return *code;
  return kExitFailure;
}
