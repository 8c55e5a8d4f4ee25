#include "ai/embedder.h"

#include <fmt/format.h>

#include <cmath>

#include "common/utf8.h"

namespace lakehouse::ai {

void NormalizeL2(std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (sum <= 0) return;
  const double inv = 1.0 / std::sqrt(sum);
  for (float& x : v) x = static_cast<float>(x * inv);
}

Status CheckInputText(const std::string& text, size_t index) {
  if (text.empty()) {
    return Status::InvalidArgument(
        fmt::format("text {} is empty; every text to embed needs at least one character", index));
  }
  for (size_t i = 0; i < text.size();) {
    size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      return Status::InvalidArgument(
          fmt::format("text {} is not valid UTF-8 (bad byte at offset {}); send UTF-8 text", index, i));
    }
    i += len;
  }
  return Status::OK();
}

}  // namespace lakehouse::ai
