// Embedder: turns texts into vectors with one model. The contract every embedding backend
// (embedded llama.cpp, Ollama, OpenAI-compatible servers) fulfils.
//
// Every embedding carries the model name, version and dimensions of the profile that made it,
// so that vectors made by different models are never mixed up. Implementations are thread-safe:
// concurrent Embed calls share the model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace lakehouse::ai {

//! What a model profile promises about its output; recorded with every embedding.
struct ModelInfo {
  std::string profile;  //!< the profile name in lakehouse.toml, e.g. "minilm"
  std::string backend;  //!< llama (embedded llama.cpp)
  std::string model;    //!< model name, e.g. "all-MiniLM-L6-v2"
  std::string version;  //!< model version as configured, e.g. "1"
  int dims = 0;         //!< vector length (embedders); 0 for generators
  int context = 0;      //!< tokens one input may use; longer inputs are truncated
};

//! The vectors for one Embed call, in input order.
struct Embeddings {
  std::vector<std::vector<float>> vectors;  //!< one L2-normalised vector per text
  std::vector<bool> truncated;              //!< true where a text exceeded the context and was cut
};

class Embedder {
 public:
  virtual ~Embedder() = default;

  //! The profile this embedder serves.
  virtual const ModelInfo& info() const = 0;

  //! Embeds `texts` (each non-empty, valid UTF-8). Texts longer than the model's context are
  //! truncated and flagged. Returns InvalidArgument naming the first bad text, Unavailable if
  //! the backend cannot be reached, Internal if the model fails.
  virtual Result<Embeddings> Embed(const std::vector<std::string>& texts) = 0;
};

//! Scales `v` to unit Euclidean length (as sentence-transformers' Normalize module does).
//! A zero vector is left as it is.
void NormalizeL2(std::vector<float>& v);

//! InvalidArgument naming text `index` if it is empty or not valid UTF-8; OK otherwise.
Status CheckInputText(const std::string& text, size_t index);

}  // namespace lakehouse::ai
