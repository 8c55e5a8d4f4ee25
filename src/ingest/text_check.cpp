#include "ingest/text_check.h"

#include <fmt/format.h>

#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lakehouse::ingest {
namespace {

// True if one of the 8 bytes of `word` is zero.
constexpr bool HasZeroByte(std::uint64_t word) {
  return ((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL) != 0;
}

// The number of set bits (the baseline x86-64 has no popcnt instruction).
constexpr std::uint64_t CountBits(std::uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return (x * 0x0101010101010101ULL) >> 56;
}

}  // namespace

TextCheck::TextCheck(std::uint64_t max_line, std::string kind)
    : max_line_(max_line), kind_(std::move(kind)) {}

Status TextCheck::Feed(std::string_view bytes) {
  const std::size_t n = bytes.size();
  const char* const data = bytes.data();
  // For `width` bytes of plain ASCII without NUL whose line feeds are the bits of `ends`: counts
  // their lines and keeps the current line's length, unless a line would grow past the limit
  // (then false, and the bytes go byte by byte). Every line that ends there past the first one is
  // shorter than `width`, so max_line_ >= width is asked for.
  auto skip_plain = [&](std::uint64_t ends, std::uint64_t width) {
    if (ends == 0) {
      if (line_bytes_ + width > max_line_) return false;
      column_ += width;
      line_bytes_ += width;
      return true;
    }
    if (line_bytes_ + static_cast<std::uint64_t>(__builtin_ctzll(ends)) > max_line_) return false;
    const std::uint64_t after_last = static_cast<std::uint64_t>(__builtin_clzll(ends)) - (64 - width);
    line_ += CountBits(ends);
    line_bytes_ = after_last;
    column_ = after_last + 1;
    return true;
  };
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  auto lines = [&](__m128i v) {  // the line feeds of 16 bytes, as bits
    return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf))));
  };
#endif
  for (std::size_t i = 0; i < n;) {
#if defined(__SSE2__)
    if (continuation_ == 0 && i + 64 <= n && max_line_ >= 64) {
      // 64 bytes at a time.
      const auto* at = reinterpret_cast<const __m128i*>(data + i);
      const __m128i a = _mm_loadu_si128(at), b = _mm_loadu_si128(at + 1), c = _mm_loadu_si128(at + 2),
                    d = _mm_loadu_si128(at + 3);
      const auto high =
          static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))));
      const __m128i least = _mm_min_epu8(_mm_min_epu8(a, b), _mm_min_epu8(c, d));
      const auto nul = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(least, _mm_setzero_si128())));
      if ((high | nul) == 0 && skip_plain(lines(a) | lines(b) << 16 | lines(c) << 32 | lines(d) << 48, 64)) {
        i += 64;
        continue;
      }
    }
    if (continuation_ == 0 && i + 16 <= n && max_line_ >= 16) {
      // 16 bytes at a time.
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      const auto high = static_cast<unsigned>(_mm_movemask_epi8(v));
      const auto nul = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())));
      if ((high | nul) == 0 && skip_plain(lines(v), 16)) {
        i += 16;
        continue;
      }
    }
#endif
    // Plain ASCII without NUL or line feed, 8 bytes at a time: nothing to check but length.
    if (continuation_ == 0 && i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, data + i, 8);
      if ((word & 0x8080808080808080ULL) == 0 && !HasZeroByte(word) &&
          !HasZeroByte(word ^ 0x0A0A0A0A0A0A0A0AULL) && skip_plain(0, 8)) {
        i += 8;
        continue;
      }
    }
    const auto byte = static_cast<unsigned char>(data[i]);
    if (continuation_ > 0) {
      if ((byte & 0xC0) != 0x80) {
        return Status::InvalidArgument(
            fmt::format("invalid UTF-8 at line {}, column {} (byte {}): a multi-byte character is cut "
                        "short; save the file as UTF-8 and retry",
                        line_, column_, offset_ + i));
      }
      --continuation_;
      if (continuation_ == 0) ++column_;
      ++line_bytes_;
      ++i;
      continue;
    }
    if (byte == '\n') {
      ++line_;
      column_ = 1;
      line_bytes_ = 0;
      ++i;
      continue;
    }
    if (byte == 0) {
      return Status::InvalidArgument(fmt::format(
          "line {}, column {} holds a NUL byte: this looks like a binary file, not {} text; check "
          "that you sent the right file",
          line_, column_, kind_));
    }
    if (byte < 0x80) {
      ++column_;
    } else if (byte >= 0xC2 && byte <= 0xDF) {
      continuation_ = 1;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      continuation_ = 2;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      continuation_ = 3;
    } else {
      return Status::InvalidArgument(
          fmt::format("invalid UTF-8 at line {}, column {} (byte {}): byte 0x{:02X} cannot start a "
                      "character; save the file as UTF-8 and retry",
                      line_, column_, offset_ + i, byte));
    }
    if (++line_bytes_ > max_line_) {
      return Status::InvalidArgument(
          fmt::format("line {} is longer than {} bytes (a single field or record that large is not "
                      "accepted); split the field or check the file",
                      line_, max_line_));
    }
    ++i;
  }
  offset_ += n;
  return Status::OK();
}

Status TextCheck::Finish() const {
  if (continuation_ > 0) {
    return Status::InvalidArgument(fmt::format(
        "invalid UTF-8 at line {}, column {}: the file ends inside a multi-byte character (truncated?)",
        line_, column_));
  }
  return Status::OK();
}

}  // namespace lakehouse::ingest
