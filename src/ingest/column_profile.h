// ColumnProfile: what ingest's type inference knows about one text column -- how many values
// look like integers, numbers, dates, timestamps, booleans, codes with leading zeros, long digit
// strings, phone numbers, emails and national IDs, with an example of each kind that matters for
// a string reason.
//
// The rules exist in two equivalent forms, kept side by side here so they cannot drift apart:
// - ColumnProfile::Add classifies one value in C++ (used while the CSV bytes are scanned anyway,
//   so inference costs no extra pass over the file);
// - ColumnProfile::Sql is the same classification as DuckDB aggregates over a text relation (used
//   for JSON, for UTF-16 text and whenever the C++ scan cannot vouch for its reading of a file),
//   and FromSqlRow reads its answer back.
// tests/ingest/column_profile_test.cpp checks that both give the same counts.
//
// Thread-safety: a ColumnProfile is a plain value; one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/data_chunk.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lakehouse::ingest {

//! The counts and examples of a ColumnProfile, in the order Sql() computes them.
enum ProfileStat {
  kNonNull,       //!< values present (not NULL / empty)
  kIntegers,      //!< -?(0|[1-9][0-9]{0,14})
  kNumbers,       //!< integers, decimals and exponents without leading zeros, <= 15 integer digits
  kBooleans,      //!< true / false in any case
  kDates,         //!< YYYY-MM-DD that is a real date
  kTimestamps,    //!< YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]] that is a real timestamp
  kLeadingZeros,  //!< -?0[0-9]+(\.[0-9]+)?, e.g. ZIP codes and IDs "00123"
  kLongDigits,    //!< 16 or more digits, identifiers a number could not keep exact
  kPhones,        //!< phone numbers such as "+1 555-0100" or "(555) 010-0000"
  kEmails,        //!< name@domain.tld
  kNationalIds,   //!< SSN-like NNN-NN-NNNN
  kTextExample,   //!< example: a value that is not a number, boolean, date or timestamp
  kLeadingZeroExample,
  kPhoneExample,
  kLongExample,
  kProfileStatCount
};

class ColumnProfile {
 public:
  //! Classifies one value. An empty value is NULL (what DuckDB's CSV reader makes of an empty
  //! field, quoted or not) and is not counted.
  void Add(std::string_view value);

  //! Add(value), for a caller that may read 16 bytes from value.data() (the bytes past the value
  //! are ignored). Integers, decimals and dates of up to 16 bytes, and short words once a text
  //! example is kept, are classified with a few vector compares; anything else goes to Add.
  void AddPadded(std::string_view value);

  //! The SQL aggregates computing the same profile for the text column `quoted_column` (an
  //! identifier, already quoted), kProfileStatCount comma-separated expressions.
  static std::string Sql(const std::string& quoted_column);

  //! Reads the answer of Sql() from row `row`, columns `first` .. first + kProfileStatCount - 1.
  static ColumnProfile FromSqlRow(const engine::DataChunk& chunk, std::size_t first, std::size_t row);

  //! For a value of the shape YYYY-MM-DD in its first 10 bytes: whether the day exists (proleptic
  //! Gregorian, year 0 a leap year), which is what DuckDB's TRY_CAST(... AS DATE) accepts.
  static bool DateExists(std::string_view s);

  std::int64_t count(ProfileStat stat) const { return counts_[stat]; }
  //! The example kept for kTextExample, kLeadingZeroExample, kPhoneExample or kLongExample
  //! (empty if none was seen).
  const std::string& example(ProfileStat stat) const { return examples_[stat]; }

 private:
  //! AddPadded's shortcut for a value starting with a letter and holding no '@': false if Add
  //! must look at it.
  bool AddWord(std::string_view value);

  std::array<std::int64_t, kProfileStatCount> counts_{};
  std::array<std::string, kProfileStatCount> examples_{};
};

inline bool ColumnProfile::DateExists(std::string_view s) {
  auto two = [&](std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); };
  const int year = two(0) * 100 + two(2), month = two(5), day = two(8);
  if (month < 1 || month > 12 || day < 1) return false;
  if (day <= 28) return true;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

[[gnu::always_inline]] inline void ColumnProfile::AddPadded(std::string_view value) {
#if defined(__SSE2__)
  // Each shortcut has exactly the effect Add has on the value (tests/ingest/column_profile_test.cpp
  // compares the two on values of every shape).
  const std::size_t n = value.size();
  if (n - 1 < 16) {  // 1 to 16 bytes (an empty value wraps around)
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data()));
    const unsigned in = (1U << n) - 1;  // the value's bytes
    const __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const unsigned digit = static_cast<unsigned>(_mm_movemask_epi8(
                               _mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(9)), shifted))) &
                           in;
    const unsigned minus =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')))) & in;
    const std::size_t sign = minus & 1U;  // a leading '-'
    const unsigned body = in & ~static_cast<unsigned>(sign);
    const bool no_leading_zero = value[sign] != '0';
    if (body != 0 && (digit & body) == body) {  // -?[0-9]+
      if (n - sign <= 15 && (no_leading_zero || n - sign == 1)) {
        ++counts_[kNonNull];
        ++counts_[kNumbers];
        ++counts_[kIntegers];
        return;
      }
    } else if (n == 10 && (digit & 0x36FU) == 0x36FU && (minus & 0x90U) == 0x90U) {  // YYYY-MM-DD
      ++counts_[kNonNull];
      counts_[kDates] += DateExists(value);
      return;
    } else {
      const unsigned dot =
          static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')))) & in;
      // -?[0-9]+\.[0-9]+ with 1-15 integer digits, no leading zero and not 4 decimals (a phone's shape)
      if (dot != 0 && (dot & (dot - 1)) == 0 && ((digit | dot) & body) == body) {
        const std::size_t at = static_cast<std::size_t>(__builtin_ctz(dot));
        const std::size_t integer_digits = at - sign, decimals = n - at - 1;
        if (integer_digits >= 1 && integer_digits <= 15 && decimals >= 1 && decimals != 4 &&
            (no_leading_zero || integer_digits == 1)) {
          ++counts_[kNonNull];
          ++counts_[kNumbers];
          return;
        }
      }
      const unsigned at_sign =
          static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')))) & in;
      if (at_sign == 0 && AddWord(value)) return;
    }
  } else if (n > 16) {
    // No '@' in 16-byte steps, the last one ending where the value ends.
    const __m128i at_sign = _mm_set1_epi8('@');
    __m128i found =
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data() + n - 16)), at_sign);
    for (std::size_t k = 0; k + 16 < n; k += 16) {
      found = _mm_or_si128(
          found,
          _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data() + k)), at_sign));
    }
    if (_mm_movemask_epi8(found) == 0 && AddWord(value)) return;
  }
#endif
  Add(value);
}

[[gnu::always_inline]] inline bool ColumnProfile::AddWord(std::string_view value) {
  // A value starting with a letter, without '@', once the text example is kept: Add only counts
  // it. A 4- or 5-letter word starting with t or f may be a boolean, which Add decides.
  const char first = value[0];
  const char lower = static_cast<char>(first | 0x20);
  if (lower < 'a' || lower > 'z' || examples_[kTextExample].empty()) return false;
  if ((value.size() == 4 || value.size() == 5) && (lower == 't' || lower == 'f')) return false;
  ++counts_[kNonNull];
  return true;
}

}  // namespace lakehouse::ingest
