// LlamaEmbedder: the embedded embedding backend -- a GGUF embedding model (e.g. all-MiniLM-L6-v2)
// run in-process by llama.cpp, with mean pooling and L2 normalisation as sentence-transformers
// does.
//
// Thread-safe: concurrent Embed calls share the weights and each use their own llama.cpp context
// (up to LlamaOptions::max_parallel at once; further calls wait).
#pragma once

#include <memory>

#include "ai/embedder.h"
#include "ai/llama_runtime.h"

namespace lakehouse::ai {

class LlamaEmbedder final : public Embedder {
 public:
  //! Loads the model. `info.dims` of 0 is filled in from the model; a different non-zero value
  //! is InvalidArgument (the profile would record the wrong dimensions). NotFound if the file
  //! is missing; InvalidArgument if it is not an embedding model llama.cpp can load.
  static Result<std::unique_ptr<LlamaEmbedder>> Open(ModelInfo info, const LlamaOptions& options);

  const ModelInfo& info() const override { return info_; }
  Result<Embeddings> Embed(const std::vector<std::string>& texts) override;

 private:
  LlamaEmbedder(ModelInfo info, std::shared_ptr<llama_model> model, const llama_context_params& params,
                int max_parallel, int batch_tokens);

  // Tokenises one text with the model's special tokens, cut to the context (keeping the
  // closing separator). Sets `truncated` when it was cut.
  Result<std::vector<llama_token>> Tokenize(const std::string& text, bool* truncated) const;

  ModelInfo info_;
  std::shared_ptr<llama_model> model_;
  const llama_vocab* vocab_;
  int batch_tokens_;
  int max_sequences_;
  bool bert_normalize_ = false;  // apply BertNormalize before llama.cpp's tokenizer
  LlamaContextPool pool_;
};

}  // namespace lakehouse::ai
