// RemoteModelServer: the HTTP side shared by the remote backends (OpenAI-compatible servers and
// Ollama): JSON requests to one endpoint with an optional API key, streamed answers read line
// by line, and the server's failures turned into Status values that say what to do next.
// Internal to the ai module.
//
// Error mapping (every message names the profile, the backend and the endpoint, never the key):
//   no connection / 5xx after retries  -> Unavailable (the HTTP layer answers 503 + Retry-After)
//   timeout                            -> DeadlineExceeded
//   401 / 403                          -> PermissionDenied (check secret_ref)
//   404                                -> FailedPrecondition (wrong endpoint, or the model is not there)
//   400 / 422                          -> InvalidArgument with the server's own message
//   413 / 429                          -> ResourceExhausted
//   anything else                      -> IOError
//
// Thread-safe: calls may run concurrently.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "ai/embedder.h"
#include "common/json.h"
#include "common/status.h"
#include "storage/http_client.h"

namespace lakehouse::ai {

//! How to reach a remote model server.
struct RemoteOptions {
  std::string endpoint;        //!< base URL: ".../v1" for OpenAI-compatible servers, the root for Ollama
  std::string api_key;         //!< sent as "Authorization: Bearer ..." when non-empty; never logged
  HttpClientOptions http;      //!< timeouts and retries
  int texts_per_request = 64;  //!< embedders: texts sent in one request (larger calls are split)
};

//! Called with each line of a streamed answer (without its line break). Return false to stop.
using LineCallback = std::function<bool(std::string_view line)>;

class RemoteModelServer {
 public:
  //! `info` names the profile and backend in messages.
  RemoteModelServer(const ModelInfo& info, RemoteOptions options);

  //! POSTs `body` to endpoint + `path` and parses the JSON answer. Failures as mapped above.
  Result<Json> PostJson(std::string_view path, const Json& body);

  //! GETs endpoint + `path` and parses the JSON answer.
  Result<Json> GetJson(std::string_view path);

  //! POSTs `body` and passes each line of a 2xx answer to `on_line` as it arrives. Sets
  //! `*cancelled` when `on_line` asked to stop. Failures as mapped above.
  Status PostStream(std::string_view path, const Json& body, const LineCallback& on_line, bool* cancelled);

  //! "model profile 'p' (openai server at URL)": the start of every message.
  const std::string& where() const { return where_; }
  const RemoteOptions& options() const { return options_; }

  //! A Status for a non-2xx answer (exposed for stream payloads that carry an error).
  Status ErrorFor(long status, std::string_view body) const;

 private:
  HttpClientRequest Request(std::string method, std::string_view path, const Json* body) const;
  Result<Json> ParseAnswer(const HttpClientResponse& response) const;

  ModelInfo info_;
  RemoteOptions options_;
  std::string where_;
  HttpClient http_;
};

}  // namespace lakehouse::ai
