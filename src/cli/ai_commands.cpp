#include "cli/ai_commands.h"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "ai/model_registry.h"
#include "common/json.h"

namespace lakehouse::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadConfig = 2;
constexpr int kExitUnavailable = 3;

int Fail(const Status& status) {
  std::fprintf(stderr, "lakehouse: error: %s\n", status.message().c_str());
  return status.code() == StatusCode::kUnavailable ? kExitUnavailable : kExitFailure;
}

}  // namespace

AiCommands::AiCommands(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags) {
  embed_ = app.add_subcommand("embed", "Embed texts with a model profile and print the vectors");
  embed_->add_option("texts", texts_, "the texts to embed; none: one text per line of standard input");
  embed_->add_option("--profile", embed_profile_,
                     "the [ai.profiles] entry to use (default: ai.embed_profile)");
  embed_
      ->add_option("--format", embed_format_,
                   "json (default: the POST /ai/embed answer) or text (one line of numbers per text)")
      ->check(CLI::IsMember({"json", "text"}));
  add_config_flags(*embed_);

  generate_ =
      app.add_subcommand("generate", "Answer a prompt with a model profile, printing as it generates");
  generate_->add_option("prompt", prompt_, "what to ask (sent as the user's chat message)")->required();
  generate_->add_option("--profile", generate_profile_,
                        "the [ai.profiles] entry to use (default: ai.generate_profile)");
  generate_->add_option("--system", system_, "a system message before the prompt");
  generate_->add_flag("--raw", raw_, "continue the prompt as raw text instead of chatting");
  generate_->add_option("--max-tokens", max_tokens_, "stop after this many tokens (default 256)")
      ->check(CLI::Range(1, 8192));
  generate_->add_option("--temperature", temperature_, "0 (default) picks the likeliest token; up to 2")
      ->check(CLI::Range(0.0, 2.0));
  generate_->add_option("--seed", seed_, "sampling seed when temperature > 0");
  generate_->add_flag("--json", json_,
                      "print the POST /ai/generate answer as JSON instead of streaming text");
  add_config_flags(*generate_);
}

std::optional<int> AiCommands::Run(const std::function<Result<Config>()>& load_config) {
  if (!embed_->parsed() && !generate_->parsed()) return std::nullopt;
  auto config = load_config();
  if (!config.ok()) {
    std::fprintf(stderr, "lakehouse: error: %s\n", config.status().message().c_str());
    return kExitBadConfig;
  }
  return embed_->parsed() ? Embed(*config) : Generate(*config);
}

int AiCommands::Embed(const Config& config) {
  std::vector<std::string> texts = texts_;
  if (texts.empty()) {
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) texts.push_back(line);
    }
  }
  if (texts.empty()) return Fail(Status::InvalidArgument("no text to embed: pass texts, or lines on stdin"));
  ai::ModelRegistry models(config.ai);
  auto embedder = models.GetEmbedder(embed_profile_);
  if (!embedder.ok()) return Fail(embedder.status());
  auto result = (*embedder)->Embed(texts);
  if (!result.ok()) return Fail(result.status());
  const ai::ModelInfo& info = (*embedder)->info();
  if (embed_format_ == "text") {
    for (const auto& v : result->vectors) {
      std::string line;
      for (size_t i = 0; i < v.size(); ++i) line += fmt::format("{}{}", i == 0 ? "" : " ", v[i]);
      std::puts(line.c_str());
    }
    return 0;
  }
  Json truncated = Json::array();
  for (bool t : result->truncated) truncated.push_back(t);
  const Json out = {{"profile", info.profile},       {"model", info.model},
                    {"version", info.version},       {"dims", info.dims},
                    {"embeddings", result->vectors}, {"truncated", std::move(truncated)}};
  std::puts(ToJsonText(out).c_str());
  return 0;
}

int AiCommands::Generate(const Config& config) {
  ai::ModelRegistry models(config.ai);
  auto generator = models.GetGenerator(generate_profile_);
  if (!generator.ok()) return Fail(generator.status());
  ai::GenerateRequest request;
  if (raw_) {
    if (!system_.empty()) return Fail(Status::InvalidArgument("--system needs a chat; drop --raw"));
    request.prompt = prompt_;
  } else {
    if (!system_.empty()) request.messages.push_back({"system", system_});
    request.messages.push_back({"user", prompt_});
  }
  request.max_tokens = max_tokens_;
  request.temperature = temperature_;
  request.seed = seed_;
  if (!json_) {
    request.on_token = [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  auto result = (*generator)->Generate(request);
  if (!result.ok()) {
    if (!json_) std::fputc('\n', stdout);
    return Fail(result.status());
  }
  if (!json_) {
    std::fputc('\n', stdout);
    return 0;
  }
  const ai::ModelInfo& info = (*generator)->info();
  const Json out = {
      {"profile", info.profile},
      {"model", info.model},
      {"version", info.version},
      {"text", result->text},
      {"finish_reason", result->finish_reason},
      {"usage",
       {{"prompt_tokens", result->prompt_tokens}, {"completion_tokens", result->completion_tokens}}}};
  std::puts(ToJsonText(out).c_str());
  return 0;
}

}  // namespace lakehouse::cli
