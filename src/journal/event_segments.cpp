#include "journal/event_segments.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/file_transfer.h"
#include "engine/connection.h"
#include "engine/data_chunk.h"
#include "engine/query_result.h"
#include "engine/sql_text.h"
#include "engine/value.h"

namespace lakehouse::journal {
namespace {

constexpr std::string_view kStem = "batch_";
constexpr std::string_view kFrom = "_from_";
constexpr std::string_view kThrough = "_through_";
constexpr std::string_view kExtension = ".parquet";

// The event columns in EventToJson's names; ts is derived from ts_us.
constexpr const char* kTextColumns[] = {"event_id", "dataset", "key", "field",  "old",          "new",
                                        "op",       "actor",   "ts",  "source", "workspace_id", "job"};

// The largest event record a segment takes. DuckDB's JSON reader reserves buffers of twice this
// per thread, so it stays well under the engine's memory limit; a larger record (a field value
// of more than 64 MiB) makes compaction fail and its batches stay JSONL, still readable.
constexpr std::size_t kMaxEventBytes = 64u << 20;

bool ParseMicros(std::string_view digits, std::int64_t& out) {
  if (digits.empty()) return false;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return error == std::errc() && end == digits.data() + digits.size() && out >= 0;
}

std::string Column(const char* name) { return engine::QuoteSqlIdentifier(name); }

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("cannot read the journal segment written to '{}'", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::optional<std::string> Text(const engine::DataChunk& chunk, std::size_t column, std::size_t row) {
  if (chunk.IsNull(column, row)) return std::nullopt;
  engine::Value value = chunk.GetValue(column, row);
  std::optional<std::string_view> text = value.AsString();
  if (!text) return value.ToString();
  return std::string(*text);
}

std::int64_t Number(const engine::DataChunk& chunk, std::size_t column, std::size_t row) {
  if (chunk.IsNull(column, row)) return 0;
  return chunk.GetValue(column, row).AsInt64().value_or(0);
}

}  // namespace

std::optional<SegmentName> ParseSegmentName(std::string_view prefix, const std::string& key) {
  std::string_view name(key);
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  if (!name.starts_with(kStem) || !name.ends_with(kExtension)) return std::nullopt;
  name.remove_prefix(kStem.size());
  name.remove_suffix(kExtension.size());
  const std::size_t from = name.find(kFrom);
  const std::size_t through = name.find(kThrough);
  if (from == std::string_view::npos || through == std::string_view::npos || through < from)
    return std::nullopt;
  SegmentName segment;
  segment.key = key;
  if (!ParseMicros(name.substr(0, from), segment.epoch_us) ||
      !ParseMicros(name.substr(from + kFrom.size(), through - from - kFrom.size()), segment.from_us) ||
      !ParseMicros(name.substr(through + kThrough.size()), segment.through_us) ||
      segment.from_us > segment.through_us) {
    return std::nullopt;
  }
  return segment;
}

std::vector<SegmentName> LiveSegments(std::vector<SegmentName> segments,
                                      std::vector<std::pair<SegmentName, std::int64_t>>* superseded) {
  // Widest first among equal starts; a range inside the last kept one is superseded by it.
  std::sort(segments.begin(), segments.end(), [](const SegmentName& a, const SegmentName& b) {
    if (a.from_us != b.from_us) return a.from_us < b.from_us;
    if (a.through_us != b.through_us) return a.through_us > b.through_us;
    return a.epoch_us > b.epoch_us;
  });
  std::vector<SegmentName> live;
  for (SegmentName& segment : segments) {
    if (!live.empty() && segment.through_us <= live.back().through_us) {
      if (superseded != nullptr) superseded->emplace_back(std::move(segment), live.back().epoch_us);
      continue;
    }
    live.push_back(std::move(segment));
  }
  return live;
}

EventSegments::EventSegments(ObjectStore& primary, std::string prefix,
                             std::unique_ptr<engine::Database> database,
                             std::unique_ptr<catalog::ScratchDirectory> scratch)
    : primary_(primary),
      prefix_(std::move(prefix)),
      database_(std::move(database)),
      scratch_(std::move(scratch)) {}

Result<std::unique_ptr<EventSegments>> EventSegments::Open(ObjectStore& primary, std::string prefix,
                                                           const std::string& scratch_parent) {
  LH_ASSIGN_OR_RETURN(auto scratch, catalog::ScratchDirectory::Create(scratch_parent, "journal"));
  engine::DatabaseOptions options;
  options.threads = 2;
  options.memory_limit = "1GB";
  options.temp_dir = scratch->path();
  auto database = engine::Database::Open(options);
  if (!database.ok()) return database.status().WithContext("cannot start the event journal's Parquet engine");
  LH_ASSIGN_OR_RETURN(auto setup, engine::Connection::Open(**database));
  // Segments never change once written, so their footers can be cached across lookups.
  LH_RETURN_IF_ERROR(setup.Execute("LOAD parquet; LOAD json; SET GLOBAL parquet_metadata_cache = true;")
                         .WithContext("cannot load the event journal's engine extensions"));
  return std::unique_ptr<EventSegments>(
      new EventSegments(primary, std::move(prefix), std::move(database).value(), std::move(scratch)));
}

Result<SegmentName> EventSegments::Write(const std::vector<SegmentRecord>& records, std::int64_t epoch_us,
                                         std::int64_t from_us, std::int64_t through_us) {
  std::uint64_t n = 0;
  {
    std::lock_guard lock(mu_);
    n = counter_++;
  }
  const std::string input = scratch_->File(fmt::format("compact-{}.jsonl", n));
  struct Cleanup {
    std::string file;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove(file, ec);
    }
  } cleanup{input};
  {
    // Each record wrapped with its origin, so that DuckDB parses the JSON (in parallel) and the
    // append order survives the sort.
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    for (const SegmentRecord& record : records) {
      out << "{\"b\":" << record.batch_us << ",\"s\":" << record.seq << ",\"e\":" << record.json << "}\n";
    }
    out.flush();
    if (!out) return Status::IOError(fmt::format("cannot write the journal compaction input '{}'", input));
  }
  std::string event_struct;
  std::string select;
  for (const char* name : kTextColumns) {
    if (std::string_view(name) == "ts") continue;
    event_struct += fmt::format("{}{} VARCHAR", event_struct.empty() ? "" : ", ", Column(name));
  }
  event_struct += ", ts_us BIGINT, version BIGINT";
  for (const char* name : {"event_id", "dataset", "key", "field", "old", "new", "op", "actor"}) {
    select += fmt::format("e.{0} AS {0}, ", Column(name));
  }
  select +=
      "make_timestamp(e.ts_us) AS ts, e.ts_us AS ts_us, e.source AS source, e.workspace_id AS workspace_id, "
      "e.version AS version, e.job AS job, b AS batch_us, s AS seq";
  const std::string from = fmt::format(
      "SELECT {} FROM read_json([{}], format = 'newline_delimited', maximum_object_size = {}, columns = "
      "{{'b': "
      "'BIGINT', 's': 'BIGINT', 'e': {}}})",
      select, engine::QuoteSqlString(input), kMaxEventBytes,
      engine::QuoteSqlString(fmt::format("STRUCT({})", event_struct)));
  return Store(from, epoch_us, from_us, through_us, scratch_->File(fmt::format("compact-{}.parquet", n)));
}

Result<SegmentName> EventSegments::Merge(const std::vector<SegmentName>& inputs, std::int64_t epoch_us) {
  if (inputs.empty()) return Status::InvalidArgument("a journal segment merge needs at least one segment");
  std::string files;
  for (const SegmentName& segment : inputs) {
    LH_ASSIGN_OR_RETURN(std::string path, LocalPath(segment.key));
    files += (files.empty() ? "" : ", ") + engine::QuoteSqlString(path);
  }
  std::uint64_t n = 0;
  {
    std::lock_guard lock(mu_);
    n = counter_++;
  }
  std::int64_t from_us = inputs.front().from_us;
  std::int64_t through_us = inputs.front().through_us;
  for (const SegmentName& segment : inputs) {
    from_us = std::min(from_us, segment.from_us);
    through_us = std::max(through_us, segment.through_us);
  }
  return Store(fmt::format("SELECT * FROM read_parquet([{}])", files), epoch_us, from_us, through_us,
               scratch_->File(fmt::format("merge-{}.parquet", n)));
}

Result<SegmentName> EventSegments::Store(const std::string& select, std::int64_t epoch_us,
                                         std::int64_t from_us, std::int64_t through_us,
                                         const std::string& output) {
  struct Cleanup {
    std::string file;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove(file, ec);
    }
  } cleanup{output};
  const std::string sql = fmt::format(
      "COPY ({} ORDER BY dataset, \"key\", batch_us, seq) TO {} (FORMAT parquet, COMPRESSION zstd, "
      "ROW_GROUP_SIZE {})",
      select, engine::QuoteSqlString(output), kSegmentRowGroup);
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database_));
  LH_RETURN_IF_ERROR(connection.Execute(sql).WithContext("cannot write an event journal segment"));
  LH_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(output));

  SegmentName segment;
  segment.key = fmt::format("{}{}{}{}{}{}{}{}", prefix_, kStem, epoch_us, kFrom, from_us, kThrough,
                            through_us, kExtension);
  segment.epoch_us = epoch_us;
  segment.from_us = from_us;
  segment.through_us = through_us;
  segment.size = bytes.size();
  Status put = primary_.PutIfAbsent(segment.key, bytes);
  if (put.code() == StatusCode::kAlreadyExists) {
    // Ours if it holds our bytes (a retried write whose first answer was lost).
    Result<std::string> existing = primary_.Get(segment.key);
    if (existing.ok() && *existing == bytes) return segment;
  }
  LH_RETURN_IF_ERROR(put.WithContext(fmt::format("cannot write event journal segment '{}'", segment.key)));
  return segment;
}

Result<std::string> EventSegments::LocalPath(const std::string& key) {
  Result<std::string> uri = primary_.Uri(key);
  if (!uri.ok()) return uri.status();
  constexpr std::string_view kFileScheme = "file://";
  const std::string_view text = *uri;
  if (!text.empty() && text.front() == '/') return std::string(text);
  if (text.substr(0, kFileScheme.size()) == kFileScheme) return std::string(text.substr(kFileScheme.size()));
  std::lock_guard lock(mu_);
  if (auto it = downloaded_.find(key); it != downloaded_.end()) return it->second;
  const std::string path = scratch_->File(fmt::format("segment-{}.parquet", counter_++));
  LH_RETURN_IF_ERROR(catalog::DownloadFile(primary_, key, path)
                         .WithContext(fmt::format("cannot read event journal segment '{}'", key)));
  downloaded_.emplace(key, path);
  return path;
}

Status EventSegments::Find(const std::vector<SegmentName>& segments, const EventFilter& filter,
                           const std::function<bool(Event)>& visit) {
  std::string files;
  for (const SegmentName& segment : segments) {
    if (filter.since_us && segment.through_us < *filter.since_us) continue;  // every event is older
    LH_ASSIGN_OR_RETURN(std::string path, LocalPath(segment.key));
    files += (files.empty() ? "" : ", ") + engine::QuoteSqlString(path);
  }
  if (files.empty()) return Status::OK();
  // Literal values (quoted), not parameters, so the conditions reach the Parquet reader and prune
  // row groups by their statistics.
  std::string where = "true";
  if (filter.dataset) where += " AND dataset = " + engine::QuoteSqlString(*filter.dataset);
  if (filter.key) where += " AND \"key\" = " + engine::QuoteSqlString(*filter.key);
  if (filter.actor) where += " AND actor = " + engine::QuoteSqlString(*filter.actor);
  if (filter.since_us) where += fmt::format(" AND ts_us >= {}", *filter.since_us);
  if (filter.until_us) where += fmt::format(" AND ts_us < {}", *filter.until_us);
  const std::string sql = fmt::format(
      "SELECT event_id, dataset, \"key\", field, \"old\", \"new\", op, actor, ts_us, source, workspace_id, "
      "version, job FROM read_parquet([{}]) WHERE {} ORDER BY batch_us, seq",
      files, where);
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database_));
  auto result = connection.Query(sql);
  if (!result.ok()) return result.status().WithContext("cannot read the event journal's segments");
  while (true) {
    LH_ASSIGN_OR_RETURN(auto chunk, result->Next());
    if (!chunk) return Status::OK();
    const engine::DataChunk& c = *chunk;
    for (std::size_t row = 0; row < c.size(); ++row) {
      Event e;
      e.event_id = Text(c, 0, row).value_or("");
      e.dataset = Text(c, 1, row).value_or("");
      e.key = Text(c, 2, row);
      e.field = Text(c, 3, row);
      e.old_value = Text(c, 4, row);
      e.new_value = Text(c, 5, row);
      e.op = Text(c, 6, row).value_or("");
      e.actor = Text(c, 7, row).value_or("");
      e.ts_us = Number(c, 8, row);
      e.source = Text(c, 9, row).value_or("");
      e.workspace_id = Text(c, 10, row).value_or("");
      e.version = Number(c, 11, row);
      e.job = Text(c, 12, row).value_or("");
      if (!visit(std::move(e))) return Status::OK();
    }
  }
}

}  // namespace lakehouse::journal
