#include "vector/rag_answerer.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

namespace lakehouse::vector {
namespace {

constexpr std::size_t kMaxQuestionBytes = 2000;

// Cuts `text` to at most `limit` bytes at a space, so no word or UTF-8 character is split.
std::string Clip(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = text.rfind(' ', limit);
  if (cut == std::string::npos || cut == 0) {
    cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  return text.substr(0, cut) + " ...";
}

}  // namespace

Result<AskRequest> AskRequestFromJson(const Json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  static const std::unordered_set<std::string> kKnown = {"question", "index",   "k",          "filter",
                                                         "mode",     "profile", "max_tokens", "stream"};
  for (const auto& [key, value] : body.items()) {
    if (!kKnown.contains(key))
      return Status::InvalidArgument(fmt::format(
          "unknown field \"{}\"; ask takes question, index, k, filter, mode, profile, max_tokens, stream",
          key));
  }
  AskRequest r;
  auto text = [&](const char* key, std::string& out, bool required) -> Status {
    if (!body.contains(key) || body[key].is_null()) {
      return required ? Status::InvalidArgument(fmt::format("\"{}\" is required", key)) : Status::OK();
    }
    if (!body[key].is_string()) return Status::InvalidArgument(fmt::format("\"{}\" must be a string", key));
    out = body[key].get<std::string>();
    return Status::OK();
  };
  LH_RETURN_IF_ERROR(text("question", r.question, true));
  LH_RETURN_IF_ERROR(text("index", r.index, true));
  LH_RETURN_IF_ERROR(text("filter", r.filter, false));
  LH_RETURN_IF_ERROR(text("profile", r.profile, false));
  std::string mode;
  LH_RETURN_IF_ERROR(text("mode", mode, false));
  if (r.question.find_first_not_of(" \t\r\n") == std::string::npos)
    return Status::InvalidArgument("\"question\" is empty; ask something");
  if (r.question.size() > kMaxQuestionBytes)
    return Status::InvalidArgument(
        fmt::format("\"question\" is {} bytes; keep it under {}", r.question.size(), kMaxQuestionBytes));
  if (!mode.empty() && mode != "vector" && mode != "hybrid")
    return Status::InvalidArgument("\"mode\" must be \"vector\" or \"hybrid\"");
  r.hybrid = mode == "hybrid";
  if (body.contains("k")) {
    if (!body["k"].is_number_integer() || body["k"].get<int64_t>() < 1 || body["k"].get<int64_t>() > 8)
      return Status::InvalidArgument("\"k\" must be an integer from 1 to 8 (the prompt holds k chunks)");
    r.k = body["k"].get<int>();
  }
  if (body.contains("max_tokens")) {
    if (!body["max_tokens"].is_number_integer() || body["max_tokens"].get<int64_t>() < 1 ||
        body["max_tokens"].get<int64_t>() > 1024)
      return Status::InvalidArgument("\"max_tokens\" must be an integer from 1 to 1024");
    r.max_tokens = body["max_tokens"].get<int>();
  }
  if (body.contains("stream")) {
    if (!body["stream"].is_boolean()) return Status::InvalidArgument("\"stream\" must be true or false");
    r.stream = body["stream"].get<bool>();
  }
  return r;
}

Json CitationsToJson(const std::vector<Citation>& citations) {
  Json out = Json::array();
  for (const auto& c : citations) {
    out.push_back({{"n", c.n},
                   {"doc_id", c.doc_id},
                   {"chunk_id", c.chunk_id},
                   {"score", c.score},
                   {"chunk_text", c.chunk_text}});
  }
  return out;
}

Json AnswerToJson(const PreparedAsk& prepared, const Answer& answer) {
  return {
      {"answer", answer.text},
      {"finish_reason", answer.finish_reason},
      {"citations", CitationsToJson(answer.citations)},
      {"index", prepared.index.name},
      {"generation", prepared.index.generation},
      {"embed_model", prepared.index.model},
      {"model", prepared.generator->info().model},
      {"retrieval", prepared.retrieval_method},
      {"usage", {{"prompt_tokens", answer.prompt_tokens}, {"completion_tokens", answer.completion_tokens}}}};
}

Result<PreparedAsk> RagAnswerer::Prepare(const AskRequest& request) const {
  LH_ASSIGN_OR_RETURN(ai::Generator * generator, models_.GetGenerator(request.profile));
  VectorSearchRequest search;
  search.text = request.question;
  search.k = request.k;
  search.filter = request.filter;
  search.hybrid = request.hybrid;
  LH_ASSIGN_OR_RETURN(auto found, store_.Search(request.index, search));
  if (found.hits.empty())
    return Status::NotFound(
        fmt::format("index '{}' has no document matching the request{}; nothing to answer from",
                    request.index, request.filter.empty() ? "" : " (check the filter)"));
  PreparedAsk prepared;
  prepared.generator = generator;
  prepared.index = found.index;
  prepared.retrieval_method = found.method;
  // Roughly 3 bytes a token for English; leave room for the instructions, question and answer.
  const int context = std::max(512, generator->info().context);
  const auto budget = static_cast<std::size_t>(std::max(0, context - request.max_tokens - 200) * 3);
  const std::size_t per_chunk = std::clamp<std::size_t>(budget / found.hits.size(), 120, 700);
  std::string sources;
  int n = 0;
  for (const auto& hit : found.hits) {
    Citation c{++n, hit.doc_id, hit.chunk_id, hit.score, Clip(hit.chunk_text, per_chunk)};
    sources += fmt::format("[{}] (document {})\n{}\n\n", c.n, c.doc_id, c.chunk_text);
    prepared.citations.push_back(std::move(c));
  }
  prepared.generate.messages = {{"system",
                                 "You answer questions using only the numbered sources given. Be brief. Cite "
                                 "the sources you use as [1], [2]. "
                                 "If the sources do not contain the answer, say so."},
                                {"user", fmt::format("Sources:\n{}Question: {}", sources, request.question)}};
  prepared.generate.max_tokens = request.max_tokens;
  prepared.generate.temperature = 0;
  return prepared;
}

Result<Answer> RagAnswerer::Generate(const PreparedAsk& prepared, const ai::TokenCallback& on_token) const {
  ai::GenerateRequest generate = prepared.generate;
  generate.on_token = on_token;
  LH_ASSIGN_OR_RETURN(auto generation, prepared.generator->Generate(generate));
  Answer answer;
  answer.text = std::move(generation.text);
  answer.finish_reason = std::move(generation.finish_reason);
  answer.citations = prepared.citations;
  answer.prompt_tokens = generation.prompt_tokens;
  answer.completion_tokens = generation.completion_tokens;
  return answer;
}

}  // namespace lakehouse::vector
