#include "vector/text_chunker.h"

#include <fmt/format.h>

#include <utility>

namespace lakehouse::vector {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

Result<int> IntField(const Json& json, const char* key, int fallback) {
  if (!json.contains(key) || json[key].is_null()) return fallback;
  if (!json[key].is_number_integer())
    return Status::InvalidArgument(fmt::format("chunking.{} must be an integer", key));
  auto value = json[key].get<int64_t>();
  if (value < -1'000'000 || value > 1'000'000)
    return Status::InvalidArgument(fmt::format("chunking.{} is out of range", key));
  return static_cast<int>(value);
}

}  // namespace

Status ValidateChunking(const ChunkingOptions& options) {
  if (options.size_words < 1 || options.size_words > 2048)
    return Status::InvalidArgument(fmt::format(
        "chunking.size must be 1..2048 words (got {}); 160 suits all-MiniLM-L6-v2", options.size_words));
  if (options.overlap_words < 0 || options.overlap_words >= options.size_words)
    return Status::InvalidArgument(
        fmt::format("chunking.overlap must be 0..size-1 words (got {} with size {})", options.overlap_words,
                    options.size_words));
  return Status::OK();
}

Json ChunkingToJson(const ChunkingOptions& options) {
  return {{"size", options.size_words}, {"overlap", options.overlap_words}, {"unit", "words"}};
}

Result<ChunkingOptions> ChunkingFromJson(const Json& json) {
  if (!json.is_object()) return Status::InvalidArgument("chunking must be an object {\"size\", \"overlap\"}");
  for (const auto& [key, value] : json.items()) {
    if (key != "size" && key != "overlap" && key != "unit")
      return Status::InvalidArgument(
          fmt::format("chunking has an unknown field \"{}\" (size, overlap)", key));
    if (key == "unit" && value != "words")
      return Status::InvalidArgument("chunking.unit can only be \"words\"");
  }
  ChunkingOptions options;
  LH_ASSIGN_OR_RETURN(options.size_words, IntField(json, "size", options.size_words));
  LH_ASSIGN_OR_RETURN(options.overlap_words, IntField(json, "overlap", options.overlap_words));
  LH_RETURN_IF_ERROR(ValidateChunking(options));
  return options;
}

std::vector<std::string> ChunkText(std::string_view text, const ChunkingOptions& options) {
  // Word boundaries as [begin, end) byte offsets.
  std::vector<std::pair<size_t, size_t>> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i == text.size()) break;
    size_t begin = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    words.emplace_back(begin, i);
  }
  std::vector<std::string> chunks;
  if (words.empty()) return chunks;
  const auto size = static_cast<size_t>(options.size_words);
  const size_t step = size - static_cast<size_t>(options.overlap_words);
  for (size_t first = 0;; first += step) {
    size_t last = std::min(first + size, words.size()) - 1;
    chunks.emplace_back(text.substr(words[first].first, words[last].second - words[first].first));
    if (last + 1 == words.size()) break;
  }
  return chunks;
}

}  // namespace lakehouse::vector
