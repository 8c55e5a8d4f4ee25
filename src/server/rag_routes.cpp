#include "server/rag_routes.h"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "server/http_error.h"

namespace lakehouse::server {
namespace {

std::string SseEvent(std::string_view event, const Json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", event, ToJsonText(data));
}

HttpResponse FromStatus(const Status& status) {
  HttpResponse response = ErrorResponse(status);
  if (status.code() == StatusCode::kUnavailable) response.headers.emplace_back("Retry-After", "30");
  return response;
}

// An answer being generated on its own thread, feeding server-sent events. Dropping it (the
// client went away) stops the generation at its next token and joins the thread.
class AnswerStream {
 public:
  AnswerStream(const vector::RagAnswerer& answerer, vector::PreparedAsk prepared)
      : prepared_(std::move(prepared)) {
    events_.push_back(SseEvent("citations", {{"citations", vector::CitationsToJson(prepared_.citations)}}));
    worker_ = std::thread([this, &answerer] {
      auto answer = answerer.Generate(prepared_, [this](std::string_view piece) {
        std::lock_guard lock(mu_);
        events_.push_back(SseEvent("token", {{"text", piece}}));
        ready_.notify_all();
        return !cancelled_;
      });
      std::lock_guard lock(mu_);
      if (answer.ok()) {
        events_.push_back(SseEvent("done", vector::AnswerToJson(prepared_, *answer)));
      } else {
        events_.push_back(SseEvent("error", {{"error",
                                              {{"code", StatusCodeName(answer.status().code())},
                                               {"message", answer.status().message()}}}}));
      }
      finished_ = true;
      ready_.notify_all();
    });
  }
  ~AnswerStream() {
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
    }
    worker_.join();
  }
  AnswerStream(const AnswerStream&) = delete;
  AnswerStream& operator=(const AnswerStream&) = delete;

  //! Appends the next events (waiting for some); false once the last has been taken.
  bool Next(std::string& out) {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [this] { return !events_.empty() || finished_; });
    while (!events_.empty()) {
      out += events_.front();
      events_.pop_front();
    }
    return !finished_;
  }

 private:
  const vector::PreparedAsk prepared_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::string> events_;  // guarded by mu_
  bool finished_ = false;           // guarded by mu_
  bool cancelled_ = false;          // guarded by mu_
  std::thread worker_;
};

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
  auto running = std::make_shared<AnswerStream>(answerer, std::move(prepared).value());
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.body_producer = [running](std::string& out) -> Result<bool> { return running->Next(out); };
  return response;
}

}  // namespace

void RegisterRagRoutes(Router& router, vector::RagAnswerer& answerer) {
  router.Add("POST", "/ai/ask", [&answerer](HttpRequest& request) { return Ask(answerer, request); });
}

}  // namespace lakehouse::server
