#include "cli/dataset_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "catalog/catalog.h"
#include "cli/delta_ingest.h"
#include "cli/local_lakehouse.h"
#include "ingest/ingester.h"
#include "storage/bucket_registry.h"

namespace lakehouse::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadConfig = 2;
constexpr int kExitBadInput = 3;

int Fail(const Status& status, int code) {
  std::fprintf(stderr, "lakehouse: error: %s\n", status.message().c_str());
  return code;
}

void DrawProgress(std::uint64_t done, std::uint64_t total) {
  constexpr int kWidth = 30;
  const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "\rreading [%s] %3d%%  %.1f / %.1f MB", bar.c_str(), static_cast<int>(fraction * 100),
               static_cast<double>(done) / 1e6, static_cast<double>(total) / 1e6);
  if (done >= total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

DatasetCommands::DatasetCommands(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags) {
  ingest_ =
      app.add_subcommand("ingest", "Ingest a CSV, JSON/NDJSON or Parquet file as a new dataset version");
  ingest_->add_option("file", file_, "the file to ingest (or --from-bucket and --key)");
  ingest_->add_option("--from-bucket", from_bucket_, "ingest an object already in this bucket (with --key)");
  ingest_->add_option("--key", from_key_, "the key of the object to ingest (with --from-bucket)");
  ingest_->add_option("--name", name_, "dataset name (letters, digits, '_')")->required();
  ingest_->add_option("--owner", owner_, "who owns the data (required)");
  ingest_->add_option("--source-system", source_system_, "the system the file came from (required)");
  ingest_->add_option("--format", format_, "csv, json or parquet (default: from the file extension)");
  ingest_->add_option("--description", description_, "what the dataset holds");
  ingest_->add_option("--tag", tags_, "a tag (repeatable)");
  ingest_->add_option("--freshness-sla", freshness_sla_, "how fresh the data must be, e.g. 24h, 7d");
  ingest_->add_option("--bucket", bucket_, "bucket for the data files (default primary)");
  ingest_->add_flag("--json", json_, "print the result as JSON");
  ingest_->add_flag("--delta", delta_,
                    "FILE holds row changes for the existing dataset: an op column (upsert|delete) and the "
                    "primary key on every row; applied as one mutation");
  ingest_->add_option("--op-column", op_column_,
                      "with --delta: the column holding upsert|delete (default op)");
  ingest_->add_option("--actor", actor_, "with --delta: who makes the change, for the journal (default cli)");
  ingest_->add_option("--workspace-id", workspace_id_, "with --delta: the workspace, for the journal");
  add_config_flags(*ingest_);

  datasets_ = app.add_subcommand("datasets", "List the datasets, or show one dataset's manifest");
  datasets_->add_option("name", show_name_, "show this dataset (all its versions)");
  datasets_->add_flag("--json", json_, "print JSON");
  add_config_flags(*datasets_);

  gc_ = app.add_subcommand("gc",
                           "Remove versions outside the retention policy ([catalog] retain_versions, "
                           "retain_days), then delete data objects that no dataset version references");
  gc_->add_option(
         "--grace", grace_seconds_,
         "keep unreferenced objects younger than this many seconds (writes still in progress); default 3600")
      ->check(CLI::NonNegativeNumber);
  add_config_flags(*gc_);
}

std::optional<int> DatasetCommands::Run(const std::function<Result<Config>()>& load_config) {
  if (!ingest_->parsed() && !datasets_->parsed() && !gc_->parsed()) return std::nullopt;
  auto config = load_config();
  if (!config.ok()) return Fail(config.status(), kExitBadConfig);
  if (ingest_->parsed()) return RunIngest(*config);
  if (datasets_->parsed()) return RunDatasets(*config);
  return RunGc(*config);
}

int DatasetCommands::RunIngest(const Config& config) {
  if (delta_) {
    if (!from_bucket_.empty() || !from_key_.empty()) {
      return Fail(
          Status::InvalidArgument("--delta reads a local FILE; --from-bucket is not supported with it"),
          kExitBadInput);
    }
    return RunDeltaIngest(config, {file_, name_, format_, op_column_, actor_,
                                   source_system_.empty() ? "cli" : source_system_, workspace_id_, json_});
  }
  if (Status st = ingest::CheckRequiredMetadata(owner_, source_system_); !st.ok()) {
    return Fail(Status::InvalidArgument(st.message() + " (use --owner and --source-system)"), kExitBadInput);
  }
  const bool from_object = !from_bucket_.empty() || !from_key_.empty();
  if (from_object && (from_bucket_.empty() || from_key_.empty())) {
    return Fail(Status::InvalidArgument("--from-bucket and --key go together; give both"), kExitBadInput);
  }
  if (file_.empty() == !from_object) {
    return Fail(Status::InvalidArgument("give either a FILE or --from-bucket B --key K (one of them)"),
                kExitBadInput);
  }
  auto opened = OpenLocalLakehouse(config, true);
  if (!opened.ok()) return Fail(opened.status(), kExitFailure);
  ingest::IngestRequest request;
  if (!from_bucket_.empty()) request.object = ingest::ObjectSource{from_bucket_, from_key_};
  request.name = name_;
  request.path = file_;
  request.format = format_;
  request.bucket = bucket_;
  request.owner = owner_;
  request.source_system = source_system_;
  request.description = description_;
  request.tags = tags_;
  request.freshness_sla = freshness_sla_;
  if (isatty(STDERR_FILENO) != 0) request.progress = DrawProgress;
  auto result = opened->ingester->Ingest(request);
  if (!result.ok()) {
    return Fail(result.status(),
                result.status().code() == StatusCode::kInvalidArgument ? kExitBadInput : kExitFailure);
  }
  if (json_) {
    std::puts(ToPrettyJsonText(ingest::Ingester::ResultToJson(*result)).c_str());
    return 0;
  }
  const auto& m = result->manifest;
  if (result->unchanged) {
    std::printf("%s: unchanged (same bytes as version %lld)\n", m.name.c_str(),
                static_cast<long long>(m.version));
    return 0;
  }
  std::printf("%s: version %lld, %lld rows, %zu columns, sensitivity %s\n", m.name.c_str(),
              static_cast<long long>(m.version), static_cast<long long>(m.row_count), m.schema.size(),
              std::string(catalog::SensitivityName(m.metadata.sensitivity)).c_str());
  for (const auto& c : result->columns) {
    std::string note = c.string_reason.empty() ? "" : "  -- " + c.string_reason;
    if (!c.pii.empty()) note += "  [PII: " + c.pii + "]";
    std::printf("  %-24s %-10s%s\n", c.name.c_str(), c.type.c_str(), note.c_str());
  }
  return 0;
}

int DatasetCommands::RunDatasets(const Config& config) {
  auto opened = OpenLocalLakehouse(config, false);
  if (!opened.ok()) return Fail(opened.status(), kExitFailure);
  auto& catalog = *opened->catalog;
  const auto now = std::chrono::system_clock::now();
  if (!show_name_.empty()) {
    auto versions = catalog.Versions(show_name_);
    if (!versions.ok()) return Fail(versions.status(), kExitBadInput);
    Json list = Json::array();
    for (const auto& m : *versions) {
      Json json = catalog::ManifestToJson(m);
      json["stale"] = catalog::IsStale(m, now);
      list.push_back(std::move(json));
    }
    std::puts(ToPrettyJsonText({{"name", show_name_}, {"versions", list}}).c_str());
    return 0;
  }
  auto datasets = catalog.List();
  if (json_) {
    Json list = Json::array();
    for (const auto& m : datasets) list.push_back(catalog::ManifestToJson(m));
    std::puts(ToPrettyJsonText({{"datasets", list}}).c_str());
    return 0;
  }
  std::printf("%-32s %8s %12s %-16s %-13s %s\n", "NAME", "VERSION", "ROWS", "OWNER", "SENSITIVITY", "STALE");
  for (const auto& m : datasets) {
    std::printf("%-32s %8lld %12lld %-16s %-13s %s\n", m.name.c_str(), static_cast<long long>(m.version),
                static_cast<long long>(m.row_count), m.metadata.owner.c_str(),
                std::string(catalog::SensitivityName(m.metadata.sensitivity)).c_str(),
                catalog::IsStale(m, now) ? "yes" : "no");
  }
  return 0;
}

int DatasetCommands::RunGc(const Config& config) {
  auto opened = OpenLocalLakehouse(config, false);
  if (!opened.ok()) return Fail(opened.status(), kExitFailure);
  const catalog::RetentionPolicy retention{config.catalog.retain_versions, config.catalog.retain_days};
  auto report = opened->catalog->GarbageCollect(std::chrono::seconds(grace_seconds_), retention);
  if (!report.ok()) return Fail(report.status(), kExitFailure);
  for (const auto& version : report->removed_versions) std::printf("retention removed %s\n", version.c_str());
  for (const auto& ref : report->removed) std::printf("removed %s\n", ref.c_str());
  std::printf("removed %zu unreferenced objects (%llu bytes); kept %zu younger than %d s\n",
              report->removed.size(), static_cast<unsigned long long>(report->removed_bytes),
              report->kept_recent, grace_seconds_);
  return 0;
}

}  // namespace lakehouse::cli
