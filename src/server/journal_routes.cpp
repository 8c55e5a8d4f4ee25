#include "server/journal_routes.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <memory>

#include "journal/committed_versions.h"
#include "server/http_error.h"

namespace lakehouse::server {
namespace {

constexpr std::size_t kMaxLimit = 10000;

Json EventsToJson(const std::vector<journal::Event>& events) {
  Json list = Json::array();
  for (const auto& e : events) list.push_back(journal::EventToJson(e));
  return list;
}

// Reads the query parameters shared by both routes into `filter`; returns the 400 if any is bad.
std::optional<HttpResponse> ReadFilter(HttpRequest& request, journal::EventFilter& filter) {
  for (const char* name : {"since", "until"}) {
    if (auto text = request.Query(name)) {
      auto micros = journal::ParseTimeMicros(*text);
      if (!micros.ok()) return ErrorResponse(micros.status().WithContext(name));
      (std::string_view(name) == "since" ? filter.since_us : filter.until_us) = *micros;
    }
  }
  if (auto text = request.Query("limit")) {
    std::size_t limit = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || limit == 0 || limit > kMaxLimit) {
      return ErrorResponse(Status::InvalidArgument(
          fmt::format("limit must be an integer from 1 to {}; got '{}'", kMaxLimit, *text)));
    }
    filter.limit = limit;
  }
  if (auto actor = request.Query("actor")) filter.actor = std::string(*actor);
  return std::nullopt;
}

}  // namespace

mutation::ChangeSink JournalChangeSink(journal::EventJournal& journal) {
  return [&journal](const std::string& dataset, std::int64_t version, const std::string& job,
                    const std::string& op, const std::vector<mutation::FieldChange>& changes,
                    const mutation::ChangeContext& context) {
    std::vector<journal::Event> events;
    events.reserve(changes.size());
    for (const auto& change : changes) {
      journal::Event e;
      e.dataset = dataset;
      if (op == "compaction") {
        e.op = "compaction";
      } else {
        e.key = change.key;
        e.field = change.field;
        e.op = change.op;
      }
      e.old_value = change.old_value;
      e.new_value = change.new_value;
      e.actor = context.actor;
      e.source = context.source;
      e.workspace_id = context.workspace_id;
      e.version = version;
      e.job = job;
      events.push_back(std::move(e));
    }
    return journal.Record(std::move(events));
  };
}

std::function<Status(const catalog::DatasetManifest&, const catalog::DatasetManifest*)> JournalCommitHook(
    journal::EventJournal& journal) {
  return
      [&journal](const catalog::DatasetManifest& next, const catalog::DatasetManifest* previous) -> Status {
        const std::string& job = next.metadata.lineage.ingest_job;
        auto base = [&](std::string op) {
          journal::Event e;
          e.dataset = next.name;
          e.op = std::move(op);
          e.version = next.version;
          e.job = job;
          return e;
        };
        std::vector<journal::Event> events;
        if (previous && previous->version == next.version) {
          // A metadata change of the latest version: one event per field that changed.
          Json before = catalog::ManifestToJson(*previous);
          Json after = catalog::ManifestToJson(next);
          auto compare = [&](const std::string& field, const Json& old_value, const Json& new_value) {
            if (old_value == new_value) return;
            auto e = base("metadata");
            e.field = field;
            auto text = [](const Json& v) -> std::optional<std::string> {
              if (v.is_null()) return std::nullopt;
              return v.is_string() ? v.get<std::string>() : ToJsonText(v);
            };
            e.old_value = text(old_value);
            e.new_value = text(new_value);
            e.actor = "api";
            e.source = "PATCH /datasets";
            events.push_back(std::move(e));
          };
          compare("primary_key", before["primary_key"], after["primary_key"]);
          for (const auto& [field, value] : after["metadata"].items()) {
            compare(field, before["metadata"][field], value);
          }
        } else if (job.starts_with("ingest-") || job.empty()) {
          auto e = base("ingest");
          e.new_value = fmt::format("{} rows ({})", next.row_count, next.source_format);
          if (previous)
            e.old_value = fmt::format("{} rows (version {})", previous->row_count, previous->version);
          e.actor = next.metadata.owner;
          e.source = next.metadata.lineage.source_system;
          events.push_back(std::move(e));
        }
        return journal.Record(std::move(events));
      };
}

journal::CommittedCheck JournalCommittedCheck(const catalog::Catalog& catalog) {
  auto committed = std::make_shared<journal::CommittedVersions>(catalog);
  return [committed](const journal::Event& event) { return committed->Contains(event); };
}

query::TableProvider WithJournalTable(query::TableProvider inner, journal::EventJournal& journal,
                                      const catalog::Catalog& catalog) {
  return [inner = std::move(inner), &journal, &catalog]() -> Result<std::vector<query::TableSource>> {
    LH_ASSIGN_OR_RETURN(auto sources, inner());
    for (const auto& source : sources) {
      std::string lower = source.name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "journal") return sources;
    }
    LH_ASSIGN_OR_RETURN(journal::JournalFiles files, journal.Files());
    if (files.parquet_uris.empty() && files.json_uris.empty()) return sources;
    query::TableSource table;
    table.name = "journal";
    table.parquet_uris = std::move(files.parquet_uris);
    table.json_uris = std::move(files.json_uris);
    table.version = std::to_string(table.parquet_uris.size() + table.json_uris.size());
    table.json_columns = {{"event_id", "VARCHAR"}, {"dataset", "VARCHAR"}, {"key", "VARCHAR"},
                          {"field", "VARCHAR"},    {"old", "VARCHAR"},     {"new", "VARCHAR"},
                          {"op", "VARCHAR"},       {"actor", "VARCHAR"},   {"ts", "TIMESTAMP"},
                          {"ts_us", "BIGINT"},     {"source", "VARCHAR"},  {"workspace_id", "VARCHAR"},
                          {"version", "BIGINT"},   {"job", "VARCHAR"}};
    // The same events GET /journal shows: none of a change that crashed before its commit.
    table.row_filter = journal::CommittedVersions(catalog).SqlCondition();
    sources.push_back(std::move(table));
    return sources;
  };
}

AsOfResolver AsOfTables(const catalog::Catalog& catalog, journal::EventJournal& journal) {
  return [&catalog, &journal](const Json& as_of) -> Result<std::vector<query::TableSource>> {
    std::optional<std::int64_t> at_us;
    std::map<std::string, std::int64_t> pinned;
    if (as_of.is_string()) {
      auto parsed = journal::ParseTimeMicros(as_of.get<std::string>());
      if (!parsed.ok()) return parsed.status().WithContext("as_of");
      at_us = *parsed;
    } else if (as_of.is_number_integer()) {
      at_us = as_of.get<std::int64_t>();
    } else if (as_of.is_object()) {
      for (const auto& [name, version] : as_of.items()) {
        if (!version.is_number_integer() || version.get<std::int64_t>() < 1) {
          return Status::InvalidArgument(fmt::format("as_of.{} must be a version number (1, 2, ...)", name));
        }
        LH_RETURN_IF_ERROR(catalog.GetVersion(name, version.get<std::int64_t>()).status());
        pinned[name] = version.get<std::int64_t>();
      }
    } else {
      return Status::InvalidArgument(
          R"(as_of must be a time ("2026-03-01T12:00:00Z" or epoch microseconds) or {"dataset": version})");
    }
    std::vector<query::TableSource> sources;
    for (const auto& latest : catalog.List()) {
      std::int64_t version = latest.version;
      if (at_us) {
        version = 0;
        auto versions = catalog.Versions(latest.name);
        if (!versions.ok()) continue;
        for (const auto& m : *versions) {
          if (m.created_at_us <= *at_us) version = std::max(version, m.version);
        }
        if (version == 0) continue;  // the dataset did not exist yet
      } else if (auto it = pinned.find(latest.name); it != pinned.end()) {
        version = it->second;
      }
      LH_ASSIGN_OR_RETURN(auto readable, catalog.Readable(latest.name, version));
      if (readable.data_uris.empty()) continue;
      sources.push_back({std::move(readable.name), std::move(readable.data_uris),
                         std::to_string(readable.version), std::move(readable.delta_uris),
                         readable.primary_key.value_or("")});
    }
    return WithJournalTable([sources] { return Result<std::vector<query::TableSource>>(sources); }, journal,
                            catalog)();
  };
}

void RegisterJournalRoutes(Router& router, journal::EventJournal& journal, catalog::Catalog& catalog) {
  router.Add("GET", "/journal", [&journal, &catalog](HttpRequest& request) {
    if (Status st = catalog.Refresh(); !st.ok()) return ErrorResponse(st);
    journal::EventFilter filter;
    if (auto bad = ReadFilter(request, filter)) return std::move(*bad);
    if (auto dataset = request.Query("dataset")) filter.dataset = std::string(*dataset);
    if (auto key = request.Query("key")) filter.key = std::string(*key);
    auto events = journal.Find(filter, JournalCommittedCheck(catalog));
    if (!events.ok()) return ErrorResponse(events.status());
    return HttpResponse::FromJson(200, {{"events", EventsToJson(*events)}, {"count", events->size()}});
  });
  router.Add("GET", "/datasets/{name}/rows/{key}/history", [&journal, &catalog](HttpRequest& request) {
    if (Status st = catalog.Refresh(); !st.ok()) return ErrorResponse(st);
    const std::string name = request.path_params["name"];
    if (auto manifest = catalog.Get(name); !manifest.ok()) return ErrorResponse(manifest.status());
    journal::EventFilter filter;
    filter.limit = kMaxLimit;
    if (auto bad = ReadFilter(request, filter)) return std::move(*bad);
    filter.dataset = name;
    filter.key = request.path_params["key"];
    auto events = journal.Find(filter, JournalCommittedCheck(catalog));
    if (!events.ok()) return ErrorResponse(events.status());
    Json fields = Json::object();
    for (const auto& e : *events) {
      if (!e.field) continue;
      fields[*e.field].push_back({{"ts", journal::EventToJson(e)["ts"]},
                                  {"op", e.op},
                                  {"old", e.old_value ? Json(*e.old_value) : Json()},
                                  {"new", e.new_value ? Json(*e.new_value) : Json()},
                                  {"actor", e.actor},
                                  {"source", e.source},
                                  {"version", e.version}});
    }
    return HttpResponse::FromJson(
        200,
        {{"dataset", name}, {"key", *filter.key}, {"events", EventsToJson(*events)}, {"fields", fields}});
  });
}

}  // namespace lakehouse::server
