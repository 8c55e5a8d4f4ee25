#include "server/ai_routes.h"

#include <fmt/format.h>

#include "server/http_error.h"
#include "server/sse_stream.h"

namespace lakehouse::server {
namespace {

// Seconds a client should wait before retrying when a model or model server is unavailable.
constexpr const char* kRetryAfterSeconds = "30";

HttpResponse FromStatus(const Status& status) {
  HttpResponse response = ErrorResponse(status);
  if (status.code() == StatusCode::kUnavailable)
    response.headers.emplace_back("Retry-After", kRetryAfterSeconds);
  return response;
}

Result<Json> ParseObject(const HttpRequest& request) {
  auto body = ParseJson(request.body);
  if (!body.ok()) return body.status().WithContext("the request body must be a JSON object");
  if (!body->is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  return body;
}

Result<std::string> OptionalString(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::string();
  if (!body[key].is_string()) return Status::InvalidArgument(fmt::format("\"{}\" must be a string", key));
  return body[key].get<std::string>();
}

HttpResponse Embed(ai::ModelRegistry& models, HttpRequest& request) {
  auto body = ParseObject(request);
  if (!body.ok()) return FromStatus(body.status());
  if (!body->contains("texts") || !(*body)["texts"].is_array()) {
    return FromStatus(
        Status::InvalidArgument("\"texts\" must be an array of strings, e.g. {\"texts\":[\"hello\"]}"));
  }
  const Json& texts_json = (*body)["texts"];
  if (texts_json.empty())
    return FromStatus(Status::InvalidArgument("\"texts\" is empty; send at least one text"));
  const auto max_texts = static_cast<size_t>(models.options().max_texts);
  if (texts_json.size() > max_texts) {
    return FromStatus(Status::ResourceExhausted(fmt::format(
        "{} texts in one request; the limit is {} (ai.max_texts): split the texts over several requests",
        texts_json.size(), max_texts)));
  }
  std::vector<std::string> texts;
  texts.reserve(texts_json.size());
  for (size_t i = 0; i < texts_json.size(); ++i) {
    if (!texts_json[i].is_string()) {
      return FromStatus(Status::InvalidArgument(fmt::format("texts[{}] is not a string", i)));
    }
    texts.push_back(texts_json[i].get<std::string>());
  }
  auto profile = OptionalString(*body, "profile");
  if (!profile.ok()) return FromStatus(profile.status());
  auto embedder = models.GetEmbedder(*profile);
  if (!embedder.ok()) return FromStatus(embedder.status());
  auto result = (*embedder)->Embed(texts);
  if (!result.ok()) return FromStatus(result.status());
  const ai::ModelInfo& info = (*embedder)->info();
  Json truncated = Json::array();
  for (bool t : result->truncated) truncated.push_back(t);
  return HttpResponse::FromJson(200, {{"profile", info.profile},
                                      {"model", info.model},
                                      {"version", info.version},
                                      {"dims", info.dims},
                                      {"embeddings", std::move(result->vectors)},
                                      {"truncated", std::move(truncated)}});
}

Result<ai::GenerateRequest> ReadGenerateRequest(const Json& body) {
  ai::GenerateRequest request;
  LH_ASSIGN_OR_RETURN(request.prompt, OptionalString(body, "prompt"));
  if (body.contains("messages")) {
    const Json& messages = body["messages"];
    if (!messages.is_array()) {
      return Status::InvalidArgument("\"messages\" must be an array of {\"role\",\"content\"} objects");
    }
    for (size_t i = 0; i < messages.size(); ++i) {
      const Json& m = messages[i];
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
          !m["content"].is_string()) {
        return Status::InvalidArgument(
            fmt::format("messages[{}] must be {{\"role\":..., \"content\":...}} with strings", i));
      }
      request.messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
  }
  if (body.contains("max_tokens")) {
    if (!body["max_tokens"].is_number_integer() || body["max_tokens"].get<int64_t>() < 1 ||
        body["max_tokens"].get<int64_t>() > 8192) {
      return Status::InvalidArgument("\"max_tokens\" must be an integer from 1 to 8192");
    }
    request.max_tokens = body["max_tokens"].get<int>();
  }
  if (body.contains("temperature")) {
    if (!body["temperature"].is_number() || body["temperature"].get<double>() < 0 ||
        body["temperature"].get<double>() > 2) {
      return Status::InvalidArgument("\"temperature\" must be a number from 0 to 2");
    }
    request.temperature = body["temperature"].get<float>();
  }
  if (body.contains("seed")) {
    if (!body["seed"].is_number_unsigned())
      return Status::InvalidArgument("\"seed\" must be a non-negative integer");
    request.seed = body["seed"].get<uint32_t>();
  }
  return request;
}

Json GenerationJson(const ai::ModelInfo& info, const ai::Generation& g) {
  return {{"profile", info.profile},
          {"model", info.model},
          {"version", info.version},
          {"text", g.text},
          {"finish_reason", g.finish_reason},
          {"usage", {{"prompt_tokens", g.prompt_tokens}, {"completion_tokens", g.completion_tokens}}}};
}

HttpResponse Generate(ai::ModelRegistry& models, HttpRequest& request) {
  auto body = ParseObject(request);
  if (!body.ok()) return FromStatus(body.status());
  auto generate = ReadGenerateRequest(*body);
  if (!generate.ok()) return FromStatus(generate.status());
  bool stream = false;
  if (body->contains("stream")) {
    if (!(*body)["stream"].is_boolean())
      return FromStatus(Status::InvalidArgument("\"stream\" must be true or false"));
    stream = (*body)["stream"].get<bool>();
  }
  auto profile = OptionalString(*body, "profile");
  if (!profile.ok()) return FromStatus(profile.status());
  auto generator = models.GetGenerator(*profile);
  if (!generator.ok()) return FromStatus(generator.status());

  if (!stream) {
    auto result = (*generator)->Generate(*generate);
    if (!result.ok()) return FromStatus(result.status());
    return HttpResponse::FromJson(200, GenerationJson((*generator)->info(), *result));
  }
  ai::Generator* model = *generator;
  auto running = std::make_shared<SseStream>(std::vector<std::string>{},
                                             [model, request = std::move(generate).value()](
                                                 const SseStream::TokenSink& sink) mutable -> Result<Json> {
                                               request.on_token = sink;
                                               LH_ASSIGN_OR_RETURN(auto result, model->Generate(request));
                                               return GenerationJson(model->info(), result);
                                             });
  // Bad input (a prompt too long for the context, say) still gets a plain 4xx.
  Status started = running->WaitForStart();
  if (!started.ok()) return FromStatus(started);
  return SseStream::Respond(std::move(running));
}

}  // namespace

void RegisterAiRoutes(Router& router, ai::ModelRegistry& models) {
  router.Add("POST", "/ai/embed", [&models](HttpRequest& request) { return Embed(models, request); });
  router.Add("POST", "/ai/generate", [&models](HttpRequest& request) { return Generate(models, request); });
  router.Add("GET", "/ai/models", [&models](HttpRequest&) {
    return HttpResponse::FromJson(200, {{"embed_profile", models.options().embed_profile},
                                        {"generate_profile", models.options().generate_profile},
                                        {"profiles", models.Describe(/*ask_servers=*/true)}});
  });
}

ServiceHealth AiServiceHealth(const ai::ModelRegistry& models) {
  ServiceHealth result;
  result.detail = {{"model_profiles", models.options().profiles.size()},
                   {"loaded_profiles", models.LoadedCount()},
                   {"profiles", models.Describe()}};
  return result;
}

}  // namespace lakehouse::server
