// TextCheck: what ingest checks of every byte of a CSV or JSON file while it reads it -- that it is
// UTF-8 text (no cut-short or impossible sequences), holds no NUL byte (a binary file) and no line
// longer than the limit -- naming the line and column (in characters) of the first problem.
//
// Plain ASCII goes 64 or 16 bytes at a time; the rest byte by byte. Both ways give the same
// answer for any split of the file (tests/ingest/text_check_test.cpp).
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lakehouse::ingest {

class TextCheck {
 public:
  //! `max_line`: the longest line accepted, in bytes (without its line feed). `kind`: how error
  //! messages name the format ("CSV", "JSON").
  TextCheck(std::uint64_t max_line, std::string kind);

  //! Checks the next bytes of the file (any split). InvalidArgument naming line and column at the
  //! first problem; the check is not to be fed after an error.
  Status Feed(std::string_view bytes);
  //! The file ended: InvalidArgument if it ends inside a multi-byte character.
  Status Finish() const;

 private:
  std::uint64_t max_line_;
  std::string kind_;
  std::uint64_t line_ = 1;        // of the next byte
  std::uint64_t column_ = 1;      // of the next character
  std::uint64_t line_bytes_ = 0;  // of the current line so far
  std::uint64_t offset_ = 0;      // of the first byte of the current Feed
  int continuation_ = 0;          // UTF-8 continuation bytes still expected
};

}  // namespace lakehouse::ingest
