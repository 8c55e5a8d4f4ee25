#include "ai/generator.h"

#include <fmt/format.h>

namespace lakehouse::ai {

Status CheckGenerateRequest(const GenerateRequest& request) {
  if (request.max_tokens < 1) return Status::InvalidArgument("max_tokens must be at least 1");
  if (request.temperature < 0) return Status::InvalidArgument("temperature must not be negative");
  const bool has_prompt = !request.prompt.empty();
  const bool has_messages = !request.messages.empty();
  if (has_prompt == has_messages) {
    return Status::InvalidArgument(
        "give either a non-empty prompt or a non-empty list of messages, not both");
  }
  if (has_prompt) return CheckInputText(request.prompt, 0);
  for (size_t i = 0; i < request.messages.size(); ++i) {
    const auto& m = request.messages[i];
    if (m.role != "system" && m.role != "user" && m.role != "assistant") {
      return Status::InvalidArgument(
          fmt::format("message {} has role \"{}\"; use system, user or assistant", i, m.role));
    }
    Status st = CheckInputText(m.content, i);
    if (!st.ok()) return st.WithContext(fmt::format("message {} content", i));
  }
  return Status::OK();
}

}  // namespace lakehouse::ai
