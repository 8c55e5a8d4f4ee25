#include "query/query_error.h"

#include <charconv>
#include <string_view>

namespace lakehouse::query {
namespace {

std::optional<std::int64_t> ParsePosition(const Json& position) {
  if (position.is_number_integer()) return position.get<std::int64_t>();
  if (!position.is_string()) return std::nullopt;
  const auto& text = position.get_ref<const std::string&>();
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

QueryError QueryError::FromEngine(const Status& status) {
  QueryError error{status, "", std::nullopt};
  const std::string& message = status.message();
  const std::size_t brace = message.find('{');
  Json parsed;
  if (brace != std::string::npos) {
    auto json = ParseJson(std::string_view(message).substr(brace));
    if (json.ok() && json->is_object() && json->contains("exception_type")) parsed = std::move(json).value();
  }
  std::string text = message;
  if (!parsed.is_null()) {
    error.duckdb_error_type = parsed.value("exception_type", "");
    const std::string what = parsed.value("exception_message", "");
    text = error.duckdb_error_type + " Error: " + what;
    if (parsed.contains("position")) error.position = ParsePosition(parsed["position"]);
  }
  const std::string& type = error.duckdb_error_type;
  if (type == "Interrupt" || type == "INTERRUPT" || status.code() == StatusCode::kDeadlineExceeded) {
    error.status = Status::DeadlineExceeded(
        "the query ran out of time and was stopped; narrow it, or pass a larger timeout_ms (up to "
        "query.max_timeout_ms)");
  } else if (type == "Permission") {
    error.status =
        Status::PermissionDenied(text + " -- queries may read only the lakehouse's datasets, by table name");
  } else if (type == "Out of Memory" || status.code() == StatusCode::kResourceExhausted) {
    error.status = Status::ResourceExhausted(
        text + " -- the query needs more memory than query.memory_limit allows; aggregate or filter more");
  } else if (text.find("configuration has been locked") != std::string::npos) {
    error.status = Status::PermissionDenied(text + " -- queries cannot change settings");
  } else if (status.code() == StatusCode::kInternal || status.code() == StatusCode::kIOError ||
             status.code() == StatusCode::kUnavailable) {
    error.status = Status(status.code(), text);
  } else {
    error.status = Status::InvalidArgument(text);
  }
  return error;
}

Json QueryError::Detail() const {
  Json detail = Json::object();
  if (!duckdb_error_type.empty()) detail["duckdb_error_type"] = duckdb_error_type;
  if (position) detail["position"] = *position;
  return detail.empty() ? Json() : detail;
}

}  // namespace lakehouse::query
