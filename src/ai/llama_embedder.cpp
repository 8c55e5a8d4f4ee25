#include "ai/llama_embedder.h"

#include <fmt/format.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>

namespace lakehouse::ai {
namespace {

// Sequences packed into one forward pass. More texts per pass amortise the per-pass overhead;
// llama.cpp caps the number of sequences a context tracks.
constexpr int kMaxSequencesPerPass = 64;

// Frees a llama_batch on scope exit.
struct BatchGuard {
  llama_batch batch;
  ~BatchGuard() { llama_batch_free(batch); }
};

// True if the model's metadata key `key` has the value `want`.
bool MetaEquals(const llama_model* model, const char* key, std::string_view want) {
  char value[64];
  const int32_t n = llama_model_meta_val_str(model, key, value, sizeof(value));
  return n >= 0 &&
         std::string_view(value, static_cast<size_t>(std::min<int32_t>(n, sizeof(value) - 1))) == want;
}

// The reference BERT tokenizer's normalisation (Hugging Face BertNormalizer with lowercase and
// accent stripping): canonical decomposition (NFD), drop non-spacing marks, lower-case.
// llama.cpp's WordPiece normaliser approximates this with its own tables but decomposes neither
// Hangul syllables nor some Indic vowel signs the same way, which changes the tokens and so the
// embedding; doing it here with ICU first makes the input identical, and llama.cpp's own pass
// then finds nothing left to change.
Result<std::string> BertNormalize(const std::string& text) {
  // ICU makes its NFD instance once behind its own atomics; a static of ours fetches it once
  // too, so every thread sees it published by the C++ static guard (which ThreadSanitizer models).
  static UErrorCode nfd_error = U_ZERO_ERROR;
  static const icu::Normalizer2* const nfd = icu::Normalizer2::getNFDInstance(nfd_error);
  if (U_FAILURE(nfd_error) || nfd == nullptr)
    return Status::Internal(fmt::format("ICU NFD is unavailable: {}", u_errorName(nfd_error)));
  UErrorCode error = U_ZERO_ERROR;
  const icu::UnicodeString decomposed = nfd->normalize(icu::UnicodeString::fromUTF8(text), error);
  if (U_FAILURE(error)) return Status::Internal(fmt::format("ICU NFD failed: {}", u_errorName(error)));
  icu::UnicodeString kept;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    kept.append(u_tolower(c));
  }
  std::string out;
  kept.toUTF8String(out);
  return out;
}

}  // namespace

Result<std::unique_ptr<LlamaEmbedder>> LlamaEmbedder::Open(ModelInfo info, const LlamaOptions& options) {
  LH_ASSIGN_OR_RETURN(auto model, LoadLlamaModel(options.model_path));
  const bool bert_normalize = MetaEquals(model.get(), "tokenizer.ggml.model", "bert") &&
                              MetaEquals(model.get(), "tokenizer.ggml.normalizer.strip_accents", "true");
  if (bert_normalize) {
    // BertNormalize does lower-casing and accent stripping; llama.cpp's own pass would strip
    // spacing marks (\p{Mc}) too, which the reference keeps, so it is switched off.
    model.reset();
    LH_ASSIGN_OR_RETURN(model,
                        LoadLlamaModel(options.model_path, {"tokenizer.ggml.normalizer.lowercase",
                                                            "tokenizer.ggml.normalizer.strip_accents"}));
  }
  const int n_embd = llama_model_n_embd_out(model.get());
  if (info.dims != 0 && info.dims != n_embd) {
    return Status::InvalidArgument(fmt::format(
        "profile {} says dims = {}, but {} makes {}-dimensional embeddings; set dims = {} (or 0 to read it "
        "from the model)",
        info.profile, info.dims, options.model_path, n_embd, n_embd));
  }
  info.dims = n_embd;
  const int trained = llama_model_n_ctx_train(model.get());
  info.context = options.context > 0 ? std::min(options.context, trained) : trained;
  const int batch_tokens = std::max(options.batch_tokens, info.context);

  llama_context_params params = llama_context_default_params();
  params.n_ctx = static_cast<uint32_t>(batch_tokens);
  params.n_batch = static_cast<uint32_t>(batch_tokens);
  // An encoder sees a whole sequence at once, so the physical batch is the logical one.
  params.n_ubatch = static_cast<uint32_t>(batch_tokens);
  params.n_seq_max = kMaxSequencesPerPass;
  params.kv_unified = true;
  params.embeddings = true;
  params.pooling_type = LLAMA_POOLING_TYPE_MEAN;
  params.n_threads = LlamaThreads(options.threads);
  params.n_threads_batch = params.n_threads;
  params.no_perf = true;
  auto embedder = std::unique_ptr<LlamaEmbedder>(
      new LlamaEmbedder(std::move(info), std::move(model), params, options.max_parallel, batch_tokens));
  embedder->bert_normalize_ = bert_normalize;
  return embedder;
}

LlamaEmbedder::LlamaEmbedder(ModelInfo info, std::shared_ptr<llama_model> model,
                             const llama_context_params& params, int max_parallel, int batch_tokens)
    : info_(std::move(info)),
      model_(model),
      vocab_(llama_model_get_vocab(model.get())),
      batch_tokens_(batch_tokens),
      max_sequences_(kMaxSequencesPerPass),
      pool_(std::move(model), params, max_parallel) {}

Result<std::vector<llama_token>> LlamaEmbedder::Tokenize(const std::string& raw, bool* truncated) const {
  std::string normalized;
  if (bert_normalize_) {
    LH_ASSIGN_OR_RETURN(normalized, BertNormalize(raw));
  }
  const std::string& text = bert_normalize_ ? normalized : raw;
  // WordPiece and BPE never make more tokens than bytes, plus the special tokens around them.
  std::vector<llama_token> tokens(text.size() + 8);
  int32_t n =
      llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                     static_cast<int32_t>(tokens.size()), /*add_special=*/true, /*parse_special=*/false);
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), true, false);
  }
  if (n < 0) return Status::Internal("llama.cpp could not tokenize a text");
  tokens.resize(static_cast<size_t>(n));
  *truncated = false;
  const auto limit = static_cast<size_t>(info_.context);
  if (tokens.size() > limit) {
    // Keep the closing separator, as the reference tokenizer's truncation does.
    const bool closes = llama_vocab_get_add_sep(vocab_) || llama_vocab_get_add_eos(vocab_);
    const llama_token last = tokens.back();
    tokens.resize(limit);
    if (closes) tokens.back() = last;
    *truncated = true;
  }
  if (tokens.empty()) return Status::Internal("llama.cpp produced no tokens for a text");
  return tokens;
}

Result<Embeddings> LlamaEmbedder::Embed(const std::vector<std::string>& texts) {
  Embeddings out;
  out.vectors.resize(texts.size());
  out.truncated.resize(texts.size());
  std::vector<std::vector<llama_token>> tokenized(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    LH_RETURN_IF_ERROR(CheckInputText(texts[i], i));
    bool truncated = false;
    LH_ASSIGN_OR_RETURN(tokenized[i], Tokenize(texts[i], &truncated));
    out.truncated[i] = truncated;
  }
  if (texts.empty()) return out;

  LH_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
  llama_context* ctx = lease.get();
  llama_memory_t memory = llama_get_memory(ctx);
  BatchGuard guard{llama_batch_init(batch_tokens_, 0, 1)};
  llama_batch& batch = guard.batch;
  const auto dims = static_cast<size_t>(info_.dims);

  size_t next = 0;
  while (next < texts.size()) {
    // Pack whole texts into one pass while they fit.
    batch.n_tokens = 0;
    size_t first = next;
    while (next < texts.size() && static_cast<int>(next - first) < max_sequences_ &&
           batch.n_tokens + static_cast<int>(tokenized[next].size()) <= batch_tokens_) {
      const auto seq = static_cast<llama_seq_id>(next - first);
      const auto& tokens = tokenized[next];
      for (size_t p = 0; p < tokens.size(); ++p) {
        const int k = batch.n_tokens++;
        batch.token[k] = tokens[p];
        batch.pos[k] = static_cast<llama_pos>(p);
        batch.n_seq_id[k] = 1;
        batch.seq_id[k][0] = seq;
        batch.logits[k] = 1;
      }
      ++next;
    }
    // Causal embedding models keep a KV cache between passes; encoders have none.
    int32_t rc = 0;
    if (memory != nullptr) {
      llama_memory_clear(memory, true);
      rc = llama_decode(ctx, batch);
    } else {
      rc = llama_encode(ctx, batch);
    }
    if (rc != 0) {
      return Status::Internal(
          fmt::format("llama.cpp failed to embed texts {}..{} (code {}); see the log", first, next - 1, rc));
    }
    for (size_t i = first; i < next; ++i) {
      const float* pooled = llama_get_embeddings_seq(ctx, static_cast<llama_seq_id>(i - first));
      if (pooled == nullptr) return Status::Internal("llama.cpp returned no pooled embedding");
      out.vectors[i].assign(pooled, pooled + dims);
      NormalizeL2(out.vectors[i]);
    }
  }
  return out;
}

}  // namespace lakehouse::ai
