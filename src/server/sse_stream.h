// SseStream: work that runs on its own thread and feeds a streamed HTTP response as server-sent
// events ("event: NAME\ndata: JSON\n\n"). Used by every route that streams generated text.
//
// The work receives a token sink; each token becomes a "token" event {"text": piece}. When the
// work returns, its result becomes a "done" event, or its error an "error" event
// {"error": {"code", "message"}}. Dropping the stream (the client went away) makes the sink
// return false, so the work stops at its next token, and joins the thread.
//
// Thread-safety: Next() and WaitForStart() are called by one consumer at a time (the response's
// body producer); the work runs on the stream's own thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "server/http_message.h"

namespace lakehouse::server {

//! One server-sent event.
std::string SseEvent(std::string_view event, const Json& data);

class SseStream {
 public:
  //! Receives each generated piece; returns false when the work should stop.
  using TokenSink = std::function<bool(std::string_view)>;
  //! The work: emits tokens through the sink and returns the "done" event's data.
  using Work = std::function<Result<Json>(const TokenSink&)>;

  //! Queues `first_events` (already formatted with SseEvent) and starts `work` on a new thread.
  SseStream(std::vector<std::string> first_events, Work work);
  ~SseStream();
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  //! Waits until the work has produced a token or finished; returns its error if it failed
  //! before producing any token (so the caller can answer a plain 4xx/5xx instead of a stream).
  Status WaitForStart();

  //! Appends the next events to `out`, waiting for some; false once the last has been taken.
  bool Next(std::string& out);

  //! A 200 text/event-stream response whose body is `stream`'s events.
  static HttpResponse Respond(std::shared_ptr<SseStream> stream);

 private:
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::string> events_;  // guarded by mu_
  std::size_t tokens_ = 0;          // guarded by mu_
  bool finished_ = false;           // guarded by mu_
  bool cancelled_ = false;          // guarded by mu_
  Status error_;                    // guarded by mu_
  std::thread worker_;
};

}  // namespace lakehouse::server
