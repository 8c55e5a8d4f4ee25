#include "ai/remote_model_server.h"

#include <fmt/format.h>

namespace lakehouse::ai {
namespace {

// The server's own explanation in an error body: OpenAI and llama.cpp send
// {"error": {"message": ...}}, Ollama sends {"error": "..."}. Cut short so a huge or hostile
// body cannot flood a message.
std::string ServerMessage(std::string_view body) {
  constexpr size_t kMax = 300;
  std::string message;
  auto parsed = ParseJson(body);
  if (parsed.ok() && parsed->is_object() && parsed->contains("error")) {
    const Json& error = (*parsed)["error"];
    if (error.is_string()) {
      message = error.get<std::string>();
    } else if (error.is_object() && error.contains("message") && error["message"].is_string()) {
      message = error["message"].get<std::string>();
    }
  }
  if (message.empty()) message = std::string(body.substr(0, kMax));
  if (message.size() > kMax) message = message.substr(0, kMax) + "...";
  return message;
}

std::string JoinUrl(const std::string& endpoint, std::string_view path) {
  std::string url = endpoint;
  while (url.ends_with('/')) url.pop_back();
  url += path;
  return url;
}

}  // namespace

RemoteModelServer::RemoteModelServer(const ModelInfo& info, RemoteOptions options)
    : info_(info),
      options_(std::move(options)),
      where_(fmt::format("model profile '{}' ({} server at {})", info_.profile, info_.backend,
                         options_.endpoint)),
      http_(where_, options_.http) {}

HttpClientRequest RemoteModelServer::Request(std::string method, std::string_view path,
                                             const Json* body) const {
  HttpClientRequest request;
  request.method = std::move(method);
  request.url = JoinUrl(options_.endpoint, path);
  request.headers.emplace_back("Accept: application/json");
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type: application/json");
    request.body = ToJsonText(*body);
  }
  if (!options_.api_key.empty()) request.headers.push_back("Authorization: Bearer " + options_.api_key);
  return request;
}

Status RemoteModelServer::ErrorFor(long status, std::string_view body) const {
  const std::string says = ServerMessage(body);
  const std::string server_says = says.empty() ? std::string() : fmt::format(" (server: {})", says);
  if (status == 401 || status == 403) {
    return Status::PermissionDenied(
        fmt::format("{}: the server refused the request with HTTP {}{}; {}", where_, status, server_says,
                    options_.api_key.empty()
                        ? "it wants an API key: set the profile's secret_ref to env:NAME or file:PATH"
                        : "check the API key behind the profile's secret_ref"));
  }
  if (status == 404) {
    return Status::FailedPrecondition(fmt::format(
        "{}: the server answered HTTP 404{}; check the profile's endpoint{} and that the server has the "
        "model "
        "'{}'{}",
        where_, server_says, info_.backend == "openai" ? " (it usually ends in /v1)" : "", info_.model,
        info_.backend == "ollama" ? fmt::format(" (ollama pull {})", info_.model) : std::string()));
  }
  if (status == 400 || status == 422) {
    return Status::InvalidArgument(fmt::format("{}: the server rejected the input{}", where_, server_says));
  }
  if (status == 413 || status == 429) {
    return Status::ResourceExhausted(fmt::format(
        "{}: the server answered HTTP {}{}; send less at once or retry later", where_, status, server_says));
  }
  if (status >= 500) {
    return Status::Unavailable(
        fmt::format("{}: the server failed with HTTP {}{}; retry later", where_, status, server_says));
  }
  return Status::IOError(fmt::format("{}: unexpected HTTP {}{}", where_, status, server_says));
}

Result<Json> RemoteModelServer::ParseAnswer(const HttpClientResponse& response) const {
  if (response.status < 200 || response.status >= 300) return ErrorFor(response.status, response.body);
  auto parsed = ParseJson(response.body);
  if (!parsed.ok() || !parsed->is_object()) {
    return Status::IOError(fmt::format("{}: the answer is not a JSON object; is the endpoint a {} server?",
                                       where_, info_.backend));
  }
  return parsed;
}

Result<Json> RemoteModelServer::PostJson(std::string_view path, const Json& body) {
  LH_ASSIGN_OR_RETURN(HttpClientResponse response, http_.Send(Request("POST", path, &body)));
  return ParseAnswer(response);
}

Result<Json> RemoteModelServer::GetJson(std::string_view path) {
  LH_ASSIGN_OR_RETURN(HttpClientResponse response, http_.Send(Request("GET", path, nullptr)));
  return ParseAnswer(response);
}

Status RemoteModelServer::PostStream(std::string_view path, const Json& body, const LineCallback& on_line,
                                     bool* cancelled) {
  HttpClientRequest request = Request("POST", path, &body);
  std::string pending;  // bytes after the last complete line
  bool stopped = false;
  request.on_body = [&](std::string_view piece) {
    pending.append(piece);
    size_t start = 0;
    for (size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      std::string_view line(pending.data() + start, nl - start);
      if (line.ends_with('\r')) line.remove_suffix(1);
      start = nl + 1;
      if (!on_line(line)) {
        stopped = true;
        return false;
      }
    }
    pending.erase(0, start);
    return true;
  };
  LH_ASSIGN_OR_RETURN(HttpClientResponse response, http_.Send(request));
  *cancelled = response.cancelled && stopped;
  if (response.status < 200 || response.status >= 300) return ErrorFor(response.status, response.body);
  if (!response.cancelled && !pending.empty()) on_line(pending);
  return Status::OK();
}

}  // namespace lakehouse::ai
