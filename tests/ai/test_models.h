// The real models scripts/bootstrap placed in the cache, for the ai tests.
#pragma once

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

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

inline double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return dot / std::sqrt(na * nb);
}

#ifdef LAKEHOUSE_AI_FIXTURES
// The fixture sentences in Latin scripts that fit the model's 256-token window: what a server that
// tokenises with its own BERT normaliser (llama-server, Ollama) agrees with the reference on. For
// Hangul and some Indic scripts only the embedded backend's ICU normalisation does (ADR-38), and a
// server truncates long input to its own window, not the reference's 256 tokens.
inline std::vector<std::string> LatinSentences() {
  std::ifstream in(std::string(LAKEHOUSE_AI_FIXTURES) + "/sentences.txt");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.size() > 600) continue;
    bool latin = true;
    for (size_t i = 0; i < line.size() && latin; ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      // Code points up to U+024F (Latin Extended-B) take at most 2 bytes, led by 0xC2..0xC9.
      if (c >= 0xCA && (c & 0xC0) != 0x80) latin = false;
    }
    if (latin) out.push_back(line);
  }
  return out;
}
#endif

}  // namespace lakehouse::ai::testing
