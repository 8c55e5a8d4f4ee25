#include "catalog/dataset_manifest.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <ctime>

#include "common/sha256.h"

namespace lakehouse::catalog {
namespace {

constexpr std::string_view kSensitivityNames[] = {"public", "internal", "confidential", "restricted"};

// Reads `json[field]` into `out`; the message names the field so a corrupt batch can be found.
template <typename T>
Status ReadField(const Json& json, const char* field, T& out) {
  auto it = json.find(field);
  if (it == json.end()) return Status::InvalidArgument(fmt::format("manifest field '{}' is missing", field));
  try {
    out = it->get<T>();
  } catch (const std::exception&) {
    return Status::InvalidArgument(fmt::format("manifest field '{}' has the wrong type", field));
  }
  return Status::OK();
}

}  // namespace

std::string_view SensitivityName(Sensitivity sensitivity) {
  return kSensitivityNames[static_cast<std::size_t>(sensitivity)];
}

Result<Sensitivity> ParseSensitivity(std::string_view text) {
  for (std::size_t i = 0; i < std::size(kSensitivityNames); ++i) {
    if (text == kSensitivityNames[i]) return static_cast<Sensitivity>(i);
  }
  return Status::InvalidArgument(
      fmt::format("unknown sensitivity '{}'; use public, internal, confidential or restricted", text));
}

std::string SchemaFingerprint(const std::vector<ColumnSchema>& schema) {
  // Unit and record separators cannot occur in DuckDB type names, and a column name holding
  // them would still hash unambiguously because every field is length-prefixed.
  Sha256 hash;
  for (const auto& column : schema) {
    hash.Update(
        fmt::format("{}:{}\x1f{}:{}\x1e", column.name.size(), column.name, column.type.size(), column.type));
  }
  return "sha256:" + hash.HexDigest();
}

Status ValidateDatasetName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return Status::InvalidArgument("a dataset name must have 1 to 128 characters");
  }
  if (std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
    return Status::InvalidArgument(
        fmt::format("dataset name '{}' starts with a digit; start it with a letter or '_'", name));
  }
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
      return Status::InvalidArgument(fmt::format(
          "dataset name '{}' may only hold ASCII letters, digits and '_' (it becomes a SQL view name)",
          name));
    }
  }
  return Status::OK();
}

Result<std::chrono::seconds> ParseFreshnessSla(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "freshness SLA '{}' is not understood; write a whole number and a unit, like 30m, 24h, 7d or 2w",
        text));
  };
  if (text.size() < 2) return bad();
  std::int64_t amount = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, amount);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || amount <= 0 || amount > 100000)
    return bad();
  switch (text.back()) {
    case 'm': return std::chrono::seconds(amount * 60);
    case 'h': return std::chrono::seconds(amount * 3600);
    case 'd': return std::chrono::seconds(amount * 86400);
    case 'w': return std::chrono::seconds(amount * 7 * 86400);
    default: return bad();
  }
}

bool IsStale(const DatasetManifest& manifest, std::chrono::system_clock::time_point now) {
  if (manifest.metadata.freshness_sla.empty()) return false;
  auto sla = ParseFreshnessSla(manifest.metadata.freshness_sla);
  if (!sla.ok()) return false;
  auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  return now_us - manifest.created_at_us >
         std::chrono::duration_cast<std::chrono::microseconds>(*sla).count();
}

std::int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoTimeFromMicros(std::int64_t micros) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

Json ManifestToJson(const DatasetManifest& m) {
  Json schema = Json::array();
  for (const auto& c : m.schema) schema.push_back({{"name", c.name}, {"type", c.type}});
  auto file_list = [](const std::vector<DataFile>& list) {
    Json out = Json::array();
    for (const auto& f : list) {
      out.push_back({{"key", f.key}, {"size", f.size}, {"rows", f.rows}, {"sha256", f.sha256}});
    }
    return out;
  };
  Json files = file_list(m.files);
  Json deltas = file_list(m.deltas);
  const auto& md = m.metadata;
  return {{"name", m.name},
          {"id", m.id},
          {"bucket", m.bucket},
          {"version", m.version},
          {"schema", std::move(schema)},
          {"schema_fingerprint", m.schema_fingerprint},
          {"files", std::move(files)},
          {"deltas", std::move(deltas)},
          {"row_count", m.row_count},
          {"created_at_us", m.created_at_us},
          {"updated_at_us", m.updated_at_us},
          {"created_at", IsoTimeFromMicros(m.created_at_us)},
          {"updated_at", IsoTimeFromMicros(m.updated_at_us)},
          {"primary_key", m.primary_key ? Json(*m.primary_key) : Json()},
          {"content_hash", m.content_hash},
          {"source_format", m.source_format},
          {"metadata",
           {{"owner", md.owner},
            {"sensitivity", SensitivityName(md.sensitivity)},
            {"lineage",
             {{"source_system", md.lineage.source_system},
              {"ingest_job", md.lineage.ingest_job},
              {"parents", md.lineage.parents},
              {"source_object", md.lineage.source_object}}},
            {"freshness_sla", md.freshness_sla},
            {"description", md.description},
            {"tags", md.tags},
            {"pii_columns", md.pii_columns}}}};
}

Result<DatasetManifest> ManifestFromJson(const Json& json) {
  if (!json.is_object()) return Status::InvalidArgument("a manifest must be a JSON object");
  DatasetManifest m;
  LH_RETURN_IF_ERROR(ReadField(json, "name", m.name));
  LH_RETURN_IF_ERROR(ReadField(json, "id", m.id));
  LH_RETURN_IF_ERROR(ReadField(json, "bucket", m.bucket));
  LH_RETURN_IF_ERROR(ReadField(json, "version", m.version));
  LH_RETURN_IF_ERROR(ReadField(json, "schema_fingerprint", m.schema_fingerprint));
  LH_RETURN_IF_ERROR(ReadField(json, "row_count", m.row_count));
  LH_RETURN_IF_ERROR(ReadField(json, "created_at_us", m.created_at_us));
  LH_RETURN_IF_ERROR(ReadField(json, "updated_at_us", m.updated_at_us));
  LH_RETURN_IF_ERROR(ReadField(json, "content_hash", m.content_hash));
  LH_RETURN_IF_ERROR(ReadField(json, "source_format", m.source_format));
  Json schema, files, metadata, lineage;
  LH_RETURN_IF_ERROR(ReadField(json, "schema", schema));
  LH_RETURN_IF_ERROR(ReadField(json, "files", files));
  LH_RETURN_IF_ERROR(ReadField(json, "metadata", metadata));
  if (!schema.is_array() || !files.is_array() || !metadata.is_object()) {
    return Status::InvalidArgument(
        "manifest fields 'schema' and 'files' must be arrays, 'metadata' an object");
  }
  for (const auto& c : schema) {
    ColumnSchema column;
    LH_RETURN_IF_ERROR(ReadField(c, "name", column.name));
    LH_RETURN_IF_ERROR(ReadField(c, "type", column.type));
    m.schema.push_back(std::move(column));
  }
  for (const auto& f : files) {
    DataFile file;
    LH_RETURN_IF_ERROR(ReadField(f, "key", file.key));
    LH_RETURN_IF_ERROR(ReadField(f, "size", file.size));
    LH_RETURN_IF_ERROR(ReadField(f, "rows", file.rows));
    LH_RETURN_IF_ERROR(ReadField(f, "sha256", file.sha256));
    m.files.push_back(std::move(file));
  }
  // Manifests written before deltas existed have no "deltas" field.
  if (auto deltas = json.find("deltas"); deltas != json.end() && deltas->is_array()) {
    for (const auto& f : *deltas) {
      DataFile file;
      LH_RETURN_IF_ERROR(ReadField(f, "key", file.key));
      LH_RETURN_IF_ERROR(ReadField(f, "size", file.size));
      LH_RETURN_IF_ERROR(ReadField(f, "rows", file.rows));
      LH_RETURN_IF_ERROR(ReadField(f, "sha256", file.sha256));
      m.deltas.push_back(std::move(file));
    }
  }
  if (auto pk = json.find("primary_key"); pk != json.end() && pk->is_string())
    m.primary_key = pk->get<std::string>();
  auto& md = m.metadata;
  std::string sensitivity;
  LH_RETURN_IF_ERROR(ReadField(metadata, "owner", md.owner));
  LH_RETURN_IF_ERROR(ReadField(metadata, "sensitivity", sensitivity));
  LH_ASSIGN_OR_RETURN(md.sensitivity, ParseSensitivity(sensitivity));
  LH_RETURN_IF_ERROR(ReadField(metadata, "lineage", lineage));
  LH_RETURN_IF_ERROR(ReadField(lineage, "source_system", md.lineage.source_system));
  LH_RETURN_IF_ERROR(ReadField(lineage, "ingest_job", md.lineage.ingest_job));
  LH_RETURN_IF_ERROR(ReadField(lineage, "parents", md.lineage.parents));
  // Manifests written before ingest from buckets have no "source_object".
  if (auto source = lineage.find("source_object"); source != lineage.end() && source->is_string())
    md.lineage.source_object = source->get<std::string>();
  LH_RETURN_IF_ERROR(ReadField(metadata, "freshness_sla", md.freshness_sla));
  LH_RETURN_IF_ERROR(ReadField(metadata, "description", md.description));
  LH_RETURN_IF_ERROR(ReadField(metadata, "tags", md.tags));
  LH_RETURN_IF_ERROR(ReadField(metadata, "pii_columns", md.pii_columns));
  return m;
}

}  // namespace lakehouse::catalog
