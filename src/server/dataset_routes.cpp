#include "server/dataset_routes.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <set>

#include "catalog/scratch_directory.h"
#include "server/http_error.h"

namespace lakehouse::server {
namespace {

Json ManifestWithStale(const catalog::DatasetManifest& manifest) {
  Json json = catalog::ManifestToJson(manifest);
  json["stale"] = catalog::IsStale(manifest, std::chrono::system_clock::now());
  return json;
}

std::vector<std::string> SplitTags(std::string_view text) {
  std::vector<std::string> tags;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view tag = text.substr(0, comma);
    if (!tag.empty()) tags.emplace_back(tag);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return tags;
}

HttpResponse ListDatasets(catalog::Catalog& catalog, HttpRequest& request) {
  if (Status st = catalog.Refresh(); !st.ok()) return ErrorResponse(st);
  catalog::DatasetFilter filter;
  if (auto tag = request.Query("tag")) filter.tag = std::string(*tag);
  if (auto owner = request.Query("owner")) filter.owner = std::string(*owner);
  if (auto sensitivity = request.Query("sensitivity")) {
    auto parsed = catalog::ParseSensitivity(*sensitivity);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    filter.sensitivity = *parsed;
  }
  if (auto stale = request.Query("stale")) {
    if (*stale != "true" && *stale != "false") {
      return ErrorResponse(Status::InvalidArgument("stale must be true or false"));
    }
    filter.stale = *stale == "true";
  }
  Json list = Json::array();
  for (const auto& manifest : catalog.List(filter)) list.push_back(ManifestWithStale(manifest));
  return HttpResponse::FromJson(200, {{"datasets", list}, {"count", list.size()}});
}

HttpResponse Ingest(catalog::Catalog& catalog, ingest::Ingester& ingester, const std::string& scratch_dir,
                    HttpRequest& request) {
  (void)catalog;
  ingest::IngestRequest ingest;
  ingest.name = request.path_params["name"];
  auto param = [&](std::string_view key) { return std::string(request.Query(key).value_or("")); };
  ingest.owner = param("owner");
  ingest.source_system = param("source_system");
  if (Status st = ingest::CheckRequiredMetadata(ingest.owner, ingest.source_system); !st.ok()) {
    Json missing = Json::array();
    if (ingest.owner.empty()) missing.push_back("owner");
    if (ingest.source_system.empty()) missing.push_back("source_system");
    return ErrorResponse(st, {{"missing", missing}});
  }
  ingest.format = param("format");
  if (ingest.format.empty()) {
    return ErrorResponse(Status::InvalidArgument("give the body's format: ?format=csv, json or parquet"));
  }
  ingest.description = param("description");
  ingest.tags = SplitTags(param("tags"));
  ingest.freshness_sla = param("freshness_sla");
  ingest.parents = SplitTags(param("parents"));
  if (auto bucket = request.Query("bucket")) ingest.bucket = std::string(*bucket);

  // The server streamed the body to a file (the route is an upload route); only a handler called
  // directly, without the server, has it in memory, and then it is spooled here.
  std::unique_ptr<catalog::ScratchDirectory> spool;
  if (!request.body_file.empty()) {
    ingest.path = request.body_file;
  } else {
    auto scratch = catalog::ScratchDirectory::Create(scratch_dir, "upload");
    if (!scratch.ok()) return ErrorResponse(scratch.status());
    spool = std::move(scratch).value();
    ingest.path = spool->File("body");
    std::ofstream out(ingest.path, std::ios::binary);
    out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    out.close();
    if (!out) return ErrorResponse(Status::IOError("cannot spool the upload to disk; check free space"));
    request.body.clear();
    request.body.shrink_to_fit();
  }
  auto result = ingester.Ingest(ingest);
  if (!result.ok()) return ErrorResponse(result.status());
  return HttpResponse::FromJson(result->unchanged ? 200 : 201, ingest::Ingester::ResultToJson(*result));
}

// POST /datasets {"name", "source": {"bucket", "key"}, "format"?, "owner", "source_system",
// "description"?, "tags"?, "freshness_sla"?, "parents"?, "bucket"?}: ingest an object that is
// already in a bucket.
HttpResponse IngestFromBucket(ingest::Ingester& ingester, HttpRequest& request) {
  auto body = ParseJson(request.body);
  if (!body.ok()) return ErrorResponse(body.status().WithContext("the body must be a JSON object"));
  if (!body->is_object()) return ErrorResponse(Status::InvalidArgument("the body must be a JSON object"));
  static const std::set<std::string> kFields = {"name",          "source",       "format", "owner",
                                                "source_system", "description",  "tags",   "bucket",
                                                "parents",       "freshness_sla"};
  std::vector<std::string> problems;
  for (const auto& [field, value] : body->items()) {
    if (!kFields.contains(field)) problems.push_back(fmt::format("unknown field '{}'", field));
  }
  auto text = [&](const Json& json, const char* field, std::string& out) {
    auto it = json.find(field);
    if (it == json.end() || it->is_null()) return;
    if (!it->is_string()) {
      problems.push_back(fmt::format("'{}' must be a string", field));
      return;
    }
    out = it->get<std::string>();
  };
  auto list = [&](const char* field, std::vector<std::string>& out) {
    auto it = body->find(field);
    if (it == body->end() || it->is_null()) return;
    bool ok = it->is_array();
    for (const auto& item : ok ? *it : Json::array()) ok = ok && item.is_string();
    if (!ok) {
      problems.push_back(fmt::format("'{}' must be an array of strings", field));
      return;
    }
    out = it->get<std::vector<std::string>>();
  };
  ingest::IngestRequest ingest;
  ingest::ObjectSource source;
  text(*body, "name", ingest.name);
  text(*body, "format", ingest.format);
  text(*body, "owner", ingest.owner);
  text(*body, "source_system", ingest.source_system);
  text(*body, "description", ingest.description);
  text(*body, "freshness_sla", ingest.freshness_sla);
  text(*body, "bucket", ingest.bucket);
  list("tags", ingest.tags);
  list("parents", ingest.parents);
  auto src = body->find("source");
  if (src == body->end() || !src->is_object()) {
    problems.emplace_back("'source' must be an object {\"bucket\", \"key\"}");
  } else {
    for (const auto& [field, value] : src->items()) {
      if (field != "bucket" && field != "key")
        problems.push_back(fmt::format("unknown field 'source.{}'", field));
    }
    text(*src, "bucket", source.bucket);
    text(*src, "key", source.key);
    if (source.bucket.empty()) problems.emplace_back("'source.bucket' is required");
    if (source.key.empty()) problems.emplace_back("'source.key' is required");
  }
  if (ingest.name.empty()) problems.emplace_back("'name' is required");
  if (!problems.empty()) {
    return ErrorResponse(
        Status::InvalidArgument(fmt::format("invalid ingest request: {}", fmt::join(problems, "; "))),
        {{"problems", problems}});
  }
  if (Status st = ingest::CheckRequiredMetadata(ingest.owner, ingest.source_system); !st.ok()) {
    Json missing = Json::array();
    if (ingest.owner.empty()) missing.push_back("owner");
    if (ingest.source_system.empty()) missing.push_back("source_system");
    return ErrorResponse(st, {{"missing", missing}});
  }
  if (ingest.bucket.empty()) ingest.bucket = "primary";
  ingest.object = std::move(source);
  auto result = ingester.Ingest(ingest);
  if (!result.ok()) return ErrorResponse(result.status());
  return HttpResponse::FromJson(result->unchanged ? 200 : 201, ingest::Ingester::ResultToJson(*result));
}

}  // namespace

void RegisterDatasetRoutes(Router& router, catalog::Catalog& catalog, ingest::Ingester& ingester,
                           const std::string& scratch_dir) {
  router.Add("GET", "/datasets", [&catalog](HttpRequest& request) { return ListDatasets(catalog, request); });
  router.Add("GET", "/datasets/{name}", [&catalog](HttpRequest& request) {
    if (Status st = catalog.Refresh(); !st.ok()) return ErrorResponse(st);
    auto manifest = catalog.Get(request.path_params["name"]);
    if (!manifest.ok()) return ErrorResponse(manifest.status());
    return HttpResponse::FromJson(200, ManifestWithStale(*manifest));
  });
  router.Add("PATCH", "/datasets/{name}", [&catalog](HttpRequest& request) {
    auto body = ParseJson(request.body);
    if (!body.ok()) return ErrorResponse(body.status().WithContext("the body must be a JSON object"));
    auto patch = catalog::MetadataPatchFromJson(*body);
    if (!patch.ok()) return ErrorResponse(patch.status());
    auto manifest = catalog.PatchMetadata(request.path_params["name"], *patch);
    if (!manifest.ok()) return ErrorResponse(manifest.status());
    return HttpResponse::FromJson(200, ManifestWithStale(*manifest));
  });
  router.Add("GET", "/datasets/{name}/versions", [&catalog](HttpRequest& request) {
    if (Status st = catalog.Refresh(); !st.ok()) return ErrorResponse(st);
    auto versions = catalog.Versions(request.path_params["name"]);
    if (!versions.ok()) return ErrorResponse(versions.status());
    Json list = Json::array();
    for (const auto& manifest : *versions) list.push_back(ManifestWithStale(manifest));
    return HttpResponse::FromJson(200, {{"name", request.path_params["name"]}, {"versions", list}});
  });
  router.Add("POST", "/datasets",
             [&ingester](HttpRequest& request) { return IngestFromBucket(ingester, request); });
  router.Add(
      "POST", "/datasets/{name}/ingest",
      [&catalog, &ingester, scratch_dir](HttpRequest& request) {
        return Ingest(catalog, ingester, scratch_dir, request);
      },
      RouteOptions{.upload = true});
}

}  // namespace lakehouse::server
