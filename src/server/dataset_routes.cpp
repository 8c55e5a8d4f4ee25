#include "server/dataset_routes.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>

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

  auto scratch = catalog::ScratchDirectory::Create(scratch_dir, "upload");
  if (!scratch.ok()) return ErrorResponse(scratch.status());
  ingest.path = (*scratch)->File("body");
  {
    std::ofstream out(ingest.path, std::ios::binary);
    out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    out.close();
    if (!out) return ErrorResponse(Status::IOError("cannot spool the upload to disk; check free space"));
  }
  request.body.clear();
  request.body.shrink_to_fit();
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
  router.Add("POST", "/datasets/{name}/ingest", [&catalog, &ingester, scratch_dir](HttpRequest& request) {
    return Ingest(catalog, ingester, scratch_dir, request);
  });
}

}  // namespace lakehouse::server
