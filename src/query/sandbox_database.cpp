#include "query/sandbox_database.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <utility>

#include "common/log.h"
#include "engine/live_rows.h"
#include "engine/merged_relation.h"
#include "engine/s3_bucket_secret.h"
#include "engine/sql_text.h"

namespace lakehouse::query {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The S3 bucket of `s3_buckets` that `uri` (s3://<remote bucket>/<key>) is in, or null.
const S3ObjectStore* BucketOf(const std::string& uri, const std::vector<const S3ObjectStore*>& s3_buckets) {
  for (const S3ObjectStore* bucket : s3_buckets) {
    if (uri.starts_with("s3://" + bucket->options().bucket + "/")) return bucket;
  }
  return nullptr;
}

// What read_parquet is given for `uri`: a local path, or an s3:// URI of a configured S3 bucket
// (recorded in `used`, so that the sandbox gets that bucket's credentials and no others). The
// objects of a `rescued` bucket are read under the same key from the rescue bucket.
Result<std::string> SandboxPath(const std::string& uri, const SandboxOptions& options,
                                const std::vector<const S3ObjectStore*>& rescued,
                                std::vector<const S3ObjectStore*>& used) {
  if (!uri.starts_with("s3://")) return LocalParquetPath(uri);
  const S3ObjectStore* bucket = BucketOf(uri, options.s3_buckets);
  if (bucket == nullptr) {
    return Status::InvalidArgument("'" + uri +
                                   "' is in no configured S3 bucket; the sandbox reads only those");
  }
  if (std::find(rescued.begin(), rescued.end(), bucket) != rescued.end()) {
    if (options.rescue == nullptr) {
      return Status::FailedPrecondition("bucket '" + bucket->name() +
                                        "' is down and no rescue bucket is configured; bring it back, or "
                                        "configure [storage.buckets.rescue]");
    }
    const std::string key = uri.substr(("s3://" + bucket->options().bucket + "/").size());
    LH_ASSIGN_OR_RETURN(std::string rescue_uri, options.rescue->Uri(key));
    return SandboxPath(rescue_uri, options, {}, used);
  }
  if (std::find(used.begin(), used.end(), bucket) == used.end()) used.push_back(bucket);
  return uri;
}

// The relation a merged table's view reads. With deltas, the rows the merge hides are computed
// once per dataset version (engine::LiveRowsCache) and filtered out inside the Parquet scans, so
// a query pays no join; their masks are appended to `live_lists`. A table whose own columns are
// named like DuckDB's file_index or file_row_number (which would shadow them) keeps the join, and
// so does one whose masks are not cached under MaskMode::kCachedOnly (appended to `pending`).
Result<std::string> MergedViewSql(engine::Connection& setup, const MergeSource& table, MaskMode mode,
                                  std::vector<std::shared_ptr<const engine::FileMasks>>& live_lists,
                                  std::vector<MergeSource>& pending) {
  const std::string joined = engine::MergedRelationSql(table.base_paths, table.delta_paths, table.key_column);
  if (table.delta_paths.empty()) return joined;
  for (const auto* paths : {&table.base_paths, &table.delta_paths}) {
    LH_ASSIGN_OR_RETURN(auto probe, setup.Query("SELECT * FROM read_parquet(" +
                                                engine::QuoteSqlStringList(*paths) + ") LIMIT 0"));
    // Read to its end: an unfinished result would keep its transaction open, and a function
    // registered inside that transaction would vanish with it.
    while (true) {
      LH_ASSIGN_OR_RETURN(auto chunk, probe.Next());
      if (!chunk) break;
    }
    for (const auto& column : probe.columns()) {
      const std::string name = Lower(column.name);
      if (name == "file_index" || name == "file_row_number") return joined;
    }
  }
  std::shared_ptr<const engine::LiveRows> rows;
  if (mode == MaskMode::kCachedOnly) {
    rows = engine::LiveRowsCache::Global().Find(table.base_paths, table.delta_paths, table.key_column);
    if (!rows) {
      pending.push_back(table);
      return joined;
    }
  } else {
    LH_ASSIGN_OR_RETURN(rows, SandboxDatabase::ComputeMasks(setup, table));
  }
  const std::size_t base_list = live_lists.size();
  live_lists.emplace_back(rows, &rows->base);
  live_lists.emplace_back(rows, &rows->deltas);
  return engine::LiveMergedRelationSql(table.base_paths, table.delta_paths, base_list, base_list + 1);
}

}  // namespace

SandboxDatabase::SandboxDatabase(std::vector<TableSource> tables, std::vector<const S3ObjectStore*> rescued,
                                 std::vector<MergeSource> pending_masks,
                                 std::unique_ptr<engine::Database> database)
    : tables_(std::move(tables)),
      rescued_(std::move(rescued)),
      pending_masks_(std::move(pending_masks)),
      database_(std::move(database)) {}

Result<std::shared_ptr<const engine::LiveRows>> SandboxDatabase::ComputeMasks(engine::Connection& connection,
                                                                              const MergeSource& source) {
  const auto start = std::chrono::steady_clock::now();
  bool computed = false;
  LH_ASSIGN_OR_RETURN(auto rows,
                      engine::LiveRowsCache::Global().Get(connection, source.base_paths, source.delta_paths,
                                                          source.key_column, &computed));
  if (computed) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
            .count();
    log::Info("computed the rows a table's deltas hide", {{"table", source.table},
                                                          {"delta_files", source.delta_paths.size()},
                                                          {"hidden_base_rows", rows->base.hidden_rows()},
                                                          {"hidden_delta_rows", rows->deltas.hidden_rows()},
                                                          {"ms", ms}});
  }
  return rows;
}

std::vector<const S3ObjectStore*> SandboxDatabase::S3BucketsOf(
    const std::vector<TableSource>& tables, const std::vector<const S3ObjectStore*>& s3_buckets) {
  std::vector<const S3ObjectStore*> out;
  for (const auto& table : tables) {
    for (const auto* uris : {&table.parquet_uris, &table.delta_uris}) {
      for (const auto& uri : *uris) {
        const S3ObjectStore* bucket = BucketOf(uri, s3_buckets);
        if (bucket != nullptr && std::find(out.begin(), out.end(), bucket) == out.end())
          out.push_back(bucket);
      }
    }
  }
  return out;
}

Result<engine::Connection> SandboxDatabase::Connect() { return engine::Connection::Open(*database_); }

Result<std::shared_ptr<SandboxDatabase>> SandboxDatabase::Open(const std::vector<TableSource>& tables,
                                                               const SandboxOptions& options,
                                                               std::vector<const S3ObjectStore*> rescued,
                                                               MaskMode masks) {
  std::string views;
  std::string allowed;
  std::set<std::string> names;
  std::vector<const S3ObjectStore*> s3_used;
  std::vector<MergeSource> merged;
  for (const auto& table : tables) {
    if (table.name.empty()) return Status::InvalidArgument("a table to serve has an empty name");
    if (!names.insert(Lower(table.name)).second) {
      return Status::InvalidArgument("two tables to serve are both named '" + table.name +
                                     "' (names are case-insensitive in SQL)");
    }
    if (table.parquet_uris.empty() && table.json_uris.empty()) continue;
    std::vector<std::string> base_paths;
    std::vector<std::string> delta_paths;
    std::vector<std::string> json_paths;
    for (const auto* uris : {&table.parquet_uris, &table.delta_uris, &table.json_uris}) {
      for (const auto& uri : *uris) {
        auto path = SandboxPath(uri, options, rescued, s3_used);
        if (!path.ok()) return path.status().WithContext("table '" + table.name + "'");
        allowed += (allowed.empty() ? "" : ", ") + engine::QuoteSqlString(*path);
        (uris == &table.parquet_uris ? base_paths
         : uris == &table.delta_uris ? delta_paths
                                     : json_paths)
            .push_back(*path);
      }
    }
    if (!table.json_columns.empty()) {
      std::string column_names, columns;
      for (const auto& [name, type] : table.json_columns) {
        column_names += (column_names.empty() ? "" : ", ") + engine::QuoteSqlIdentifier(name);
        columns += (columns.empty() ? "" : ", ") + engine::QuoteSqlString(name) + ": " +
                   engine::QuoteSqlString(type);
      }
      std::vector<std::string> parts;
      if (!base_paths.empty())
        parts.push_back("SELECT " + column_names + " FROM read_parquet(" +
                        engine::QuoteSqlStringList(base_paths) + ")");
      if (!json_paths.empty()) {
        parts.push_back("SELECT " + column_names + " FROM read_json(" +
                        engine::QuoteSqlStringList(json_paths) +
                        ", format = 'newline_delimited', columns = {" + columns + "})");
      }
      std::string rows = parts[0];
      if (parts.size() > 1) rows += " UNION ALL " + parts[1];
      views += "CREATE VIEW " + engine::QuoteSqlIdentifier(table.name) + " AS SELECT * FROM (" + rows + ")" +
               (table.row_filter.empty() ? "" : " WHERE " + table.row_filter) + ";\n";
      continue;
    }
    merged.push_back({table.name, std::move(base_paths), std::move(delta_paths), table.key_column});
  }

  engine::DatabaseOptions db_options;
  db_options.memory_limit = options.memory_limit;
  db_options.threads = options.threads;
  db_options.extension_dir = options.extension_dir;
  db_options.temp_dir = options.temp_dir;
  LH_ASSIGN_OR_RETURN(auto database, engine::Database::Open(db_options));
  LH_ASSIGN_OR_RETURN(auto setup, engine::Connection::Open(*database));

  // Everything that needs files or extensions happens first; then the doors close, in an order
  // DuckDB accepts (allowed_paths cannot change once external access is off).
  LH_RETURN_IF_ERROR(setup.Execute("LOAD parquet; LOAD icu; LOAD json;")
                         .WithContext("cannot load the query engine's extensions"));
  // A dataset's files are written once and never change, so their Parquet footers are parsed
  // once per sandbox rather than once per query (a merged table reads one file per delta).
  LH_RETURN_IF_ERROR(
      setup.Execute("SET parquet_metadata_cache = true").WithContext("cannot configure the query engine"));
  for (const S3ObjectStore* bucket : s3_used) LH_RETURN_IF_ERROR(engine::RegisterS3Bucket(setup, *bucket));
  std::vector<std::shared_ptr<const engine::FileMasks>> live_lists;
  std::vector<MergeSource> pending;
  for (const MergeSource& table : merged) {
    auto view = MergedViewSql(setup, table, masks, live_lists, pending);
    if (!view.ok())
      return view.status().WithContext("cannot serve the lakehouse's tables: table '" + table.table + "'");
    views += "CREATE VIEW " + engine::QuoteSqlIdentifier(table.table) + " AS SELECT * FROM " + *view + ";\n";
  }
  if (!live_lists.empty())
    LH_RETURN_IF_ERROR(engine::LiveRowsFunction::Register(setup, std::move(live_lists)));
  if (!views.empty()) {
    Status created = setup.Execute(views);
    if (!created.ok()) return created.WithContext("cannot serve the lakehouse's tables");
  }
  std::string lockdown;
  if (!allowed.empty()) lockdown += "SET allowed_paths = [" + allowed + "];\n";
  lockdown +=
      "SET enable_external_access = false;\n"
      "SET autoload_known_extensions = false;\n"
      "SET autoinstall_known_extensions = false;\n"
      "SET allow_community_extensions = false;\n"
      "SET GLOBAL errors_as_json = true;\n"
      "SET lock_configuration = true;\n";
  LH_RETURN_IF_ERROR(setup.Execute(lockdown).WithContext("cannot lock down the query sandbox"));
  return std::shared_ptr<SandboxDatabase>(
      new SandboxDatabase(tables, std::move(rescued), std::move(pending), std::move(database)));
}

}  // namespace lakehouse::query
