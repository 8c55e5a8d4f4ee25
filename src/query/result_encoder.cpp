#include "query/result_encoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <variant>

#include "query/arrow_result_encoder.h"

namespace lakehouse::query {
namespace {

using engine::TypeId;
using engine::Value;

bool IsTimestamp(TypeId type) {
  return type == TypeId::kTimestamp || type == TypeId::kTimestampSec || type == TypeId::kTimestampMs ||
         type == TypeId::kTimestampNs || type == TypeId::kTimestampTz;
}

void AppendJsonString(std::string_view text, std::string& out) {
  // The one JSON codec escapes, and replaces invalid UTF-8 instead of failing.
  out += ToJsonText(Json(std::string(text)));
}

template <typename Float>
void AppendFloating(Float v, std::string& out) {
  if (std::isnan(v)) {
    out += "\"NaN\"";
  } else if (std::isinf(v)) {
    out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

class JsonEncoder : public ResultEncoder {
 public:
  std::string_view content_type() const override { return "application/json"; }
  void Begin(const std::vector<engine::Column>& columns, std::string& out) override {
    out += "{\"columns\":";
    out += ColumnsJson(columns);
    out += ",\"rows\":[";
  }
  void Rows(const engine::DataChunk& chunk, std::string& out) override {
    for (std::size_t row = 0; row < chunk.size(); ++row) {
      if (any_row_) out += ',';
      any_row_ = true;
      AppendRow(chunk, row, out);
    }
  }
  void End(std::uint64_t row_count, std::int64_t elapsed_ms, std::string& out) override {
    fmt::format_to(std::back_inserter(out), "],\"row_count\":{},\"elapsed_ms\":{}}}", row_count, elapsed_ms);
  }
  void Fail(const QueryError& error, std::string& out) override {
    out += "],\"error\":";
    out +=
        ToJsonText(Json{{"code", StatusCodeName(error.status.code())}, {"message", error.status.message()}});
    out += '}';
  }

  static std::string ColumnsJson(const std::vector<engine::Column>& columns) {
    Json list = Json::array();
    for (const auto& column : columns) list.push_back({{"name", column.name}, {"type", column.type_name}});
    return ToJsonText(list);
  }
  static void AppendRow(const engine::DataChunk& chunk, std::size_t row, std::string& out) {
    out += '[';
    for (std::size_t col = 0; col < chunk.column_count(); ++col) {
      if (col > 0) out += ',';
      AppendJsonValue(chunk.GetValue(col, row), out);
    }
    out += ']';
  }

 private:
  bool any_row_ = false;
};

class NdjsonEncoder : public ResultEncoder {
 public:
  std::string_view content_type() const override { return "application/x-ndjson"; }
  void Begin(const std::vector<engine::Column>& columns, std::string& out) override {
    out += "{\"columns\":";
    out += JsonEncoder::ColumnsJson(columns);
    out += "}\n";
  }
  void Rows(const engine::DataChunk& chunk, std::string& out) override {
    for (std::size_t row = 0; row < chunk.size(); ++row) {
      JsonEncoder::AppendRow(chunk, row, out);
      out += '\n';
    }
  }
  void End(std::uint64_t row_count, std::int64_t elapsed_ms, std::string& out) override {
    fmt::format_to(std::back_inserter(out), "{{\"row_count\":{},\"elapsed_ms\":{}}}\n", row_count,
                   elapsed_ms);
  }
  void Fail(const QueryError& error, std::string& out) override {
    out += ToJsonText(Json{
        {"error", {{"code", StatusCodeName(error.status.code())}, {"message", error.status.message()}}}});
    out += '\n';
  }
};

class CsvEncoder : public ResultEncoder {
 public:
  std::string_view content_type() const override { return "text/csv; charset=utf-8"; }
  void Begin(const std::vector<engine::Column>& columns, std::string& out) override {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += ',';
      out += CsvField(columns[i].name);
    }
    out += "\r\n";
  }
  void Rows(const engine::DataChunk& chunk, std::string& out) override {
    for (std::size_t row = 0; row < chunk.size(); ++row) {
      for (std::size_t col = 0; col < chunk.column_count(); ++col) {
        if (col > 0) out += ',';
        out += CsvField(PlainText(chunk.GetValue(col, row)));
      }
      out += "\r\n";
    }
  }
  void End(std::uint64_t /*row_count*/, std::int64_t /*elapsed_ms*/, std::string& /*out*/) override {}
  // CSV has no place for an error; the cut-off transfer is the signal.
  void Fail(const QueryError& /*error*/, std::string& /*out*/) override {}
};

// Columns are sized from the first kSizingRows rows; later rows keep those widths (and overflow
// them if longer), so the table streams after that.
class TableEncoder : public ResultEncoder {
 public:
  std::string_view content_type() const override { return "text/plain; charset=utf-8"; }
  void Begin(const std::vector<engine::Column>& columns, std::string& /*out*/) override {
    header_.clear();
    for (const auto& column : columns) header_.push_back(column.name);
    widths_.assign(columns.size(), 0);
    for (std::size_t i = 0; i < columns.size(); ++i) widths_[i] = Width(header_[i]);
  }
  void Rows(const engine::DataChunk& chunk, std::string& out) override {
    for (std::size_t row = 0; row < chunk.size(); ++row) {
      std::vector<std::string> cells;
      for (std::size_t col = 0; col < chunk.column_count(); ++col) {
        Value value = chunk.GetValue(col, row);
        cells.push_back(value.IsNull() ? "NULL" : PlainText(value));
      }
      if (sized_) {
        AppendLine(cells, out);
        continue;
      }
      for (std::size_t i = 0; i < cells.size(); ++i) widths_[i] = std::max(widths_[i], Width(cells[i]));
      pending_.push_back(std::move(cells));
      if (pending_.size() >= kSizingRows) Flush(out);
    }
  }
  void End(std::uint64_t row_count, std::int64_t elapsed_ms, std::string& out) override {
    if (!sized_) Flush(out);
    fmt::format_to(std::back_inserter(out), "({} row{}, {} ms)\n", row_count, row_count == 1 ? "" : "s",
                   elapsed_ms);
  }
  void Fail(const QueryError& /*error*/, std::string& out) override {
    if (!sized_) Flush(out);
  }

 private:
  static constexpr std::size_t kSizingRows = 1000;

  // Display width in code points (close enough for a terminal table).
  static std::size_t Width(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  }
  void AppendLine(const std::vector<std::string>& cells, std::string& out) const {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += i == 0 ? "" : " | ";
      out += cells[i];
      if (i + 1 < cells.size()) out.append(widths_[i] - std::min(widths_[i], Width(cells[i])), ' ');
    }
    out += '\n';
  }
  void Flush(std::string& out) {
    sized_ = true;
    AppendLine(header_, out);
    for (std::size_t i = 0; i < widths_.size(); ++i) {
      out += i == 0 ? "" : "-+-";
      out.append(widths_[i], '-');
    }
    out += '\n';
    for (const auto& cells : pending_) AppendLine(cells, out);
    pending_.clear();
  }

  std::vector<std::string> header_;
  std::vector<std::size_t> widths_;
  std::vector<std::vector<std::string>> pending_;
  bool sized_ = false;
};

}  // namespace

std::optional<ResultFormat> ParseResultFormat(std::string_view name) {
  if (name == "json") return ResultFormat::kJson;
  if (name == "ndjson") return ResultFormat::kNdjson;
  if (name == "csv") return ResultFormat::kCsv;
  if (name == "table") return ResultFormat::kTable;
  if (name == "arrow") return ResultFormat::kArrow;
  return std::nullopt;
}

std::unique_ptr<ResultEncoder> ResultEncoder::For(ResultFormat format) {
  switch (format) {
    case ResultFormat::kJson: return std::make_unique<JsonEncoder>();
    case ResultFormat::kNdjson: return std::make_unique<NdjsonEncoder>();
    case ResultFormat::kCsv: return std::make_unique<CsvEncoder>();
    case ResultFormat::kTable: return std::make_unique<TableEncoder>();
    case ResultFormat::kArrow: return NewArrowResultEncoder();
  }
  return nullptr;
}

std::string PlainText(const Value& value) {
  if (value.IsNull()) return "";
  std::string text = value.ToString();
  if (IsTimestamp(value.type()) && !text.ends_with("infinity")) {
    // DuckDB prints "2024-03-01 12:00:00+00"; ISO 8601 wants a 'T' and, for UTC, "Z".
    if (auto space = text.find(' '); space != std::string::npos) text[space] = 'T';
    if (value.type() == TypeId::kTimestampTz && text.ends_with("+00")) text.replace(text.size() - 3, 3, "Z");
  }
  return text;
}

void AppendJsonValue(const Value& value, std::string& out) {
  if (value.IsNull()) {
    out += "null";
    return;
  }
  switch (value.type()) {
    case TypeId::kBoolean: out += *value.AsBool() ? "true" : "false"; return;
    case TypeId::kTinyInt:
    case TypeId::kSmallInt:
    case TypeId::kInteger:
    case TypeId::kBigInt:
      fmt::format_to(std::back_inserter(out), "{}", std::get<std::int64_t>(value.payload()));
      return;
    case TypeId::kUTinyInt:
    case TypeId::kUSmallInt:
    case TypeId::kUInteger:
    case TypeId::kUBigInt:
      fmt::format_to(std::back_inserter(out), "{}", std::get<std::uint64_t>(value.payload()));
      return;
    case TypeId::kHugeInt:
    case TypeId::kUHugeInt: out += *value.AsString(); return;
    case TypeId::kDecimal: out += value.AsDecimal()->ToString(); return;
    case TypeId::kFloat: AppendFloating(static_cast<float>(*value.AsDouble()), out); return;
    case TypeId::kDouble: AppendFloating(*value.AsDouble(), out); return;
    default: AppendJsonString(PlainText(value), out); return;
  }
}

}  // namespace lakehouse::query
