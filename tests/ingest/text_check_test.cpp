// TextCheck names the same first problem (or none) however a file is split: fed a byte at a time it
// only runs its byte-by-byte rules, fed in larger pieces it skips plain ASCII 64, 16 or 8 bytes at
// a time.
#include "ingest/text_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace lakehouse::ingest {
namespace {

// The first error of `bytes` fed in pieces from `piece_size()`, or "ok".
template <typename PieceSize>
std::string Check(const std::string& bytes, std::uint64_t max_line, PieceSize&& piece_size) {
  TextCheck check(max_line, "CSV");
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t piece = std::min(bytes.size() - at, piece_size());
    Status fed = check.Feed(std::string_view(bytes).substr(at, piece));
    if (!fed.ok()) return fed.message();
    at += piece;
  }
  Status finished = check.Finish();
  return finished.ok() ? "ok" : finished.message();
}

TEST(TextCheckTest, NamesTheSameFirstProblemHoweverTheFileIsSplit) {
  std::mt19937 random(11);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
  int clean = 0;
  for (int file = 0; file < 400; ++file) {
    // Mostly plain lines of any length, with UTF-8 characters here and there and, in most files,
    // one flaw somewhere: a cut-short or impossible sequence, a NUL, a line past the limit.
    const std::uint64_t max_line = file % 3 == 0 ? 16 + pick(100) : 1000;
    std::string bytes;
    const std::size_t lines = pick(60);
    for (std::size_t l = 0; l < lines; ++l) {
      const std::size_t length = pick(max_line);
      for (std::size_t k = 0; k < length;) {
        switch (pick(40)) {
          case 0:
            bytes += "\xC3\xA9";
            k += 2;
            break;  // é
          case 1:
            bytes += "\xE2\x82\xAC";
            k += 3;
            break;  // €
          case 2:
            bytes += "\xF0\x9F\x98\x80";
            k += 4;
            break;  // an emoji
          default:
            bytes += static_cast<char>('a' + pick(26));
            ++k;
            break;
        }
      }
      bytes += pick(10) == 0 ? "\r\n" : "\n";
    }
    if (!bytes.empty() && pick(4) != 0) {
      const std::size_t at = pick(bytes.size());
      switch (pick(6)) {
        case 0: bytes.insert(at, "\xC3"); break;                          // a character cut short
        case 1: bytes.insert(at, "\xFF"); break;                          // cannot start a character
        case 2: bytes.insert(at, std::string(1, '\0')); break;            // binary
        case 3: bytes.insert(at, std::string(max_line + 1, 'x')); break;  // too long
        case 4: bytes += "\xE2\x82"; break;                               // ends inside a character
        default: bytes.insert(at, "\x80"); break;                         // a stray continuation byte
      }
    }
    const std::string reference = Check(bytes, max_line, [] { return std::size_t{1}; });
    EXPECT_EQ(Check(bytes, max_line, [&] { return bytes.size(); }), reference) << "file " << file;
    EXPECT_EQ(Check(bytes, max_line, [&] { return 1 + pick(300); }), reference) << "file " << file;
    clean += reference == "ok";
  }
  // Both kinds of file were tried.
  EXPECT_GT(clean, 60);
  EXPECT_LT(clean, 340);
}

TEST(TextCheckTest, NamesLineAndColumnInCharacters) {
  std::string bytes = std::string(200, 'a') + "\n" + "\xC3\xA9\xC3\xA9 and then \xC3(";
  EXPECT_EQ(
      Check(bytes, 1000, [&] { return bytes.size(); }),
      "invalid UTF-8 at line 2, column 13 (byte 216): a multi-byte character is cut short; save the file as "
      "UTF-8 and retry");
  bytes = std::string(150, 'b') + "\n" + std::string(201, 'c') + "\n";
  EXPECT_EQ(Check(bytes, 200, [&] { return bytes.size(); }),
            "line 2 is longer than 200 bytes (a single field or record that large is not accepted); split "
            "the field "
            "or check the file");
  EXPECT_EQ(Check(bytes, 201, [&] { return bytes.size(); }), "ok");
  bytes = std::string(100, 'd') + std::string(1, '\0');
  EXPECT_EQ(
      Check(bytes, 1000, [&] { return bytes.size(); }),
      "line 1, column 101 holds a NUL byte: this looks like a binary file, not CSV text; check that you sent "
      "the right file");
}

}  // namespace
}  // namespace lakehouse::ingest
