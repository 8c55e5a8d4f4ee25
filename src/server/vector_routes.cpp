#include "server/vector_routes.h"

#include <fmt/format.h>

#include "server/http_error.h"

namespace lakehouse::server {
namespace {

Result<Json> ParseBody(const HttpRequest& request) {
  if (request.body.empty()) return Status::InvalidArgument("the request body is empty; send a JSON object");
  auto body = ParseJson(request.body);
  if (!body.ok()) return body.status().WithContext("the request body must be a JSON object");
  if (!body->is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  return body;
}

HttpResponse Create(vector::VectorStore& store, HttpRequest& request) {
  auto body = ParseBody(request);
  if (!body.ok()) return ErrorResponse(body.status());
  auto create = vector::CreateIndexRequestFromJson(*body);
  if (!create.ok()) return ErrorResponse(create.status());
  auto state = store.CreateIndex(*create);
  if (!state.ok()) return ErrorResponse(state.status());
  HttpResponse response = HttpResponse::FromJson(202, *state);
  response.headers.emplace_back("Location", "/vectors/indexes/" + create->name);
  return response;
}

HttpResponse Search(vector::VectorStore& store, HttpRequest& request, int max_k) {
  auto body = ParseBody(request);
  if (!body.ok()) return ErrorResponse(body.status());
  auto search = vector::VectorSearchRequestFromJson(*body, max_k);
  if (!search.ok()) return ErrorResponse(search.status());
  auto found = store.Search(request.path_params["index"], *search);
  if (!found.ok()) return ErrorResponse(found.status());
  return HttpResponse::FromJson(200, vector::SearchResponseToJson(*found));
}

HttpResponse Tune(vector::VectorStore& store, AppendLog& trials, HttpRequest& request) {
  auto body = request.body.empty() ? Result<Json>(Json::object()) : ParseBody(request);
  if (!body.ok()) return ErrorResponse(body.status());
  auto tune = vector::TuneRequestFromJson(*body);
  if (!tune.ok()) return ErrorResponse(tune.status());
  std::vector<std::string> records;
  auto result = store.Tune(request.path_params["index"], *tune,
                           [&records](const Json& trial) { records.push_back(ToJsonText(trial)); });
  // Trials that ran are journaled even if a later step (adopting) failed.
  if (!records.empty()) {
    Status st = trials.AppendDurable(std::move(records));
    if (!st.ok()) return ErrorResponse(st.WithContext("the trials ran but could not be journaled"));
  }
  if (!result.ok()) return ErrorResponse(result.status());
  return HttpResponse::FromJson(200, *result);
}

HttpResponse ListTrials(AppendLog& trials, HttpRequest& request) {
  auto index = request.Query("index");
  Json list = Json::array();
  Status st = trials.Scan([&](const AppendLogRecord& record) {
    auto trial = ParseJson(record.json);
    if (trial.ok() && (!index || (trial->contains("index") && (*trial)["index"] == *index)))
      list.push_back(std::move(trial).value());
    return list.size() < 100000;
  });
  if (!st.ok()) return ErrorResponse(st.WithContext("cannot read the trial journal"));
  return HttpResponse::FromJson(200, {{"trials", std::move(list)}});
}

}  // namespace

void RegisterVectorRoutes(Router& router, vector::VectorStore& store, AppendLog& trials) {
  constexpr int kMaxK = 1000;
  router.Add("POST", "/vectors/indexes", [&store](HttpRequest& r) { return Create(store, r); });
  router.Add("GET", "/vectors/indexes", [&store](HttpRequest&) {
    return HttpResponse::FromJson(200, {{"indexes", store.List()}});
  });
  router.Add("GET", "/vectors/indexes/{name}", [&store](HttpRequest& r) {
    auto state = store.Describe(r.path_params["name"]);
    if (!state.ok()) return ErrorResponse(state.status());
    return HttpResponse::FromJson(200, *state);
  });
  router.Add("POST", "/vectors/{index}/search", [&store](HttpRequest& r) { return Search(store, r, kMaxK); });
  router.Add("GET", "/vectors/{index}/documents/{doc_id}", [&store](HttpRequest& r) {
    const auto vectors = r.Query("vectors");
    if (vectors && *vectors != "true" && *vectors != "false")
      return ErrorResponse(Status::InvalidArgument("vectors must be true or false"));
    auto document =
        store.Document(r.path_params["index"], r.path_params["doc_id"], vectors && *vectors == "true");
    if (!document.ok()) return ErrorResponse(document.status());
    return HttpResponse::FromJson(200, *document);
  });
  router.Add("POST", "/vectors/{index}/tune",
             [&store, &trials](HttpRequest& r) { return Tune(store, trials, r); });
  router.Add("GET", "/hnsw/trials", [&trials](HttpRequest& r) { return ListTrials(trials, r); });
}

ServiceHealth VectorServiceHealth(const vector::VectorStore& store) {
  ServiceHealth result;
  result.detail = store.Health();
  return result;
}

}  // namespace lakehouse::server
