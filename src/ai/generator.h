// Generator: produces text from a prompt or a chat with one model. The contract every
// generation backend (embedded llama.cpp, Ollama, OpenAI-compatible servers) fulfils.
//
// Implementations are thread-safe: concurrent Generate calls share the model.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ai/embedder.h"
#include "common/status.h"

namespace lakehouse::ai {

//! One turn of a chat.
struct ChatMessage {
  std::string role;  //!< system | user | assistant
  std::string content;
};

//! Called with each piece of text as it is produced (whole UTF-8 characters only). Return
//! false to stop generating early.
using TokenCallback = std::function<bool(std::string_view piece)>;

//! What to generate. Exactly one of `prompt` and `messages` is set.
struct GenerateRequest {
  std::string prompt;                 //!< raw text continued as is
  std::vector<ChatMessage> messages;  //!< a chat, formatted with the model's chat template
  int max_tokens = 256;               //!< stop after this many new tokens
  float temperature = 0.0F;           //!< 0 picks the most likely token (deterministic)
  float top_p = 0.95F;                //!< nucleus sampling when temperature > 0
  uint32_t seed = 42;                 //!< sampling seed when temperature > 0
  TokenCallback on_token;             //!< optional streaming callback
};

struct Generation {
  std::string text;           //!< everything generated
  std::string finish_reason;  //!< stop (end of turn) | length (max_tokens) | cancelled (callback)
  int prompt_tokens = 0;      //!< tokens the prompt used after templating
  int completion_tokens = 0;  //!< tokens generated
};

class Generator {
 public:
  virtual ~Generator() = default;

  //! The profile this generator serves.
  virtual const ModelInfo& info() const = 0;

  //! Generates a completion. Returns InvalidArgument for an empty or invalid prompt or a prompt
  //! that does not fit the context, Unavailable if the backend cannot be reached, Internal if
  //! the model fails.
  virtual Result<Generation> Generate(const GenerateRequest& request) = 0;
};

//! InvalidArgument unless `request` has exactly one of a non-empty prompt and non-empty messages,
//! all valid UTF-8, roles system/user/assistant, max_tokens >= 1 and temperature >= 0.
Status CheckGenerateRequest(const GenerateRequest& request);

}  // namespace lakehouse::ai
