#include "engine/wide_integer.h"

#include <algorithm>
#include <limits>

namespace lakehouse::engine {
namespace {

// GCC's 128-bit integers are an extension; __extension__ keeps -Wpedantic quiet about them.
__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

UInt128 Combine(std::uint64_t upper, std::uint64_t lower) {
  return (static_cast<UInt128>(upper) << 64) | lower;
}

std::string MagnitudeDigits(UInt128 magnitude) {
  if (magnitude == 0) return "0";
  std::string digits;
  while (magnitude != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// The magnitude of a two's-complement value; correct for the most negative value too, because
// unsigned negation wraps.
UInt128 Magnitude(std::int64_t upper, std::uint64_t lower, bool* negative) {
  const UInt128 bits = Combine(static_cast<std::uint64_t>(upper), lower);
  *negative = upper < 0;
  return *negative ? (~bits + 1) : bits;
}

// The value of a run of decimal digits, if it is not empty and does not exceed `limit`.
bool ParseMagnitude(std::string_view digits, UInt128 limit, UInt128* out) {
  if (digits.empty()) return false;
  UInt128 value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<unsigned>(c - '0');
    if (value > (limit - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

}  // namespace

std::string SignedWideToString(std::int64_t upper, std::uint64_t lower) {
  bool negative = false;
  const UInt128 magnitude = Magnitude(upper, lower, &negative);
  return (negative ? "-" : "") + MagnitudeDigits(magnitude);
}

std::string UnsignedWideToString(std::uint64_t upper, std::uint64_t lower) {
  return MagnitudeDigits(Combine(upper, lower));
}

double SignedWideToDouble(std::int64_t upper, std::uint64_t lower) {
  const auto value = static_cast<Int128>(Combine(static_cast<std::uint64_t>(upper), lower));
  return static_cast<double>(value);
}

std::string SignedWideToDecimalString(std::int64_t upper, std::uint64_t lower, std::uint8_t scale) {
  bool negative = false;
  std::string digits = MagnitudeDigits(Magnitude(upper, lower, &negative));
  if (scale > 0) {
    if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    digits.insert(digits.size() - scale, 1, '.');
  }
  return (negative ? "-" : "") + digits;
}

bool ParseSignedWide(std::string_view text, std::int64_t* upper, std::uint64_t* lower) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const UInt128 max_positive = (~UInt128{0}) >> 1;
  UInt128 magnitude = 0;
  if (!ParseMagnitude(text, negative ? max_positive + 1 : max_positive, &magnitude)) return false;
  const UInt128 bits = negative ? ~magnitude + 1 : magnitude;
  *upper = static_cast<std::int64_t>(static_cast<std::uint64_t>(bits >> 64));
  *lower = static_cast<std::uint64_t>(bits);
  return true;
}

bool ParseUnsignedWide(std::string_view text, std::uint64_t* upper, std::uint64_t* lower) {
  UInt128 value = 0;
  if (!ParseMagnitude(text, ~UInt128{0}, &value)) return false;
  *upper = static_cast<std::uint64_t>(value >> 64);
  *lower = static_cast<std::uint64_t>(value);
  return true;
}

}  // namespace lakehouse::engine
