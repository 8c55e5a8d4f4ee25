#include "mutation/mutation_service.h"

#include <fmt/format.h>

#include <filesystem>
#include <random>
#include <set>

#include "catalog/file_transfer.h"
#include "common/fault_point.h"
#include "common/log.h"
#include "engine/appender.h"
#include "engine/connection.h"
#include "engine/merged_relation.h"
#include "engine/sql_text.h"

namespace lakehouse::mutation {
namespace {

using engine::QuoteSqlIdentifier;
using engine::QuoteSqlString;

constexpr std::int64_t kSeqShift = std::int64_t{1} << 24;  // rows per request stay far below this
constexpr std::size_t kMaxProblems = 10;

Result<engine::Value> QueryScalar(engine::Connection& connection, const std::string& sql) {
  LH_ASSIGN_OR_RETURN(auto result, connection.Query(sql));
  LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
  if (!chunk || chunk->size() == 0) return Status::Internal("a scalar query returned no row");
  return chunk->GetValue(0, 0);
}

// A JSON scalar as the text DuckDB casts from; nested values as their JSON text (only a
// VARCHAR column accepts them). nullopt for null.
std::optional<std::string> ValueText(const Json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  return ToJsonText(value);
}

std::optional<std::string> OptionalText(const engine::Value& value) {
  if (value.IsNull()) return std::nullopt;
  return std::string(value.AsString().value_or(value.ToString()));
}

std::string JoinProblems(const std::vector<std::string>& problems) {
  std::string out;
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblems; ++i) out += (i ? "; " : "") + problems[i];
  if (problems.size() > kMaxProblems) out += fmt::format("; and {} more", problems.size() - kMaxProblems);
  return out;
}

std::string NewJobId(const char* kind) {
  std::random_device random;
  return fmt::format("{}-{:08x}{:08x}", kind, random(), random());
}

// Local paths of a readable dataset's files; delta merging runs in this process's DuckDB, which
// reads local buckets only.
Status CheckLocal(const catalog::ReadableDataset& readable) {
  for (const auto* list : {&readable.data_uris, &readable.delta_uris}) {
    for (const auto& uri : *list) {
      if (uri.find("://") != std::string::npos && !uri.starts_with("file://")) {
        return Status::FailedPrecondition(fmt::format(
            "dataset '{}' lives in bucket '{}', which is not local; row changes and compaction work on "
            "local buckets only so far -- re-ingest the whole file instead",
            readable.name, readable.bucket));
      }
    }
  }
  return Status::OK();
}

std::vector<std::string> StripScheme(std::vector<std::string> uris) {
  for (auto& uri : uris) {
    if (uri.starts_with("file://")) uri.erase(0, 7);
  }
  return uris;
}

}  // namespace

Result<RowChanges> RowChangesFromJson(const Json& body) {
  if (!body.is_object()) {
    return Status::InvalidArgument(
        R"(the body must be a JSON object: {"upsert": [{...}], "delete": [key, ...], "actor", "source"})");
  }
  RowChanges changes;
  std::vector<std::string> problems;
  for (const auto& [field, value] : body.items()) {
    if (field == "upsert") {
      if (!value.is_array()) {
        problems.emplace_back("'upsert' must be an array of row objects");
        continue;
      }
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_object()) {
          problems.push_back(fmt::format("upsert[{}] must be an object of column values", i));
        } else {
          changes.upserts.push_back(value[i]);
        }
      }
    } else if (field == "delete") {
      if (!value.is_array()) {
        problems.emplace_back("'delete' must be an array of key values");
        continue;
      }
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string() && !value[i].is_number()) {
          problems.push_back(fmt::format("delete[{}] must be a key value (a string or a number)", i));
        } else {
          changes.deletes.push_back(value[i]);
        }
      }
    } else if (field == "actor" || field == "source" || field == "workspace_id") {
      if (!value.is_string()) {
        problems.push_back(fmt::format("'{}' must be a string", field));
        continue;
      }
      auto& slot = field == "actor"    ? changes.context.actor
                   : field == "source" ? changes.context.source
                                       : changes.context.workspace_id;
      slot = value.get<std::string>();
    } else {
      problems.push_back(fmt::format(
          "unknown field '{}'; the fields are upsert, delete, actor, source, workspace_id", field));
    }
  }
  if (changes.context.actor.empty()) problems.emplace_back("'actor' is required (who makes the change)");
  if (changes.context.source.empty())
    problems.emplace_back("'source' is required (where the change comes from)");
  if (problems.empty() && changes.upserts.empty() && changes.deletes.empty()) {
    problems.emplace_back("nothing to do: give at least one row in 'upsert' or one key in 'delete'");
  }
  if (!problems.empty()) return Status::InvalidArgument("invalid row changes: " + JoinProblems(problems));
  return changes;
}

MutationService::MutationService(catalog::Catalog& catalog, BucketRegistry& buckets, MutationOptions options,
                                 std::unique_ptr<engine::Database> database,
                                 std::unique_ptr<catalog::ScratchDirectory> scratch, ChangeSink sink)
    : catalog_(catalog),
      buckets_(buckets),
      options_(std::move(options)),
      database_(std::move(database)),
      scratch_(std::move(scratch)),
      sink_(std::move(sink)) {}

MutationService::~MutationService() = default;

Result<std::unique_ptr<MutationService>> MutationService::Create(catalog::Catalog& catalog,
                                                                 BucketRegistry& buckets,
                                                                 const MutationOptions& options,
                                                                 ChangeSink sink) {
  engine::DatabaseOptions db = options.engine;
  db.path.clear();
  auto database = engine::Database::Open(db);
  if (!database.ok()) return database.status().WithContext("cannot start the mutation engine");
  LH_ASSIGN_OR_RETURN(auto scratch, catalog::ScratchDirectory::Create(options.scratch_dir, "mutation"));
  return std::unique_ptr<MutationService>(new MutationService(
      catalog, buckets, options, std::move(database).value(), std::move(scratch), std::move(sink)));
}

Result<MutationResult> MutationService::Apply(const std::string& name, const RowChanges& changes) {
  const std::size_t total = changes.upserts.size() + changes.deletes.size();
  if (total > options_.max_rows_per_request) {
    return Status::InvalidArgument(fmt::format("{} rows in one request; the limit is {} -- split the request",
                                               total, options_.max_rows_per_request));
  }
  LH_ASSIGN_OR_RETURN(auto current, catalog_.Get(name));
  if (!current.primary_key) {
    return Status::InvalidArgument(
        fmt::format("dataset '{}' has no primary key, so rows cannot be addressed; set one first, e.g. PATCH "
                    "/datasets/{} "
                    "{{\"primary_key\": \"id\"}}",
                    name, name));
  }

  // Validate the shape in memory first: nothing is staged for a request that cannot succeed.
  const auto schema = current.schema;
  const std::string primary_key = *current.primary_key;
  std::map<std::string, std::size_t> column_index;
  for (std::size_t i = 0; i < schema.size(); ++i) column_index[schema[i].name] = i;
  const auto key_column = column_index.find(primary_key);
  if (key_column == column_index.end()) {
    return Status::FailedPrecondition(
        fmt::format("the primary key '{}' of dataset '{}' is not one of its columns; set it again with PATCH "
                    "/datasets/{}",
                    primary_key, name, name));
  }
  const std::size_t key_index = key_column->second;
  auto label_of = [&changes](bool upsert, std::size_t r) {
    const auto& labels = upsert ? changes.upsert_labels : changes.delete_labels;
    return r < labels.size() ? labels[r] : fmt::format("{}[{}]", upsert ? "upsert" : "delete", r);
  };
  std::vector<std::string> problems;
  std::set<std::string> seen_keys;
  auto note_key = [&](const Json& key, const std::string& where) {
    auto text = ValueText(key);
    if (!text) {
      problems.push_back(fmt::format("{}: the key '{}' must not be null", where, *current.primary_key));
    } else if (!seen_keys.insert(*text).second) {
      problems.push_back(fmt::format(
          "{}: key {} appears more than once in this request; send one change per key", where, *text));
    }
  };
  for (std::size_t r = 0; r < changes.upserts.size(); ++r) {
    const Json& row = changes.upserts[r];
    for (const auto& [column, value] : row.items()) {
      if (!column_index.contains(column)) {
        problems.push_back(fmt::format("{}: unknown column '{}' (dataset '{}' has no such column)",
                                       label_of(true, r), column, name));
      }
    }
    auto key = row.find(*current.primary_key);
    if (key == row.end()) {
      problems.push_back(
          fmt::format("{}: the key column '{}' is missing", label_of(true, r), *current.primary_key));
    } else {
      note_key(*key, label_of(true, r));
    }
  }
  for (std::size_t r = 0; r < changes.deletes.size(); ++r) note_key(changes.deletes[r], label_of(false, r));
  if (!problems.empty()) return Status::InvalidArgument("invalid row changes: " + JoinProblems(problems));

  LH_ASSIGN_OR_RETURN(auto lease, catalog_.BeginVersion(name, current.bucket));
  // Another process may have committed meanwhile: from here on, work on what the lease sees.
  LH_ASSIGN_OR_RETURN(current, catalog_.Get(name));
  if (current.schema != schema || current.primary_key != primary_key) {
    return Status::FailedPrecondition(
        fmt::format("dataset '{}' changed its schema or key while this request waited; retry it", name));
  }
  LH_ASSIGN_OR_RETURN(auto readable, catalog_.Readable(name, current.version));
  LH_RETURN_IF_ERROR(CheckLocal(readable));
  LH_ASSIGN_OR_RETURN(ObjectStore * bucket, buckets_.Get(current.bucket));
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database_));

  const std::uint64_t id = counter_.fetch_add(1);
  const std::string staged = fmt::format("lh_staged_{}", id);
  const std::string previous = fmt::format("lh_previous_{}", id);
  const std::string written = fmt::format("lh_written_{}", id);
  auto drop_tables = [&] {
    (void)connection.Execute(
        fmt::format("DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {};", staged,
                    previous, written));
  };
  struct Cleanup {
    std::function<void()> run;
    ~Cleanup() { run(); }
  } cleanup{drop_tables};

  // 1. Stage every row as text plus "given" flags, in request order.
  std::string create = fmt::format("CREATE TABLE {} (_lh_row BIGINT, _lh_op VARCHAR", staged);
  for (std::size_t i = 0; i < schema.size(); ++i) create += fmt::format(", c{} VARCHAR", i);
  for (std::size_t i = 0; i < schema.size(); ++i) create += fmt::format(", h{} BOOLEAN", i);
  LH_RETURN_IF_ERROR(connection.Execute(create + ")"));
  {
    LH_ASSIGN_OR_RETURN(auto appender, engine::Appender::Open(connection, "", staged));
    std::int64_t position = 0;
    std::vector<engine::Value> values(2 + 2 * schema.size());
    auto append = [&](const char* op, const Json* row, const Json* key) -> Status {
      values[0] = engine::Value::Integer(position++);
      values[1] = engine::Value::Varchar(op);
      for (std::size_t i = 0; i < schema.size(); ++i) {
        const Json* given = nullptr;
        if (row) {
          auto it = row->find(schema[i].name);
          if (it != row->end()) given = &*it;
        } else if (i == key_index) {
          given = key;
        }
        auto text = given ? ValueText(*given) : std::nullopt;
        values[2 + i] = text ? engine::Value::Varchar(*text) : engine::Value::Null(engine::TypeId::kVarchar);
        values[2 + schema.size() + i] = engine::Value::Boolean(given != nullptr);
      }
      return appender.AppendRow(values);
    };
    for (const auto& row : changes.upserts) LH_RETURN_IF_ERROR(append("upsert", &row, nullptr));
    for (const auto& key : changes.deletes) LH_RETURN_IF_ERROR(append("delete", nullptr, &key));
    LH_RETURN_IF_ERROR(appender.Close());
  }

  // 2. Types: every given value must convert to its column's type.
  std::string checks;
  for (std::size_t i = 0; i < schema.size(); ++i) {
    checks += fmt::format(
        "{}SELECT _lh_row, _lh_op, {} AS col, c{} AS val FROM {} WHERE h{} AND c{} IS NOT NULL AND "
        "TRY_CAST(c{} AS {}) IS NULL",
        checks.empty() ? "" : " UNION ALL ", QuoteSqlString(schema[i].name), i, staged, i, i, i,
        schema[i].type);
  }
  {
    LH_ASSIGN_OR_RETURN(auto result,
                        connection.Query(fmt::format("{} ORDER BY 1 LIMIT {}", checks, kMaxProblems + 1)));
    while (true) {
      LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
      if (!chunk) break;
      for (std::size_t r = 0; r < chunk->size(); ++r) {
        const std::int64_t row = chunk->GetValue(0, r).AsInt64().value_or(0);
        const std::string op(chunk->GetValue(1, r).AsString().value_or(""));
        const std::string column(chunk->GetValue(2, r).AsString().value_or(""));
        const std::size_t index = column_index[column];
        const auto local = op == "upsert" ? row : row - static_cast<std::int64_t>(changes.upserts.size());
        problems.push_back(fmt::format("{}: column '{}' is {}, and {} is not one",
                                       label_of(op == "upsert", static_cast<std::size_t>(local)), column,
                                       schema[index].type, QuoteSqlString(chunk->GetValue(3, r).ToString())));
      }
    }
  }
  if (!problems.empty()) return Status::InvalidArgument("invalid row changes: " + JoinProblems(problems));

  // 3. The current rows of the keys touched (one per key), then the rows to write.
  const std::string key = QuoteSqlIdentifier(*current.primary_key);
  const std::string key_type = schema[key_index].type;
  const std::string merged = engine::MergedRelationSql(
      StripScheme(readable.data_uris), StripScheme(readable.delta_uris), *current.primary_key);
  LH_RETURN_IF_ERROR(connection.Execute(fmt::format(
      "CREATE TABLE {} AS SELECT * FROM {} AS m WHERE m.{} IN (SELECT CAST(c{} AS {}) FROM {}) QUALIFY "
      "row_number() OVER (PARTITION BY m.{}) = 1",
      previous, merged, key, key_index, key_type, staged, key)));
  const std::int64_t version = lease->version();
  std::string select;
  for (std::size_t i = 0; i < schema.size(); ++i) {
    const std::string column = QuoteSqlIdentifier(schema[i].name);
    if (i == key_index) {
      select += fmt::format("CAST(s.c{} AS {}) AS {}, ", i, key_type, column);
    } else {
      select += fmt::format(
          "CASE WHEN s._lh_op = 'delete' THEN NULL WHEN s.h{} THEN CAST(s.c{} AS {}) ELSE p.{} END AS {}, ",
          i, i, schema[i].type, column, column);
    }
  }
  LH_RETURN_IF_ERROR(
      connection.Execute(fmt::format("CREATE TABLE {} AS SELECT {}s._lh_op AS {}, CAST({} AS BIGINT) * {} + "
                                     "s._lh_row AS {} FROM {} AS s LEFT "
                                     "JOIN {} AS p ON p.{} = CAST(s.c{} AS {}) ORDER BY s._lh_row",
                                     written, select, engine::kDeltaOpColumn, version, kSeqShift,
                                     engine::kDeltaSeqColumn, staged, previous, key, key_index, key_type)));

  // 4. Field-level changes: compare what was with what is written.
  MutationResult result;
  std::vector<FieldChange> field_changes;
  {
    std::string columns;
    for (const auto& c : schema) {
      const std::string q = QuoteSqlIdentifier(c.name);
      columns += fmt::format(", CAST(p.{} AS VARCHAR), CAST(w.{} AS VARCHAR)", q, q);
    }
    LH_ASSIGN_OR_RETURN(
        auto rows, connection.Query(fmt::format(
                       "SELECT w.{op}, CAST(w.{key} AS VARCHAR), p.{key} IS NOT NULL{columns} FROM {written} "
                       "AS w LEFT JOIN {previous} AS p ON p.{key} = w.{key} ORDER BY w.{seq}",
                       fmt::arg("op", engine::kDeltaOpColumn), fmt::arg("key", key),
                       fmt::arg("columns", columns), fmt::arg("written", written),
                       fmt::arg("previous", previous), fmt::arg("seq", engine::kDeltaSeqColumn))));
    while (true) {
      LH_ASSIGN_OR_RETURN(auto chunk, rows.Next());
      if (!chunk) break;
      for (std::size_t r = 0; r < chunk->size(); ++r) {
        const bool is_delete = chunk->GetValue(0, r).AsString().value_or("") == "delete";
        const std::string key_text(chunk->GetValue(1, r).AsString().value_or(""));
        const bool existed = chunk->GetValue(2, r).AsBool().value_or(false);
        if (is_delete && !existed) continue;
        if (is_delete) {
          ++result.deleted;
        } else {
          ++result.upserted;
        }
        for (std::size_t i = 0; i < schema.size(); ++i) {
          auto before = existed ? OptionalText(chunk->GetValue(3 + 2 * i, r)) : std::nullopt;
          auto after = is_delete ? std::nullopt : OptionalText(chunk->GetValue(4 + 2 * i, r));
          if (before == after) continue;
          const char* op = is_delete ? "delete" : existed ? "update" : "insert";
          field_changes.push_back({key_text, schema[i].name, op, std::move(before), std::move(after)});
        }
      }
    }
  }
  result.field_changes = static_cast<std::int64_t>(field_changes.size());

  // 5. The delta object, then the commit point.
  const std::string local = scratch_->File(fmt::format("delta-{}.parquet", id));
  auto remove_local = [&] {
    std::error_code ec;
    std::filesystem::remove(local, ec);
  };
  LH_RETURN_IF_ERROR(connection.Execute(
      fmt::format("COPY {} TO {} (FORMAT parquet, COMPRESSION zstd)", written, QuoteSqlString(local))));
  std::vector<std::string> delta_paths = StripScheme(readable.delta_uris);
  delta_paths.push_back(local);
  auto counted = QueryScalar(
      connection,
      fmt::format("SELECT count(*) FROM {}", engine::MergedRelationSql(StripScheme(readable.data_uris),
                                                                       delta_paths, *current.primary_key)));
  if (!counted.ok()) {
    remove_local();
    return counted.status();
  }
  FaultPoint("delta.before_upload");
  const std::string object_key = lease->prefix() + "delta.parquet";
  auto uploaded = catalog::MoveFileInto(local, *bucket, object_key);
  remove_local();
  if (!uploaded.ok()) return uploaded.status().WithContext("cannot store the delta file");
  FaultPoint("delta.after_upload");

  catalog::DatasetManifest manifest = current;
  manifest.deltas.push_back({object_key, uploaded->size, static_cast<std::int64_t>(total), uploaded->sha256});
  manifest.row_count = counted->AsInt64().value_or(current.row_count);
  manifest.content_hash.clear();  // the rows no longer equal any ingested file
  manifest.metadata.lineage.ingest_job = NewJobId("mutation");
  if (sink_) {
    if (Status st = sink_(name, version, manifest.metadata.lineage.ingest_job, "mutation", field_changes,
                          changes.context);
        !st.ok()) {
      (void)bucket->Delete(object_key);
      return st.WithContext("cannot record the change in the event journal; nothing was changed");
    }
  }
  FaultPoint("delta.after_journal");
  auto committed = catalog_.Commit(*lease, std::move(manifest));
  if (!committed.ok()) {
    (void)bucket->Delete(object_key);
    return committed.status();
  }
  FaultPoint("delta.after_commit");
  result.manifest = std::move(committed).value();
  log::Info("rows changed", {{"dataset", name},
                             {"version", result.manifest.version},
                             {"upserted", result.upserted},
                             {"deleted", result.deleted},
                             {"deltas", result.manifest.deltas.size()}});
  lease.reset();

  if (options_.compact_after_deltas > 0 && result.manifest.deltas.size() >= options_.compact_after_deltas) {
    auto compacted = Compact(name, {"lakehouse", "auto-compaction", ""});
    if (compacted.ok()) {
      result.manifest = compacted->manifest;
      result.compacted = !compacted->unchanged;
    } else {
      // The change is committed; compaction simply runs again after the next one.
      log::Warn("automatic compaction failed", {{"dataset", name}, {"error", compacted.status().message()}});
    }
  }
  return result;
}

Result<CompactionResult> MutationService::Compact(const std::string& name, const ChangeContext& context) {
  LH_ASSIGN_OR_RETURN(auto before, catalog_.Get(name));
  CompactionResult result;
  if (before.deltas.empty()) {
    result.manifest = before;
    result.unchanged = true;
    return result;
  }
  LH_ASSIGN_OR_RETURN(auto lease, catalog_.BeginVersion(name, before.bucket));
  LH_ASSIGN_OR_RETURN(auto current, catalog_.Get(name));
  if (current.deltas.empty() || !current.primary_key) {
    result.manifest = current;
    result.unchanged = true;
    return result;
  }
  LH_ASSIGN_OR_RETURN(auto readable, catalog_.Readable(name, current.version));
  LH_RETURN_IF_ERROR(CheckLocal(readable));
  LH_ASSIGN_OR_RETURN(ObjectStore * bucket, buckets_.Get(current.bucket));
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database_));

  const std::string local = scratch_->File(fmt::format("compact-{}.parquet", counter_.fetch_add(1)));
  auto remove_local = [&] {
    std::error_code ec;
    std::filesystem::remove(local, ec);
  };
  auto copied = QueryScalar(
      connection,
      fmt::format("COPY (SELECT * FROM {}) TO {} (FORMAT parquet, COMPRESSION zstd)",
                  engine::MergedRelationSql(StripScheme(readable.data_uris), StripScheme(readable.delta_uris),
                                            *current.primary_key),
                  QuoteSqlString(local)));
  if (!copied.ok()) {
    remove_local();
    return copied.status().WithContext(fmt::format("cannot compact dataset '{}'", name));
  }
  FaultPoint("compact.before_upload");
  const std::string object_key = lease->prefix() + "part-0.parquet";
  auto uploaded = catalog::MoveFileInto(local, *bucket, object_key);
  remove_local();
  if (!uploaded.ok()) return uploaded.status().WithContext("cannot store the compacted file");
  FaultPoint("compact.after_upload");

  catalog::DatasetManifest manifest = current;
  const std::int64_t rows = copied->AsInt64().value_or(0);
  manifest.files = {{object_key, uploaded->size, rows, uploaded->sha256}};
  manifest.deltas.clear();
  manifest.content_hash.clear();
  manifest.metadata.lineage.ingest_job = NewJobId("compaction");
  if (sink_) {
    FieldChange note{"", "", "compact", std::to_string(current.deltas.size()) + " deltas",
                     std::to_string(rows) + " rows"};
    if (Status st = sink_(name, lease->version(), manifest.metadata.lineage.ingest_job, "compaction", {note},
                          context);
        !st.ok()) {
      (void)bucket->Delete(object_key);
      return st.WithContext("cannot record the compaction in the event journal; nothing was changed");
    }
  }
  auto committed = catalog_.Commit(*lease, std::move(manifest));
  if (!committed.ok()) {
    (void)bucket->Delete(object_key);
    return committed.status();
  }
  FaultPoint("compact.after_commit");
  result.manifest = std::move(committed).value();
  result.deltas_merged = current.deltas.size();
  log::Info("dataset compacted", {{"dataset", name},
                                  {"version", result.manifest.version},
                                  {"deltas_merged", result.deltas_merged},
                                  {"rows", rows}});
  return result;
}

Json MutationService::ResultToJson(const MutationResult& result) {
  return {{"dataset", catalog::ManifestToJson(result.manifest)},
          {"upserted", result.upserted},
          {"deleted", result.deleted},
          {"field_changes", result.field_changes},
          {"compacted", result.compacted}};
}

Json MutationService::ResultToJson(const CompactionResult& result) {
  return {{"dataset", catalog::ManifestToJson(result.manifest)},
          {"deltas_merged", result.deltas_merged},
          {"unchanged", result.unchanged}};
}

}  // namespace lakehouse::mutation
