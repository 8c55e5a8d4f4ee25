// TextChunker: splits a document's text into overlapping chunks of whole words, the unit that is
// embedded and searched.
//
// Chunks are measured in words (runs of non-whitespace) rather than bytes, so a chunk never cuts
// a word or a UTF-8 character in half, and the size maps roughly onto the model's token budget
// (all-MiniLM-L6-v2 reads 256 tokens, about 180 English words). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace lakehouse::vector {

//! How documents are cut into chunks.
struct ChunkingOptions {
  int size_words = 160;    //!< words per chunk (1..2048)
  int overlap_words = 20;  //!< words repeated from the end of the previous chunk (0..size_words-1)

  bool operator==(const ChunkingOptions& other) const = default;
};

//! InvalidArgument saying which field is out of range, OK otherwise.
Status ValidateChunking(const ChunkingOptions& options);

//! {"size", "overlap"} (sizes in words).
Json ChunkingToJson(const ChunkingOptions& options);

//! Parses {"size"?, "overlap"?}; missing fields keep their defaults. InvalidArgument naming the
//! bad field.
Result<ChunkingOptions> ChunkingFromJson(const Json& json);

//! The chunks of `text`: whitespace-separated words, `size_words` per chunk, consecutive chunks
//! sharing `overlap_words`; each chunk keeps the text between its first and last word as it was
//! (line breaks included). Empty or all-whitespace text gives no chunks. `options` must be valid.
std::vector<std::string> ChunkText(std::string_view text, const ChunkingOptions& options);

}  // namespace lakehouse::vector
