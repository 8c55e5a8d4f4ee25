#include "cli/query_command.h"

#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/local_lakehouse.h"
#include "query/query_service.h"
#include "server/catalog_tables.h"

namespace lakehouse::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadConfig = 2;

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "lakehouse: error: %s\n", message.c_str());
  return code;
}

// NAME=PATH pairs into tables; paths are made absolute (the sandbox serves absolute paths only).
Result<std::vector<query::TableSource>> ParseTables(const std::vector<std::string>& specs) {
  std::vector<query::TableSource> tables;
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return Status::InvalidArgument("--table wants NAME=PATH.parquet; got '" + spec + "'");
    }
    std::error_code ec;
    const auto path = std::filesystem::absolute(spec.substr(eq + 1), ec);
    if (ec) return Status::InvalidArgument("--table " + spec + ": " + ec.message());
    tables.push_back({spec.substr(0, eq), {path.lexically_normal().string()}, "", {}, ""});
  }
  return tables;
}

}  // namespace

QueryCommand::QueryCommand(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags) {
  query_ =
      app.add_subcommand("query", "Run one read-only SQL query against the local lakehouse and print it");
  query_->add_option("sql", sql_, "the query, e.g. \"SELECT count(*) FROM candidates\"")->required();
  query_->add_option("--format", format_, "table (default), json, ndjson or csv")
      ->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
  query_->add_option(
      "--table", tables_,
      "serve these Parquet files as the only tables, NAME=PATH.parquet (repeatable); default: every dataset");
  query_->add_option("--timeout-ms", timeout_ms_, "deadline (default query.timeout_ms)")
      ->check(CLI::PositiveNumber);
  add_config_flags(*query_);
}

std::optional<int> QueryCommand::Run(const std::function<Result<Config>()>& load_config) {
  if (!query_->parsed()) return std::nullopt;
  auto config = load_config();
  if (!config.ok()) return Fail(config.status().message(), kExitBadConfig);
  auto tables = ParseTables(tables_);
  if (!tables.ok()) return Fail(tables.status().message(), kExitFailure);

  query::QueryOptions options;
  options.sandbox = {config->query.memory_limit,
                     static_cast<std::uint32_t>(config->query.threads),
                     config->engine.extension_dir,
                     config->engine.temp_dir,
                     {}};
  options.timeout_ms = std::min(config->query.timeout_ms, config->query.max_timeout_ms);
  options.max_timeout_ms = config->query.max_timeout_ms;
  options.max_result_rows = static_cast<std::uint64_t>(config->query.max_result_rows);
  // Every dataset of the local lakehouse, unless --table names the tables to serve instead.
  std::optional<LocalLakehouse> lakehouse;
  query::TableProvider provider;
  if (tables->empty()) {
    auto opened = OpenLocalLakehouse(*config, false);
    if (!opened.ok()) return Fail(opened.status().message(), kExitFailure);
    lakehouse.emplace(std::move(opened).value());
    provider = server::CatalogTables(*lakehouse->catalog);
    options.sandbox.s3_buckets = server::S3Buckets(*lakehouse->buckets);
  } else {
    provider = [served = *tables]() -> Result<std::vector<query::TableSource>> { return served; };
  }
  query::QueryService service(options, std::move(provider));
  auto started = service.Start({sql_, *query::ParseResultFormat(format_), timeout_ms_});
  if (started.error) return Fail(started.error->status.message(), kExitFailure);
  std::string out;
  bool more = true;
  while (more) {
    out.clear();
    more = started.stream->Read(out, 64 * 1024);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  if (started.stream->error()) return Fail(started.stream->error()->status.message(), kExitFailure);
  return 0;
}

}  // namespace lakehouse::cli
