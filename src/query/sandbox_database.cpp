#include "query/sandbox_database.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "engine/merged_relation.h"
#include "engine/s3_bucket_secret.h"
#include "engine/sql_text.h"

namespace lakehouse::query {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// What read_parquet is given for `uri`: a local path, or an s3:// URI of a configured S3 bucket
// (recorded in `used`, so that the sandbox gets that bucket's credentials and no others).
Result<std::string> SandboxPath(const std::string& uri, const std::vector<const S3ObjectStore*>& s3_buckets,
                                std::vector<const S3ObjectStore*>& used) {
  if (!uri.starts_with("s3://")) return LocalParquetPath(uri);
  for (const S3ObjectStore* bucket : s3_buckets) {
    if (uri.starts_with("s3://" + bucket->options().bucket + "/")) {
      if (std::find(used.begin(), used.end(), bucket) == used.end()) used.push_back(bucket);
      return uri;
    }
  }
  return Status::InvalidArgument("'" + uri + "' is in no configured S3 bucket; the sandbox reads only those");
}

}  // namespace

SandboxDatabase::SandboxDatabase(std::vector<TableSource> tables, std::unique_ptr<engine::Database> database)
    : tables_(std::move(tables)), database_(std::move(database)) {}

Result<engine::Connection> SandboxDatabase::Connect() { return engine::Connection::Open(*database_); }

Result<std::shared_ptr<SandboxDatabase>> SandboxDatabase::Open(const std::vector<TableSource>& tables,
                                                               const SandboxOptions& options) {
  std::string views;
  std::string allowed;
  std::set<std::string> names;
  std::vector<const S3ObjectStore*> s3_used;
  for (const auto& table : tables) {
    if (table.name.empty()) return Status::InvalidArgument("a table to serve has an empty name");
    if (!names.insert(Lower(table.name)).second) {
      return Status::InvalidArgument("two tables to serve are both named '" + table.name +
                                     "' (names are case-insensitive in SQL)");
    }
    if (table.parquet_uris.empty()) continue;
    std::vector<std::string> base_paths;
    std::vector<std::string> delta_paths;
    for (const auto* uris : {&table.parquet_uris, &table.delta_uris}) {
      for (const auto& uri : *uris) {
        auto path = SandboxPath(uri, options.s3_buckets, s3_used);
        if (!path.ok()) return path.status().WithContext("table '" + table.name + "'");
        allowed += (allowed.empty() ? "" : ", ") + engine::QuoteSqlString(*path);
        (uris == &table.parquet_uris ? base_paths : delta_paths).push_back(*path);
      }
    }
    if (!table.json_columns.empty()) {
      std::string files, columns;
      for (const auto& path : base_paths) files += (files.empty() ? "" : ", ") + engine::QuoteSqlString(path);
      for (const auto& [name, type] : table.json_columns) {
        columns += (columns.empty() ? "" : ", ") + engine::QuoteSqlString(name) + ": " +
                   engine::QuoteSqlString(type);
      }
      views += "CREATE VIEW " + engine::QuoteSqlIdentifier(table.name) + " AS SELECT * FROM read_json([" +
               files + "], format = 'newline_delimited', columns = {" + columns + "});\n";
      continue;
    }
    views += "CREATE VIEW " + engine::QuoteSqlIdentifier(table.name) + " AS SELECT * FROM " +
             engine::MergedRelationSql(base_paths, delta_paths, table.key_column) + ";\n";
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
  for (const S3ObjectStore* bucket : s3_used) LH_RETURN_IF_ERROR(engine::RegisterS3Bucket(setup, *bucket));
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
  return std::shared_ptr<SandboxDatabase>(new SandboxDatabase(tables, std::move(database)));
}

}  // namespace lakehouse::query
