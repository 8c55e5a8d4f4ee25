#include "ai/llama_generator.h"

#include <fmt/format.h>

#include <algorithm>

namespace lakehouse::ai {
namespace {

// Owns a sampler chain.
struct SamplerGuard {
  llama_sampler* chain;
  ~SamplerGuard() { llama_sampler_free(chain); }
};

// Bytes at the end of `text` that start an incomplete UTF-8 character (0 if it ends cleanly).
// Token pieces may split a character; the caller holds such bytes back until it completes.
size_t IncompleteUtf8Tail(const std::string& text) {
  const size_t n = text.size();
  for (size_t back = 1; back <= std::min<size_t>(4, n); ++back) {
    const auto c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte; keep looking for the lead byte
    size_t need = 1;
    if ((c & 0xE0) == 0xC0)
      need = 2;
    else if ((c & 0xF0) == 0xE0)
      need = 3;
    else if ((c & 0xF8) == 0xF0)
      need = 4;
    return need > back ? back : 0;
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<LlamaGenerator>> LlamaGenerator::Open(ModelInfo info, const LlamaOptions& options) {
  LH_ASSIGN_OR_RETURN(auto model, LoadLlamaModel(options.model_path));
  const int trained = llama_model_n_ctx_train(model.get());
  info.context = options.context > 0 ? std::min(options.context, trained) : std::min(trained, 4096);
  info.dims = 0;
  llama_context_params params = llama_context_default_params();
  params.n_ctx = static_cast<uint32_t>(info.context);
  params.n_batch = static_cast<uint32_t>(std::min(options.batch_tokens, info.context));
  params.n_ubatch = params.n_batch;
  params.n_seq_max = 1;
  params.n_threads = LlamaThreads(options.threads);
  params.n_threads_batch = params.n_threads;
  params.no_perf = true;
  return std::unique_ptr<LlamaGenerator>(
      new LlamaGenerator(std::move(info), std::move(model), params, options.max_parallel));
}

LlamaGenerator::LlamaGenerator(ModelInfo info, std::shared_ptr<llama_model> model,
                               const llama_context_params& params, int max_parallel)
    : info_(std::move(info)),
      model_(model),
      vocab_(llama_model_get_vocab(model.get())),
      batch_tokens_(static_cast<int>(params.n_batch)),
      pool_(std::move(model), params, max_parallel) {}

Result<std::string> LlamaGenerator::FormatPrompt(const GenerateRequest& request) const {
  const bool has_prompt = !request.prompt.empty();
  const bool has_messages = !request.messages.empty();
  if (has_prompt == has_messages) {
    return Status::InvalidArgument(
        "give either a non-empty prompt or a non-empty list of messages, not both");
  }
  if (has_prompt) {
    LH_RETURN_IF_ERROR(CheckInputText(request.prompt, 0));
    return request.prompt;
  }
  std::vector<llama_chat_message> chat;
  size_t total = 0;
  for (size_t i = 0; i < request.messages.size(); ++i) {
    const auto& m = request.messages[i];
    if (m.role != "system" && m.role != "user" && m.role != "assistant") {
      return Status::InvalidArgument(
          fmt::format("message {} has role \"{}\"; use system, user or assistant", i, m.role));
    }
    Status st = CheckInputText(m.content, i);
    if (!st.ok()) return st.WithContext(fmt::format("message {} content", i));
    chat.push_back({m.role.c_str(), m.content.c_str()});
    total += m.content.size() + m.role.size();
  }
  const char* tmpl = llama_model_chat_template(model_.get(), nullptr);
  std::string formatted(2 * total + 512, '\0');
  int32_t n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), /*add_ass=*/true, formatted.data(),
                                        static_cast<int32_t>(formatted.size()));
  if (n > static_cast<int32_t>(formatted.size())) {
    formatted.resize(static_cast<size_t>(n));
    n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, formatted.data(), n);
  }
  if (n < 0) {
    return Status::InvalidArgument(fmt::format(
        "model {} has no chat template llama.cpp can apply; send a raw prompt instead", info_.model));
  }
  formatted.resize(static_cast<size_t>(n));
  return formatted;
}

Result<Generation> LlamaGenerator::Generate(const GenerateRequest& request) {
  if (request.max_tokens < 1) return Status::InvalidArgument("max_tokens must be at least 1");
  if (request.temperature < 0) return Status::InvalidArgument("temperature must not be negative");
  LH_ASSIGN_OR_RETURN(std::string prompt, FormatPrompt(request));

  // A raw prompt is user text: its special-token spellings stay text. A templated chat holds
  // the template's own special tokens, which must be parsed as such.
  const bool templated = request.prompt.empty();
  std::vector<llama_token> tokens(prompt.size() + 8);
  int32_t n = llama_tokenize(vocab_, prompt.data(), static_cast<int32_t>(prompt.size()), tokens.data(),
                             static_cast<int32_t>(tokens.size()), /*add_special=*/true, templated);
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab_, prompt.data(), static_cast<int32_t>(prompt.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), true, templated);
  }
  if (n <= 0) return Status::InvalidArgument("the prompt produced no tokens");
  tokens.resize(static_cast<size_t>(n));
  if (n >= info_.context) {
    return Status::InvalidArgument(fmt::format(
        "the prompt has {} tokens but profile {} allows {} in all; shorten it or use a profile with a larger "
        "context",
        n, info_.profile, info_.context));
  }

  Generation out;
  out.prompt_tokens = n;
  const int budget = std::min(request.max_tokens, info_.context - n);

  LH_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
  llama_context* ctx = lease.get();
  llama_memory_clear(llama_get_memory(ctx), true);

  SamplerGuard sampler{llama_sampler_chain_init(llama_sampler_chain_default_params())};
  if (request.temperature <= 0) {
    llama_sampler_chain_add(sampler.chain, llama_sampler_init_greedy());
  } else {
    llama_sampler_chain_add(sampler.chain, llama_sampler_init_top_p(request.top_p, 1));
    llama_sampler_chain_add(sampler.chain, llama_sampler_init_temp(request.temperature));
    llama_sampler_chain_add(sampler.chain, llama_sampler_init_dist(request.seed));
  }

  for (size_t start = 0; start < tokens.size(); start += static_cast<size_t>(batch_tokens_)) {
    const auto count =
        static_cast<int32_t>(std::min(tokens.size() - start, static_cast<size_t>(batch_tokens_)));
    if (llama_decode(ctx, llama_batch_get_one(tokens.data() + start, count)) != 0) {
      return Status::Internal("llama.cpp failed to read the prompt; see the log");
    }
  }

  std::string pending;  // generated bytes not yet passed to the callback
  out.finish_reason = "length";
  char piece[256];
  for (int i = 0; i < budget; ++i) {
    llama_token token = llama_sampler_sample(sampler.chain, ctx, -1);
    if (llama_vocab_is_eog(vocab_, token)) {
      out.finish_reason = "stop";
      break;
    }
    ++out.completion_tokens;
    const int32_t len = llama_token_to_piece(vocab_, token, piece, sizeof(piece), 0, /*special=*/false);
    if (len > 0) {
      out.text.append(piece, static_cast<size_t>(len));
      pending.append(piece, static_cast<size_t>(len));
    }
    const size_t hold = IncompleteUtf8Tail(pending);
    if (request.on_token && pending.size() > hold) {
      if (!request.on_token(std::string_view(pending).substr(0, pending.size() - hold))) {
        out.finish_reason = "cancelled";
        pending.clear();
        break;
      }
      pending.erase(0, pending.size() - hold);
    }
    if (i + 1 < budget && llama_decode(ctx, llama_batch_get_one(&token, 1)) != 0) {
      return Status::Internal("llama.cpp failed while generating; see the log");
    }
  }
  return out;
}

}  // namespace lakehouse::ai
