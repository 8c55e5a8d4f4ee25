// The real models scripts/bootstrap placed in the cache, for the ai tests.
#pragma once

#include <string>

#include "ai/llama_runtime.h"

namespace lakehouse::ai::testing {

inline std::string ModelsDir() { return LAKEHOUSE_TEST_MODELS_DIR; }

inline LlamaOptions MiniLmOptions() {
  LlamaOptions options;
  options.model_path = ModelsDir() + "/all-MiniLM-L6-v2.f32.gguf";
  options.context = 256;
  return options;
}

inline ModelInfo MiniLmInfo() { return {"minilm", "llama", "all-MiniLM-L6-v2", "1", 384, 256}; }

inline LlamaOptions SmolLmOptions() {
  LlamaOptions options;
  options.model_path = ModelsDir() + "/SmolLM2-135M-Instruct.Q4_1.gguf";
  options.context = 1024;
  options.batch_tokens = 512;
  options.threads = 1;  // two contexts share the two cores without oversubscribing them
  return options;
}

inline ModelInfo SmolLmInfo() { return {"smollm2", "llama", "SmolLM2-135M-Instruct", "1", 0, 1024}; }

}  // namespace lakehouse::ai::testing
