#include "journal/event.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <iterator>

namespace lakehouse::journal {
namespace {

Json Optional(const std::optional<std::string>& value) { return value ? Json(*value) : Json(); }

std::optional<std::string> OptionalField(const Json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::string IsoTime(std::int64_t micros) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

Result<std::int64_t> ParseTimeMicros(std::string_view text) {
  const std::string s(text);
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "cannot read '{}' as a time; use ISO 8601 UTC such as 2026-03-01 or 2026-03-01T12:00:00Z, or epoch "
        "microseconds",
        s));
  };
  if (s.empty()) return bad();
  if (s.find_first_not_of("0123456789") == std::string::npos) {
    if (s.size() > 18) return bad();
    return static_cast<std::int64_t>(std::stoll(s));
  }
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed) != 3 ||
      consumed != 10) {
    return bad();
  }
  std::size_t pos = 10;
  std::int64_t micros = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    int more = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &more) != 3 ||
        more != 8) {
      return bad();
    }
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      std::size_t digits = 0;
      ++pos;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
        if (digits < 6) micros = micros * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return bad();
      for (std::size_t d = digits; d < 6; ++d) micros *= 10;
    }
  }
  if (pos < s.size() && s[pos] == 'Z') ++pos;
  if (pos != s.size() || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return bad();
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000000 + micros;
}

Json EventToJson(const Event& e) {
  return {{"event_id", e.event_id},
          {"dataset", e.dataset},
          {"key", Optional(e.key)},
          {"field", Optional(e.field)},
          {"old", Optional(e.old_value)},
          {"new", Optional(e.new_value)},
          {"op", e.op},
          {"actor", e.actor},
          {"ts", IsoTime(e.ts_us)},
          {"ts_us", e.ts_us},
          {"source", e.source},
          {"workspace_id", e.workspace_id},
          {"version", e.version},
          {"job", e.job}};
}

std::string EventToJsonText(const Event& e, std::string_view iso_ts) {
  // The keys in the order a Json object keeps them (sorted), so both writers agree to the byte.
  std::string out;
  auto size_of = [](const std::optional<std::string>& v) { return v ? v->size() : 0; };
  out.reserve(160 + e.dataset.size() + e.actor.size() + e.source.size() + e.job.size() + size_of(e.key) +
              size_of(e.old_value) + size_of(e.new_value));
  auto text = [&](std::string_view name, std::string_view value) {
    out += name;
    AppendJsonString(out, value);
  };
  auto optional = [&](std::string_view name, const std::optional<std::string>& value) {
    out += name;
    if (value) {
      AppendJsonString(out, *value);
    } else {
      out += "null";
    }
  };
  auto number = [&](std::string_view name, std::int64_t value) {
    out += name;
    fmt::format_to(std::back_inserter(out), "{}", value);
  };
  text("{\"actor\":", e.actor);
  text(",\"dataset\":", e.dataset);
  text(",\"event_id\":", e.event_id);
  optional(",\"field\":", e.field);
  text(",\"job\":", e.job);
  optional(",\"key\":", e.key);
  optional(",\"new\":", e.new_value);
  optional(",\"old\":", e.old_value);
  text(",\"op\":", e.op);
  text(",\"source\":", e.source);
  text(",\"ts\":", iso_ts);
  number(",\"ts_us\":", e.ts_us);
  number(",\"version\":", e.version);
  text(",\"workspace_id\":", e.workspace_id);
  out += '}';
  return out;
}

Result<Event> EventFromJson(const Json& json) {
  if (!json.is_object() || !json.contains("dataset") || !json.contains("ts_us") || !json.contains("op")) {
    return Status::InvalidArgument("a journal event needs at least dataset, op and ts_us");
  }
  // Field by field, tolerating wrong types (a record is data, never a reason to throw).
  auto text = [&](const char* name) { return OptionalField(json, name).value_or(""); };
  auto number = [&](const char* name) {
    auto it = json.find(name);
    return it != json.end() && it->is_number_integer() ? it->get<std::int64_t>() : std::int64_t{0};
  };
  Event e;
  e.event_id = text("event_id");
  e.dataset = text("dataset");
  e.key = OptionalField(json, "key");
  e.field = OptionalField(json, "field");
  e.old_value = OptionalField(json, "old");
  e.new_value = OptionalField(json, "new");
  e.op = text("op");
  e.actor = text("actor");
  e.ts_us = number("ts_us");
  e.source = text("source");
  e.workspace_id = text("workspace_id");
  e.version = number("version");
  e.job = text("job");
  return e;
}

bool EventFilter::Matches(const Event& event) const {
  if (dataset && event.dataset != *dataset) return false;
  if (key && event.key != *key) return false;
  if (actor && event.actor != *actor) return false;
  if (since_us && event.ts_us < *since_us) return false;
  if (until_us && event.ts_us >= *until_us) return false;
  return true;
}

}  // namespace lakehouse::journal
