#include "cli/delta_ingest.h"

#include <cstdio>

#include "cli/local_lakehouse.h"
#include "mutation/delta_file.h"
#include "mutation/mutation_service.h"
#include "server/journal_routes.h"

namespace lakehouse::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 3;

int Fail(const Status& status) {
  std::fprintf(stderr, "lakehouse: error: %s\n", status.message().c_str());
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound
             ? kExitBadInput
             : kExitFailure;
}

}  // namespace

int RunDeltaIngest(const Config& config, const DeltaIngestArgs& args) {
  if (args.file.empty()) return Fail(Status::InvalidArgument("--delta needs a FILE of row changes"));
  auto opened = OpenLocalLakehouse(config, false);
  if (!opened.ok()) return Fail(opened.status());
  auto dataset = opened->catalog->Get(args.name);
  if (!dataset.ok()) return Fail(dataset.status());
  if (!dataset->primary_key) {
    return Fail(
        Status::InvalidArgument("dataset '" + args.name +
                                "' has no primary key, so rows cannot be addressed; set one first, e.g. "
                                "PATCH /datasets/" +
                                args.name + " {\"primary_key\": \"id\"}"));
  }
  // The same engine settings and automatic compaction as the server's mutations.
  mutation::MutationOptions options;
  options.engine.memory_limit = config.engine.memory_limit;
  options.engine.threads = static_cast<std::uint32_t>(config.engine.threads);
  options.engine.extension_dir = config.engine.extension_dir;
  options.engine.temp_dir = config.engine.temp_dir;
  options.scratch_dir = config.engine.temp_dir;
  options.compact_after_deltas = static_cast<std::size_t>(config.catalog.compact_after_deltas);

  mutation::DeltaFileOptions file_options;
  file_options.format = args.format;
  file_options.op_column = args.op_column;
  file_options.key_column = *dataset->primary_key;
  file_options.engine = options.engine;
  auto changes = mutation::ReadDeltaFile(args.file, file_options);
  if (!changes.ok()) return Fail(changes.status());
  changes->context = {args.actor, args.source, args.workspace_id};

  auto service = mutation::MutationService::Create(*opened->catalog, *opened->buckets, options,
                                                   server::JournalChangeSink(*opened->journal));
  if (!service.ok()) return Fail(service.status());
  auto result = (*service)->Apply(args.name, *changes);
  if (!result.ok()) return Fail(result.status());
  if (args.json) {
    std::printf("%s\n", ToJsonText(mutation::MutationService::ResultToJson(*result)).c_str());
    return 0;
  }
  std::printf("%s: version %lld, %lld upserted, %lld deleted, %lld field changes journaled%s\n",
              args.name.c_str(), static_cast<long long>(result->manifest.version),
              static_cast<long long>(result->upserted), static_cast<long long>(result->deleted),
              static_cast<long long>(result->field_changes), result->compacted ? " (then compacted)" : "");
  return 0;
}

}  // namespace lakehouse::cli
