#include "catalog/manifest_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "catalog/file_transfer.h"
#include "engine/appender.h"
#include "engine/sql_text.h"

namespace lakehouse::catalog {
namespace {

Result<std::string> ReadLocalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("cannot read {}", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string BatchKey(std::int64_t epoch_us) {
  return fmt::format("{}batch_{}.parquet", kManifestPrefix, epoch_us);
}

}  // namespace

ManifestStore::ManifestStore(ObjectStore& primary, std::unique_ptr<engine::Database> database,
                             engine::Connection connection, std::unique_ptr<ScratchDirectory> scratch)
    : primary_(primary),
      database_(std::move(database)),
      connection_(std::move(connection)),
      scratch_(std::move(scratch)) {}

Result<std::unique_ptr<ManifestStore>> ManifestStore::Open(ObjectStore& primary,
                                                           const engine::DatabaseOptions& engine,
                                                           const std::string& scratch_parent) {
  engine::DatabaseOptions options = engine;
  options.path.clear();  // private and in memory: nothing durable lives here
  if (options.threads == 0 || options.threads > 2) options.threads = 2;
  auto database = engine::Database::Open(options);
  if (!database.ok()) return database.status().WithContext("cannot start the catalog's Parquet engine");
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(**database));
  LH_RETURN_IF_ERROR(connection.Execute(
      "CREATE TABLE manifest_batch (name VARCHAR, version BIGINT, recorded_at_us BIGINT, manifest VARCHAR)"));
  LH_ASSIGN_OR_RETURN(auto scratch, ScratchDirectory::Create(scratch_parent, "catalog"));
  return std::unique_ptr<ManifestStore>(
      new ManifestStore(primary, std::move(database).value(), std::move(connection), std::move(scratch)));
}

Result<std::vector<std::string>> ManifestStore::ListBatches() {
  LH_ASSIGN_OR_RETURN(auto listed, primary_.List(kManifestPrefix));
  std::vector<std::string> keys;
  for (auto& info : listed) {
    std::string_view key = info.key;
    if (key.ends_with(".parquet") && key.substr(kManifestPrefix.size()).starts_with("batch_")) {
      keys.push_back(std::move(info.key));
    }
  }
  // batch_{epoch_us}: sort by the number, not bytewise, so that order survives digit-count changes.
  std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return keys;
}

Result<std::string> ManifestStore::WriteBatch(const std::vector<DatasetManifest>& manifests) {
  std::lock_guard lock(mu_);
  LH_RETURN_IF_ERROR(connection_.Execute("DELETE FROM manifest_batch"));
  {
    LH_ASSIGN_OR_RETURN(auto appender, engine::Appender::Open(connection_, "", "manifest_batch"));
    for (const auto& m : manifests) {
      LH_RETURN_IF_ERROR(appender.AppendRow(
          {engine::Value::Varchar(m.name), engine::Value::Integer(m.version),
           engine::Value::Integer(m.updated_at_us), engine::Value::Varchar(ToJsonText(ManifestToJson(m)))}));
    }
    LH_RETURN_IF_ERROR(appender.Close());
  }
  std::string file = scratch_->File(fmt::format("write-{}.parquet", file_counter_++));
  LH_RETURN_IF_ERROR(connection_.Execute(fmt::format(
      "COPY (SELECT * FROM manifest_batch ORDER BY name, version) TO {} (FORMAT parquet, COMPRESSION zstd)",
      engine::QuoteSqlString(file))));
  auto bytes = ReadLocalFile(file);
  std::error_code ec;
  std::filesystem::remove(file, ec);
  if (!bytes.ok()) return bytes.status();
  // Write-once: never replace a batch, even one another process wrote in the same microsecond.
  std::int64_t stamp = NowMicros();
  for (int attempt = 0; attempt < 100; ++attempt, ++stamp) {
    std::string key = BatchKey(stamp);
    Status st = primary_.PutIfAbsent(key, *bytes);
    if (st.ok()) return key;
    if (st.code() != StatusCode::kAlreadyExists) return st.WithContext("cannot write a catalog batch");
  }
  return Status::Unavailable("could not find a free catalog batch key; retry");
}

Result<std::vector<DatasetManifest>> ManifestStore::ReadBatches(const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  std::vector<std::string> files;
  std::vector<std::string> file_keys;
  auto cleanup = [&] {
    std::error_code ec;
    for (const auto& f : files) std::filesystem::remove(f, ec);
  };
  for (const auto& key : keys) {
    std::string file = scratch_->File(fmt::format("read-{}.parquet", file_counter_++));
    Status st = DownloadFile(primary_, key, file);
    if (st.code() == StatusCode::kNotFound) continue;
    if (!st.ok()) {
      cleanup();
      return st.WithContext(fmt::format("cannot read catalog batch {}", key));
    }
    files.push_back(std::move(file));
    file_keys.push_back(key);
  }
  std::vector<DatasetManifest> out;
  if (files.empty()) return out;
  std::string list;
  for (const auto& f : files) list += (list.empty() ? "" : ", ") + engine::QuoteSqlString(f);
  auto result = connection_.Query(
      fmt::format("SELECT manifest, filename FROM read_parquet([{}], filename = true)", list));
  if (!result.ok()) {
    cleanup();
    return result.status().WithContext("cannot read the catalog's manifest batches");
  }
  std::unordered_map<std::string, std::string> key_of_file;
  for (std::size_t i = 0; i < files.size(); ++i) key_of_file.emplace(files[i], file_keys[i]);
  std::vector<std::string> texts;
  std::vector<std::string> sources;  // the file each record came from, for error messages
  while (true) {
    auto chunk = result->Next();
    if (!chunk.ok()) {
      cleanup();
      return chunk.status();
    }
    if (!chunk->has_value()) break;
    const auto& c = **chunk;
    for (std::size_t row = 0; row < c.size(); ++row) {
      texts.emplace_back(c.GetValue(0, row).AsString().value_or(""));
      std::string file = c.GetValue(1, row).ToString();
      auto at = key_of_file.find(file);
      sources.push_back(at == key_of_file.end() ? file : at->second);
    }
  }
  cleanup();
  // Parsing the JSON records dominates start-up time; spread it over the cores.
  std::vector<std::optional<DatasetManifest>> parsed(texts.size());
  std::vector<Status> errors(texts.size());
  auto parse_range = [&](std::size_t begin, std::size_t end_index) {
    for (std::size_t i = begin; i < end_index; ++i) {
      auto json = ParseJson(texts[i]);
      Result<DatasetManifest> manifest =
          json.ok() ? ManifestFromJson(*json) : Result<DatasetManifest>(json.status());
      if (manifest.ok()) {
        parsed[i] = std::move(manifest).value();
      } else {
        errors[i] = manifest.status();
      }
    }
  };
  const std::size_t workers =
      texts.size() < 512 ? 1 : std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  const std::size_t per_worker = (texts.size() + workers - 1) / workers;
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) {
    threads.emplace_back(parse_range, std::min(texts.size(), w * per_worker),
                         std::min(texts.size(), (w + 1) * per_worker));
  }
  parse_range(0, std::min(texts.size(), per_worker));
  for (auto& t : threads) t.join();
  out.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (!parsed[i]) {
      return errors[i].WithContext(fmt::format(
          "catalog batch {} holds a corrupt manifest; restore it from a backup or delete it", sources[i]));
    }
    out.push_back(std::move(*parsed[i]));
  }
  return out;
}

Result<std::string> ManifestStore::ReplaceBatches(const std::vector<std::string>& keys,
                                                  const std::vector<DatasetManifest>& merged) {
  LH_ASSIGN_OR_RETURN(std::string key, WriteBatch(merged));
  for (const auto& old : keys) {
    if (old == key) continue;
    LH_RETURN_IF_ERROR(primary_.Delete(old));
  }
  return key;
}

}  // namespace lakehouse::catalog
