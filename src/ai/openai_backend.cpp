#include "ai/openai_backend.h"

#include <fmt/format.h>

#include <algorithm>

namespace lakehouse::ai {
namespace {

Json MessagesJson(const std::vector<ChatMessage>& messages) {
  Json out = Json::array();
  for (const auto& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

// The text of the first choice: a chat message, a chat delta or a completion.
std::string ChoiceText(const Json& choice) {
  for (const char* key : {"message", "delta"}) {
    if (choice.contains(key) && choice[key].is_object() && choice[key].contains("content") &&
        choice[key]["content"].is_string()) {
      return choice[key]["content"].get<std::string>();
    }
  }
  if (choice.contains("text") && choice["text"].is_string()) return choice["text"].get<std::string>();
  return {};
}

// OpenAI says "stop" or "length"; anything else (tool calls, content filter) is passed on as is.
std::string FinishReason(const Json& choice) {
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
    return choice["finish_reason"].get<std::string>();
  }
  return {};
}

void ReadUsage(const Json& answer, Generation& out) {
  if (!answer.contains("usage") || !answer["usage"].is_object()) return;
  const Json& usage = answer["usage"];
  if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number_integer())
    out.prompt_tokens = usage["prompt_tokens"].get<int>();
  if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_integer())
    out.completion_tokens = usage["completion_tokens"].get<int>();
}

}  // namespace

// --- embeddings -------------------------------------------------------------------------------

OpenAiEmbedder::OpenAiEmbedder(ModelInfo info, RemoteOptions options)
    : info_(std::move(info)), server_(info_, std::move(options)) {}

Result<std::unique_ptr<OpenAiEmbedder>> OpenAiEmbedder::Open(ModelInfo info, RemoteOptions options) {
  // The probe must not be held to the profile's dims: comparing them is what it is for.
  const int wanted = info.dims;
  info.dims = 0;
  auto embedder = std::unique_ptr<OpenAiEmbedder>(new OpenAiEmbedder(std::move(info), std::move(options)));
  LH_ASSIGN_OR_RETURN(auto probe, embedder->EmbedBatch({"dimension probe"}, 0, 1));
  const int dims = static_cast<int>(probe[0].size());
  ModelInfo& i = embedder->info_;
  if (wanted != 0 && wanted != dims) {
    return Status::InvalidArgument(
        fmt::format("{}: the profile says dims = {}, but the server's model '{}' makes {}-dimensional "
                    "embeddings; set dims = {} (or 0 to take the server's)",
                    embedder->server_.where(), wanted, i.model, dims, dims));
  }
  i.dims = dims;
  return embedder;
}

Result<std::vector<std::vector<float>>> OpenAiEmbedder::EmbedBatch(const std::vector<std::string>& texts,
                                                                   size_t first, size_t count) {
  Json input = Json::array();
  for (size_t i = first; i < first + count; ++i) input.push_back(texts[i]);
  LH_ASSIGN_OR_RETURN(Json answer, server_.PostJson("/embeddings", {{"model", info_.model},
                                                                    {"input", std::move(input)},
                                                                    {"encoding_format", "float"}}));
  const auto bad = [&](std::string_view why) {
    return Status::IOError(fmt::format("{}: the embeddings answer is malformed ({})", server_.where(), why));
  };
  if (!answer.contains("data") || !answer["data"].is_array()) return bad("no \"data\" array");
  const Json& data = answer["data"];
  if (data.size() != count) return bad(fmt::format("{} embeddings for {} texts", data.size(), count));
  std::vector<std::vector<float>> out(count);
  for (size_t k = 0; k < data.size(); ++k) {
    const Json& item = data[k];
    // Items carry their input position; servers may answer out of order.
    size_t index = k;
    if (item.contains("index") && item["index"].is_number_unsigned()) index = item["index"].get<size_t>();
    if (index >= count || !out[index].empty()) return bad("bad or repeated \"index\"");
    if (!item.contains("embedding") || !item["embedding"].is_array() || item["embedding"].empty()) {
      return bad("an item without an \"embedding\" array");
    }
    std::vector<float>& v = out[index];
    v.reserve(item["embedding"].size());
    for (const Json& x : item["embedding"]) {
      if (!x.is_number()) return bad("a non-numeric component");
      v.push_back(x.get<float>());
    }
    if (info_.dims != 0 && static_cast<int>(v.size()) != info_.dims) {
      return bad(fmt::format("{} dimensions, the profile says {}", v.size(), info_.dims));
    }
    NormalizeL2(v);
  }
  return out;
}

Result<Embeddings> OpenAiEmbedder::Embed(const std::vector<std::string>& texts) {
  for (size_t i = 0; i < texts.size(); ++i) LH_RETURN_IF_ERROR(CheckInputText(texts[i], i));
  Embeddings out;
  out.truncated.assign(texts.size(), false);
  const auto per_request = static_cast<size_t>(std::max(1, server_.options().texts_per_request));
  for (size_t first = 0; first < texts.size(); first += per_request) {
    const size_t count = std::min(per_request, texts.size() - first);
    LH_ASSIGN_OR_RETURN(auto vectors, EmbedBatch(texts, first, count));
    for (auto& v : vectors) out.vectors.push_back(std::move(v));
  }
  return out;
}

// --- models -----------------------------------------------------------------------------------

Result<Json> ListOpenAiModels(RemoteModelServer& server) {
  LH_ASSIGN_OR_RETURN(Json answer, server.GetJson("/models"));
  if (!answer.is_object() || !answer.contains("data") || !answer["data"].is_array()) {
    return Status::IOError(
        fmt::format("{}: the /models answer has no \"data\" array; check the endpoint", server.where()));
  }
  Json out = Json::array();
  for (const Json& m : answer["data"]) {
    if (m.is_object() && m.contains("id") && m["id"].is_string()) out.push_back({{"name", m["id"]}});
  }
  return out;
}

// --- generation -------------------------------------------------------------------------------

OpenAiGenerator::OpenAiGenerator(ModelInfo info, RemoteOptions options)
    : info_(std::move(info)), server_(info_, std::move(options)) {}

Result<std::unique_ptr<OpenAiGenerator>> OpenAiGenerator::Open(ModelInfo info, RemoteOptions options) {
  auto generator = std::unique_ptr<OpenAiGenerator>(new OpenAiGenerator(std::move(info), std::move(options)));
  LH_RETURN_IF_ERROR(generator->server_.GetJson("/models").status());
  return generator;
}

Result<Generation> OpenAiGenerator::Generate(const GenerateRequest& request) {
  LH_RETURN_IF_ERROR(CheckGenerateRequest(request));
  const bool chat = request.prompt.empty();
  Json body = {{"model", info_.model},
               {"max_tokens", request.max_tokens},
               {"temperature", request.temperature},
               {"top_p", request.top_p},
               {"seed", request.seed}};
  if (chat) {
    body["messages"] = MessagesJson(request.messages);
  } else {
    body["prompt"] = request.prompt;
  }
  const std::string path = chat ? "/chat/completions" : "/completions";
  Generation out;
  if (!request.on_token) {
    LH_ASSIGN_OR_RETURN(Json answer, server_.PostJson(path, body));
    if (!answer.contains("choices") || !answer["choices"].is_array() || answer["choices"].empty()) {
      return Status::IOError(fmt::format("{}: the answer has no choices", server_.where()));
    }
    out.text = ChoiceText(answer["choices"][0]);
    out.finish_reason = FinishReason(answer["choices"][0]);
    ReadUsage(answer, out);
    return out;
  }

  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  Status stream_error;
  bool cancelled = false;
  LH_RETURN_IF_ERROR(server_.PostStream(
      path, body,
      [&](std::string_view line) {
        // Server-sent events: "data: {...}" lines, blank separators, a final "data: [DONE]".
        if (!line.starts_with("data:")) return true;
        line.remove_prefix(5);
        while (line.starts_with(' ')) line.remove_prefix(1);
        if (line == "[DONE]") return true;
        auto chunk = ParseJson(line);
        if (!chunk.ok() || !chunk->is_object()) {
          stream_error = Status::IOError(fmt::format("{}: a streamed event is not JSON", server_.where()));
          return false;
        }
        if (chunk->contains("error")) {
          stream_error = server_.ErrorFor(500, line);
          return false;
        }
        ReadUsage(*chunk, out);
        if (!chunk->contains("choices") || !(*chunk)["choices"].is_array() || (*chunk)["choices"].empty()) {
          return true;
        }
        const Json& choice = (*chunk)["choices"][0];
        if (std::string reason = FinishReason(choice); !reason.empty()) out.finish_reason = reason;
        const std::string piece = ChoiceText(choice);
        if (piece.empty()) return true;
        out.text += piece;
        return request.on_token(piece);
      },
      &cancelled));
  if (!stream_error.ok()) return stream_error;
  if (cancelled) out.finish_reason = "cancelled";
  return out;
}

}  // namespace lakehouse::ai
