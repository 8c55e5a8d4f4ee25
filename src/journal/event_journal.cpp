#include "journal/event_journal.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>

#include "common/log.h"

namespace lakehouse::journal {
namespace {

std::string IsoTime(std::int64_t micros) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

std::int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::uint64_t kCompactEveryRecords = 512;

Json Optional(const std::optional<std::string>& value) { return value ? Json(*value) : Json(); }

std::optional<std::string> OptionalField(const Json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// The exact text EventToJson writes for a string field, to skip records cheaply before parsing.
std::string Needle(const char* field, const std::string& value) {
  return fmt::format("\"{}\":{}", field, ToJsonText(Json(value)));
}

}  // namespace

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

EventJournal::EventJournal(ObjectStore& primary, std::unique_ptr<AppendLog> log)
    : primary_(primary), log_(std::move(log)) {}

Result<std::unique_ptr<EventJournal>> EventJournal::Open(ObjectStore& primary) {
  AppendLogOptions options;
  options.prefix = std::string(kEventPrefix);
  // Every write of the journal is acknowledged, so records go out with AppendDurable; the
  // thresholds only matter for the (unused) buffered path.
  options.flush_records = 100000;
  options.flush_bytes = 64 << 20;
  LH_ASSIGN_OR_RETURN(auto log, AppendLog::Open(primary, options));
  return std::unique_ptr<EventJournal>(new EventJournal(primary, std::move(log)));
}

Status EventJournal::Record(std::vector<Event> events) {
  if (events.empty()) return Status::OK();
  std::vector<std::string> lines;
  lines.reserve(events.size());
  {
    std::lock_guard lock(mu_);
    const std::int64_t ts = std::max(NowMicros(), last_ts_us_ + 1);
    last_ts_us_ = ts;
    std::random_device random;
    const std::string stem = fmt::format("ev-{:x}-{:08x}", ts, random());
    for (std::size_t i = 0; i < events.size(); ++i) {
      events[i].ts_us = ts;
      events[i].event_id = fmt::format("{}-{}", stem, i);
      lines.push_back(ToJsonText(EventToJson(events[i])));
    }
  }
  LH_RETURN_IF_ERROR(log_->AppendDurable(std::move(lines)));
  // Every Record is one batch object; merge them now and then so reads list few objects.
  if (records_.fetch_add(1) % kCompactEveryRecords == kCompactEveryRecords - 1) {
    if (auto merged = log_->Compact(); !merged.ok()) {
      log::Warn("event journal compaction failed; will retry", {{"error", merged.status().message()}});
    }
  }
  return Status::OK();
}

Result<std::vector<Event>> EventJournal::Find(const EventFilter& filter, const CommittedCheck& committed) {
  std::vector<std::string> needles;
  if (filter.dataset) needles.push_back(Needle("dataset", *filter.dataset));
  if (filter.key) needles.push_back(Needle("key", *filter.key));
  if (filter.actor) needles.push_back(Needle("actor", *filter.actor));
  std::vector<Event> out;
  Status parse_error;
  Status scanned = log_->Scan(
      [&](const AppendLogRecord& record) {
        for (const auto& needle : needles) {
          if (record.json.find(needle) == std::string::npos) return true;
        }
        auto json = ParseJson(record.json);
        if (!json.ok()) return true;  // AppendLog only stores objects; skip anything else
        auto event = EventFromJson(*json);
        if (!event.ok()) return true;
        if (filter.dataset && event->dataset != *filter.dataset) return true;
        if (filter.key && event->key != *filter.key) return true;
        if (filter.actor && event->actor != *filter.actor) return true;
        if (filter.since_us && event->ts_us < *filter.since_us) return true;
        if (filter.until_us && event->ts_us >= *filter.until_us) return true;
        if (committed && !committed(*event)) return true;
        out.push_back(std::move(event).value());
        return out.size() < filter.limit;
      },
      filter.since_us.value_or(0));
  LH_RETURN_IF_ERROR(scanned);
  return out;
}

Result<std::size_t> EventJournal::Compact() { return log_->Compact(); }

Result<std::vector<std::string>> EventJournal::BatchKeys() {
  LH_ASSIGN_OR_RETURN(auto listed, primary_.List(kEventPrefix));
  std::vector<std::string> keys;
  for (const auto& info : listed) {
    if (info.key.ends_with(".jsonl")) keys.push_back(info.key);
  }
  return keys;
}

}  // namespace lakehouse::journal
