#include "server/rag_routes.h"

#include "server/http_error.h"
#include "server/sse_stream.h"

namespace lakehouse::server {
namespace {

HttpResponse FromStatus(const Status& status) {
  HttpResponse response = ErrorResponse(status);
  if (status.code() == StatusCode::kUnavailable) response.headers.emplace_back("Retry-After", "30");
  return response;
}

HttpResponse Ask(vector::RagAnswerer& answerer, HttpRequest& request) {
  if (request.body.empty())
    return FromStatus(Status::InvalidArgument("the request body is empty; send a JSON object"));
  auto body = ParseJson(request.body);
  if (!body.ok()) return FromStatus(body.status().WithContext("the request body must be a JSON object"));
  auto ask = vector::AskRequestFromJson(*body);
  if (!ask.ok()) return FromStatus(ask.status());
  // Retrieval and prompt building happen before anything is sent, so every bad request (unknown
  // index, bad filter, missing model) is a plain 4xx/5xx even when streaming.
  auto prepared = answerer.Prepare(*ask);
  if (!prepared.ok()) return FromStatus(prepared.status());
  if (!ask->stream) {
    auto answer = answerer.Generate(*prepared);
    if (!answer.ok()) return FromStatus(answer.status());
    return HttpResponse::FromJson(200, vector::AnswerToJson(*prepared, *answer));
  }
  std::vector<std::string> first{
      SseEvent("citations", {{"citations", vector::CitationsToJson(prepared->citations)}})};
  return SseStream::Respond(std::make_shared<SseStream>(
      std::move(first),
      [&answerer, ready = std::move(prepared).value()](const SseStream::TokenSink& sink) -> Result<Json> {
        LH_ASSIGN_OR_RETURN(auto answer, answerer.Generate(ready, sink));
        return vector::AnswerToJson(ready, answer);
      }));
}

}  // namespace

void RegisterRagRoutes(Router& router, vector::RagAnswerer& answerer) {
  router.Add("POST", "/ai/ask", [&answerer](HttpRequest& request) { return Ask(answerer, request); });
}

}  // namespace lakehouse::server
