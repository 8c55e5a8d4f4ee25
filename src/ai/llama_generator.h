// LlamaGenerator: the embedded generation backend -- a GGUF instruct model (e.g.
// SmolLM2-135M-Instruct) run in-process by llama.cpp. Chats are formatted with the chat
// template stored in the model file.
//
// Thread-safe: concurrent Generate calls share the weights and each use their own llama.cpp
// context (up to LlamaOptions::max_parallel at once; further calls wait).
#pragma once

#include <memory>

#include "ai/generator.h"
#include "ai/llama_runtime.h"

namespace lakehouse::ai {

class LlamaGenerator final : public Generator {
 public:
  //! Loads the model. NotFound if the file is missing; InvalidArgument if llama.cpp cannot
  //! load it.
  static Result<std::unique_ptr<LlamaGenerator>> Open(ModelInfo info, const LlamaOptions& options);

  const ModelInfo& info() const override { return info_; }
  Result<Generation> Generate(const GenerateRequest& request) override;

 private:
  LlamaGenerator(ModelInfo info, std::shared_ptr<llama_model> model, const llama_context_params& params,
                 int max_parallel);

  // The prompt text: the raw prompt, or the chat formatted with the model's template.
  Result<std::string> FormatPrompt(const GenerateRequest& request) const;

  ModelInfo info_;
  std::shared_ptr<llama_model> model_;
  const llama_vocab* vocab_;
  int batch_tokens_;
  LlamaContextPool pool_;
};

}  // namespace lakehouse::ai
