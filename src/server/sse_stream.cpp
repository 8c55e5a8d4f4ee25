#include "server/sse_stream.h"

#include <fmt/format.h>

namespace lakehouse::server {

std::string SseEvent(std::string_view event, const Json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", event, ToJsonText(data));
}

SseStream::SseStream(std::vector<std::string> first_events, Work work)
    : events_(first_events.begin(), first_events.end()) {
  // Started last: the thread uses every member.
  worker_ = std::thread([this, work = std::move(work)] {
    TokenSink sink = [this](std::string_view piece) {
      std::lock_guard lock(mu_);
      events_.push_back(SseEvent("token", {{"text", piece}}));
      ++tokens_;
      ready_.notify_all();
      return !cancelled_;
    };
    Result<Json> done = work(sink);
    std::lock_guard lock(mu_);
    if (done.ok()) {
      events_.push_back(SseEvent("done", *done));
    } else {
      error_ = done.status();
      events_.push_back(SseEvent(
          "error", {{"error", {{"code", StatusCodeName(error_.code())}, {"message", error_.message()}}}}));
    }
    finished_ = true;
    ready_.notify_all();
  });
}

SseStream::~SseStream() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  worker_.join();
}

Status SseStream::WaitForStart() {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [this] { return tokens_ > 0 || finished_; });
  if (finished_ && !error_.ok() && tokens_ == 0) return error_;
  return Status::OK();
}

bool SseStream::Next(std::string& out) {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [this] { return !events_.empty() || finished_; });
  while (!events_.empty()) {
    out += events_.front();
    events_.pop_front();
  }
  return !finished_;
}

HttpResponse SseStream::Respond(std::shared_ptr<SseStream> stream) {
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.body_producer = [stream = std::move(stream)](std::string& out) -> Result<bool> {
    return stream->Next(out);
  };
  return response;
}

}  // namespace lakehouse::server
