#include "mutation/delta_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "common/json.h"
#include "engine/connection.h"
#include "engine/sql_text.h"

namespace lakehouse::mutation {
namespace {

constexpr std::size_t kMaxProblems = 20;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string Trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

Result<std::string> FormatOf(const std::string& path, const std::string& given) {
  std::string format = Lower(given);
  if (format.empty()) {
    const std::string ext = Lower(std::filesystem::path(path).extension().string());
    if (ext == ".csv") format = "csv";
    if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson") format = "json";
    if (ext == ".parquet") format = "parquet";
    if (format.empty()) {
      return Status::InvalidArgument("cannot tell the format of '" + path +
                                     "' from its extension; give --format csv, json or parquet");
    }
  }
  if (format == "ndjson") format = "json";
  if (format != "csv" && format != "json" && format != "parquet") {
    return Status::InvalidArgument("unknown format '" + given + "'; use csv, json (or ndjson) or parquet");
  }
  return format;
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read '" + path + "'; check the path and its permissions");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The physical line (1-based) on which each CSV record after the header starts. Newlines inside
// double quotes belong to the field, and blank lines hold no record (as DuckDB reads them).
std::vector<std::size_t> CsvRecordLines(const std::string& text) {
  std::vector<std::size_t> starts;
  std::size_t line = 1;
  bool in_quotes = false;
  bool at_record_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (at_record_start && c != '\n' && c != '\r') {
      starts.push_back(line);
      at_record_start = false;
    }
    if (c == '"') in_quotes = !in_quotes;
    if (c == '\n') {
      ++line;
      if (!in_quotes) at_record_start = true;
    }
  }
  if (!starts.empty()) starts.erase(starts.begin());  // the header
  return starts;
}

// Rows of a CSV or Parquet file as JSON objects, through DuckDB. CSV cells stay text (the
// mutation casts them to the dataset's column types).
Result<std::vector<Json>> ReadWithDuckDB(const std::string& path, const std::string& format,
                                         const engine::DatabaseOptions& engine_options) {
  LH_ASSIGN_OR_RETURN(auto database, engine::Database::Open(engine_options));
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database));
  LH_RETURN_IF_ERROR(connection.Execute("LOAD json; LOAD parquet;"));
  const std::string source =
      format == "csv" ? "read_csv(" + engine::QuoteSqlString(path) + ", header = true, all_varchar = true)"
                      : "read_parquet(" + engine::QuoteSqlString(path) + ")";
  auto result = connection.Query("SELECT CAST(to_json(lh_row) AS VARCHAR) FROM " + source + " AS lh_row");
  if (!result.ok()) {
    return Status::InvalidArgument("cannot read '" + path + "' as " + format + ": " +
                                   result.status().message());
  }
  std::vector<Json> rows;
  while (true) {
    auto chunk = result->Next();
    if (!chunk.ok()) {
      return Status::InvalidArgument("cannot read '" + path + "' as " + format + ": " +
                                     chunk.status().message());
    }
    if (!*chunk) break;
    for (std::size_t r = 0; r < (*chunk)->size(); ++r) {
      LH_ASSIGN_OR_RETURN(Json row, ParseJson((*chunk)->GetValue(0, r).AsString().value_or("{}")));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

struct Labelled {
  std::vector<Json> rows;
  std::vector<std::string> labels;
};

Result<Labelled> ReadRows(const std::string& path, const std::string& format,
                          const engine::DatabaseOptions& engine_options) {
  Labelled out;
  if (format == "json") {
    LH_ASSIGN_OR_RETURN(std::string text, ReadText(path));
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '[') {
      auto array = ParseJson(text);
      if (!array.ok()) {
        return Status::InvalidArgument("'" + path + "' is not valid JSON: " + array.status().message());
      }
      for (std::size_t i = 0; i < array->size(); ++i) {
        out.rows.push_back((*array)[i]);
        out.labels.push_back(fmt::format("record {}", i + 1));
      }
      return out;
    }
    std::istringstream lines(text);
    std::string line;
    for (std::size_t number = 1; std::getline(lines, line); ++number) {
      if (Trim(line).empty()) continue;
      auto row = ParseJson(line);
      if (!row.ok()) {
        return Status::InvalidArgument(
            fmt::format("line {} of '{}' is not valid JSON ({}); a JSON delta file "
                        "holds one object per line (NDJSON) or an array of objects",
                        number, path, row.status().message()));
      }
      out.rows.push_back(std::move(row).value());
      out.labels.push_back(fmt::format("line {}", number));
    }
    return out;
  }
  LH_ASSIGN_OR_RETURN(out.rows, ReadWithDuckDB(path, format, engine_options));
  std::vector<std::size_t> lines;
  if (format == "csv") {
    LH_ASSIGN_OR_RETURN(std::string text, ReadText(path));
    lines = CsvRecordLines(text);
  }
  for (std::size_t i = 0; i < out.rows.size(); ++i) {
    out.labels.push_back(format == "parquet" ? fmt::format("row {}", i + 1)
                         : i < lines.size()  ? fmt::format("line {}", lines[i])
                                             : fmt::format("record {}", i + 1));
  }
  return out;
}

// A key as text, to find a key given twice (5 and "5" are the same key).
std::string KeyText(const Json& key) { return key.is_string() ? key.get<std::string>() : key.dump(); }

}  // namespace

Result<RowChanges> ReadDeltaFile(const std::string& path, const DeltaFileOptions& options) {
  if (options.key_column.empty()) return Status::InvalidArgument("the dataset has no primary key");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument("'" + path + "' is not a readable file; check the path");
  }
  LH_ASSIGN_OR_RETURN(const std::string format, FormatOf(path, options.format));
  LH_ASSIGN_OR_RETURN(Labelled rows, ReadRows(path, format, options.engine));
  if (rows.rows.empty()) {
    return Status::InvalidArgument("'" + path + "' has no rows; a delta file needs at least one row with " +
                                   options.op_column + " = upsert or delete");
  }

  RowChanges changes;
  std::vector<std::string> problems;
  std::map<std::string, std::string> seen;  // key text -> label of its row
  bool op_column_seen = false;
  for (std::size_t i = 0; i < rows.rows.size() && problems.size() <= kMaxProblems; ++i) {
    Json& row = rows.rows[i];
    const std::string& label = rows.labels[i];
    if (!row.is_object()) {
      problems.push_back(label + ": not an object of column values");
      continue;
    }
    auto op_field = row.find(options.op_column);
    if (op_field == row.end()) {
      problems.push_back(fmt::format("{}: no '{}' field; every row needs {} = upsert or delete", label,
                                     options.op_column, options.op_column));
      continue;
    }
    op_column_seen = true;
    const std::string op = op_field->is_string() ? Lower(Trim(op_field->get<std::string>())) : "";
    if (op != "upsert" && op != "delete") {
      problems.push_back(fmt::format(
          "{}: {} must be 'upsert' or 'delete', not {}", label, options.op_column,
          op_field->is_string() ? engine::QuoteSqlString(op_field->get<std::string>()) : op_field->dump()));
      continue;
    }
    row.erase(op_field);
    auto key = row.find(options.key_column);
    if (key == row.end() || key->is_null() || (key->is_string() && key->get<std::string>().empty())) {
      problems.push_back(
          fmt::format("{}: the key column '{}' is missing or empty", label, options.key_column));
      continue;
    }
    if (!key->is_string() && !key->is_number()) {
      problems.push_back(
          fmt::format("{}: the key '{}' must be a string or a number", label, options.key_column));
      continue;
    }
    auto [previous, inserted] = seen.emplace(KeyText(*key), label);
    if (!inserted) {
      problems.push_back(
          fmt::format("{}: key {} was already changed on {}; a delta file changes each key once", label,
                      KeyText(*key), previous->second));
      continue;
    }
    if (op == "delete") {
      changes.deletes.push_back(*key);
      changes.delete_labels.push_back(label);
    } else {
      changes.upserts.push_back(std::move(row));
      changes.upsert_labels.push_back(label);
    }
  }
  if (!op_column_seen && format != "json") {
    return Status::InvalidArgument(
        fmt::format("'{}' has no '{}' column; add one with upsert or delete on every "
                    "row (or name the column with --op-column)",
                    path, options.op_column));
  }
  if (!problems.empty()) {
    if (problems.size() > kMaxProblems) {
      problems.resize(kMaxProblems);
      problems.emplace_back("... (first problems only)");
    }
    std::string message = "invalid delta file '" + path + "': ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i == 0 ? "" : "; ") + problems[i];
    return Status::InvalidArgument(message);
  }
  return changes;
}

}  // namespace lakehouse::mutation
