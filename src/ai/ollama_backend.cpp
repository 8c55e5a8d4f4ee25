#include "ai/ollama_backend.h"

#include <fmt/format.h>

#include <algorithm>

namespace lakehouse::ai {
namespace {

// One answer object of /api/chat or /api/generate (whole, or one line of a stream).
void ReadAnswer(const Json& answer, Generation& out, std::string* piece) {
  if (answer.contains("message") && answer["message"].is_object() && answer["message"].contains("content") &&
      answer["message"]["content"].is_string()) {
    *piece = answer["message"]["content"].get<std::string>();
  } else if (answer.contains("response") && answer["response"].is_string()) {
    *piece = answer["response"].get<std::string>();
  }
  if (answer.contains("done_reason") && answer["done_reason"].is_string()) {
    out.finish_reason = answer["done_reason"].get<std::string>();
  }
  if (answer.contains("prompt_eval_count") && answer["prompt_eval_count"].is_number_integer())
    out.prompt_tokens = answer["prompt_eval_count"].get<int>();
  if (answer.contains("eval_count") && answer["eval_count"].is_number_integer())
    out.completion_tokens = answer["eval_count"].get<int>();
}

}  // namespace

Result<Json> ListOllamaModels(RemoteModelServer& server) {
  LH_ASSIGN_OR_RETURN(Json tags, server.GetJson("/api/tags"));
  if (!tags.is_object() || !tags.contains("models") || !tags["models"].is_array()) {
    return Status::IOError(
        fmt::format("{}: the /api/tags answer has no \"models\" array; is the endpoint an Ollama server?",
                    server.where()));
  }
  const auto text = [](const Json& object, const char* key) {
    return object.is_object() && object.contains(key) && object[key].is_string()
               ? object[key].get<std::string>()
               : std::string();
  };
  Json out = Json::array();
  for (const Json& m : tags["models"]) {
    const std::string name = text(m, "name");
    if (name.empty()) continue;
    const Json details = m.contains("details") ? m["details"] : Json::object();
    out.push_back(
        {{"name", name},
         {"size", m.contains("size") && m["size"].is_number_integer() ? m["size"].get<int64_t>() : 0},
         {"family", text(details, "family")},
         {"parameter_size", text(details, "parameter_size")},
         {"quantization", text(details, "quantization_level")}});
  }
  return out;
}

Status CheckOllamaHasModel(RemoteModelServer& server, const std::string& model) {
  LH_ASSIGN_OR_RETURN(Json models, ListOllamaModels(server));
  std::string known;
  for (const Json& m : models) {
    const std::string name = m["name"].get<std::string>();
    if (name == model || name == model + ":latest") return Status::OK();
    known += (known.empty() ? "" : ", ") + name;
  }
  return Status::FailedPrecondition(fmt::format(
      "{}: the server has no model '{}' (it has: {}); run `ollama pull {}` (or `ollama create` from "
      "a Modelfile) or fix the profile's model",
      server.where(), model, known.empty() ? "none" : known, model));
}

// --- embeddings -------------------------------------------------------------------------------

OllamaEmbedder::OllamaEmbedder(ModelInfo info, RemoteOptions options)
    : info_(std::move(info)), server_(info_, std::move(options)) {}

Result<std::unique_ptr<OllamaEmbedder>> OllamaEmbedder::Open(ModelInfo info, RemoteOptions options) {
  // The probe must not be held to the profile's dims: comparing them is what it is for.
  const int wanted = info.dims;
  info.dims = 0;
  auto embedder = std::unique_ptr<OllamaEmbedder>(new OllamaEmbedder(std::move(info), std::move(options)));
  LH_RETURN_IF_ERROR(CheckOllamaHasModel(embedder->server_, embedder->info_.model));
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

Result<std::vector<std::vector<float>>> OllamaEmbedder::EmbedBatch(const std::vector<std::string>& texts,
                                                                   size_t first, size_t count) {
  Json input = Json::array();
  for (size_t i = first; i < first + count; ++i) input.push_back(texts[i]);
  LH_ASSIGN_OR_RETURN(Json answer,
                      server_.PostJson("/api/embed", {{"model", info_.model}, {"input", input}}));
  const auto bad = [&](std::string_view why) {
    return Status::IOError(fmt::format("{}: the embed answer is malformed ({})", server_.where(), why));
  };
  if (!answer.contains("embeddings") || !answer["embeddings"].is_array())
    return bad("no \"embeddings\" array");
  const Json& data = answer["embeddings"];
  if (data.size() != count) return bad(fmt::format("{} embeddings for {} texts", data.size(), count));
  std::vector<std::vector<float>> out(count);
  for (size_t k = 0; k < count; ++k) {
    if (!data[k].is_array() || data[k].empty()) return bad("an embedding that is not a non-empty array");
    for (const Json& x : data[k]) {
      if (!x.is_number()) return bad("a non-numeric component");
      out[k].push_back(x.get<float>());
    }
    if (info_.dims != 0 && static_cast<int>(out[k].size()) != info_.dims) {
      return bad(fmt::format("{} dimensions, the profile says {}", out[k].size(), info_.dims));
    }
    NormalizeL2(out[k]);
  }
  return out;
}

Result<Embeddings> OllamaEmbedder::Embed(const std::vector<std::string>& texts) {
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

// --- generation -------------------------------------------------------------------------------

OllamaGenerator::OllamaGenerator(ModelInfo info, RemoteOptions options)
    : info_(std::move(info)), server_(info_, std::move(options)) {}

Result<std::unique_ptr<OllamaGenerator>> OllamaGenerator::Open(ModelInfo info, RemoteOptions options) {
  auto generator = std::unique_ptr<OllamaGenerator>(new OllamaGenerator(std::move(info), std::move(options)));
  LH_RETURN_IF_ERROR(CheckOllamaHasModel(generator->server_, generator->info_.model));
  return generator;
}

Result<Generation> OllamaGenerator::Generate(const GenerateRequest& request) {
  LH_RETURN_IF_ERROR(CheckGenerateRequest(request));
  const bool chat = request.prompt.empty();
  Json body = {{"model", info_.model},
               {"stream", static_cast<bool>(request.on_token)},
               {"options",
                {{"num_predict", request.max_tokens},
                 {"temperature", request.temperature},
                 {"top_p", request.top_p},
                 {"seed", request.seed}}}};
  if (chat) {
    Json messages = Json::array();
    for (const auto& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
    body["messages"] = std::move(messages);
  } else {
    body["prompt"] = request.prompt;
    body["raw"] = true;  // continue the text as is, as the embedded backend does
  }
  const std::string path = chat ? "/api/chat" : "/api/generate";
  Generation out;
  if (!request.on_token) {
    LH_ASSIGN_OR_RETURN(Json answer, server_.PostJson(path, body));
    ReadAnswer(answer, out, &out.text);
    return out;
  }
  Status stream_error;
  bool cancelled = false;
  LH_RETURN_IF_ERROR(server_.PostStream(
      path, body,
      [&](std::string_view line) {
        if (line.empty()) return true;
        auto chunk = ParseJson(line);
        if (!chunk.ok() || !chunk->is_object()) {
          stream_error = Status::IOError(fmt::format("{}: a streamed line is not JSON", server_.where()));
          return false;
        }
        if (chunk->contains("error")) {
          stream_error = server_.ErrorFor(500, line);
          return false;
        }
        std::string piece;
        ReadAnswer(*chunk, out, &piece);
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
