#include "ai/embedder.h"

#include <fmt/format.h>

#include <cmath>

namespace lakehouse::ai {
namespace {

// The length of the UTF-8 sequence starting at text[i], or 0 if it is malformed (overlong
// forms, surrogates and code points above U+10FFFF included).
size_t Utf8SequenceLength(const std::string& text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1FU;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0FU;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07U;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3FU);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

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
