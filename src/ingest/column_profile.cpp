#include "ingest/column_profile.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/sql_text.h"

namespace lakehouse::ingest {
namespace {

// The regular expressions of the SQL form. The C++ matchers below accept exactly the same
// strings (RE2's \s is [\t\n\f\r ]).
constexpr const char* kIntegerRe = R"(-?(0|[1-9][0-9]{0,14}))";
constexpr const char* kNumberRe = R"(-?(0|[1-9][0-9]{0,14})(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?)";
constexpr const char* kLeadingZeroRe = R"(-?0[0-9]+(\.[0-9]+)?)";
constexpr const char* kLongDigitsRe = R"(-?[0-9]{16,}(\.[0-9]+)?)";
constexpr const char* kDateRe = R"([0-9]{4}-[0-9]{2}-[0-9]{2})";
constexpr const char* kTimestampRe =
    R"([0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)";
constexpr const char* kPhoneRe = R"(\+?[0-9]{0,3}[ .-]?(\([0-9]{2,4}\)[ .-]?)?[0-9]{3,4}[ .-][0-9]{4})";
constexpr const char* kEmailRe = R"([^@\s]+@[^@\s]+\.[^@\s]+)";
constexpr const char* kNationalIdRe = R"([0-9]{3}-[0-9]{2}-[0-9]{4})";

// Character classes, OR-ed over a value first so that most matchers are skipped at once.
enum : std::uint16_t {
  kDigit = 1 << 0,
  kMinus = 1 << 1,
  kPlus = 1 << 2,
  kDot = 1 << 3,
  kExp = 1 << 4,              // e E
  kSpace = 1 << 5,            // ' '
  kOtherWhitespace = 1 << 6,  // \t \n \f \r (the rest of RE2's \s)
  kAt = 1 << 7,
  kColon = 1 << 8,
  kLetterT = 1 << 9,
  kParen = 1 << 10,
  kOther = 1 << 11,
};

struct ClassTable {
  std::uint16_t of[256];
  constexpr ClassTable() : of() {
    for (int c = 0; c < 256; ++c) of[c] = kOther;
    for (int c = '0'; c <= '9'; ++c) of[c] = kDigit;
    of[static_cast<int>('-')] = kMinus;
    of[static_cast<int>('+')] = kPlus;
    of[static_cast<int>('.')] = kDot;
    of[static_cast<int>('e')] = kExp;
    of[static_cast<int>('E')] = kExp;
    of[static_cast<int>(' ')] = kSpace;
    for (char c : {'\t', '\n', '\f', '\r'}) of[static_cast<unsigned char>(c)] = kOtherWhitespace;
    of[static_cast<int>('@')] = kAt;
    of[static_cast<int>(':')] = kColon;
    of[static_cast<int>('T')] = kLetterT;
    of[static_cast<int>('(')] = kParen;
    of[static_cast<int>(')')] = kParen;
  }
};
constexpr ClassTable kClasses;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The character classes of `value`'s bytes, OR-ed.
std::uint16_t ClassesOf(std::string_view value) {
  std::uint16_t classes = 0;
  for (char c : value) classes |= kClasses.of[static_cast<unsigned char>(c)];
  return classes;
}

// Advances `i` over digits; returns how many.
std::size_t Digits(std::string_view s, std::size_t& i) {
  std::size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i - start;
}

// kNumberRe; *integer tells whether kIntegerRe matches too.
bool MatchNumber(std::string_view s, bool* integer) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size()) return false;
  if (s[i] == '0') {
    ++i;
  } else if (IsDigit(s[i])) {
    if (Digits(s, i) > 15) return false;
  } else {
    return false;
  }
  *integer = i == s.size();
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (Digits(s, i) == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t n = Digits(s, i);
    if (n < 1 || n > 3) return false;
  }
  return i == s.size();
}

// -?<digits>(\.[0-9]+)? with the digit run checked by `run_ok`; the shared shape of kLeadingZeroRe
// and kLongDigitsRe.
template <typename RunOk>
bool MatchDigitRun(std::string_view s, RunOk run_ok) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  std::size_t start = i;
  std::size_t n = Digits(s, i);
  if (!run_ok(s.substr(start, n))) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (Digits(s, i) == 0) return false;
  }
  return i == s.size();
}

bool MatchLeadingZero(std::string_view s) {
  return MatchDigitRun(s, [](std::string_view run) { return run.size() >= 2 && run[0] == '0'; });
}

bool MatchLongDigits(std::string_view s) {
  return MatchDigitRun(s, [](std::string_view run) { return run.size() >= 16; });
}

int Number(std::string_view s, std::size_t at, std::size_t digits) {
  int n = 0;
  for (std::size_t i = at; i < at + digits; ++i) n = n * 10 + (s[i] - '0');
  return n;
}

bool AllDigits(std::string_view s, std::size_t at, std::size_t digits) {
  for (std::size_t i = at; i < at + digits; ++i) {
    if (!IsDigit(s[i])) return false;
  }
  return true;
}

// kDateRe.
bool MatchDateShape(std::string_view s) {
  return s.size() == 10 && AllDigits(s, 0, 4) && s[4] == '-' && AllDigits(s, 5, 2) && s[7] == '-' &&
         AllDigits(s, 8, 2);
}

// kTimestampRe.
bool MatchTimestampShape(std::string_view s) {
  if (s.size() < 16 || !MatchDateShape(s.substr(0, 10)) || (s[10] != ' ' && s[10] != 'T') ||
      !AllDigits(s, 11, 2) || s[13] != ':' || !AllDigits(s, 14, 2)) {
    return false;
  }
  if (s.size() == 16) return true;
  if (s.size() < 19 || s[16] != ':' || !AllDigits(s, 17, 2)) return false;
  if (s.size() == 19) return true;
  std::size_t digits = s.size() - 20;
  return s[19] == '.' && digits >= 1 && digits <= 6 && AllDigits(s, 20, digits);
}

// For a value of kTimestampRe's shape: what DuckDB's TRY_CAST(... AS TIMESTAMP) accepts -- a day
// that exists, hours 0-23 (or 24:00:00 exactly), minutes and seconds 0-59.
bool TimestampExists(std::string_view s) {
  if (!ColumnProfile::DateExists(s)) return false;
  int hour = Number(s, 11, 2), minute = Number(s, 14, 2), second = s.size() >= 19 ? Number(s, 17, 2) : 0;
  bool fraction_zero = true;
  for (std::size_t i = 20; i < s.size(); ++i) fraction_zero = fraction_zero && s[i] == '0';
  if (minute > 59 || second > 59) return false;
  return hour < 24 || (hour == 24 && minute == 0 && second == 0 && fraction_zero);
}

bool MatchBoolean(std::string_view s) {
  auto equals = [&](std::string_view word) {
    if (s.size() != word.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != word[i]) return false;
    }
    return true;
  };
  return equals("true") || equals("false");
}

bool IsPhoneSeparator(char c) { return c == ' ' || c == '.' || c == '-'; }

// kPhoneRe. The tail "[0-9]{3,4}[ .-][0-9]{4}" is fixed from the end; what precedes it,
// "\+?[0-9]{0,3}[ .-]?(\([0-9]{2,4}\)[ .-]?)?", can be matched left to right without choices.
bool MatchPhone(std::string_view s) {
  const std::size_t n = s.size();
  if (n < 8 || !AllDigits(s, n - 4, 4) || !IsPhoneSeparator(s[n - 5])) return false;
  auto head_ok = [&](std::string_view h) {
    std::size_t i = 0;
    if (i < h.size() && h[i] == '+') ++i;
    if (Digits(h, i) > 3) return false;
    if (i < h.size() && IsPhoneSeparator(h[i])) ++i;
    if (i < h.size() && h[i] == '(') {
      ++i;
      std::size_t d = Digits(h, i);
      if (d < 2 || d > 4 || i >= h.size() || h[i] != ')') return false;
      ++i;
      if (i < h.size() && IsPhoneSeparator(h[i])) ++i;
    }
    return i == h.size();
  };
  for (std::size_t block : {std::size_t{3}, std::size_t{4}}) {
    if (n - 5 < block || !AllDigits(s, n - 5 - block, block)) continue;
    if (head_ok(s.substr(0, n - 5 - block))) return true;
  }
  return false;
}

// kEmailRe: one '@', no whitespace, something before it, and after it a '.' with something on
// both sides.
bool MatchEmail(std::string_view s, std::uint16_t classes) {
  if ((classes & (kSpace | kOtherWhitespace)) != 0) return false;
  std::size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) return false;
  std::string_view domain = s.substr(at + 1);
  if (domain.size() < 3) return false;
  return domain.substr(1, domain.size() - 2).find('.') != std::string_view::npos;
}

bool MatchNationalId(std::string_view s) {
  return s.size() == 11 && AllDigits(s, 0, 3) && s[3] == '-' && AllDigits(s, 4, 2) && s[6] == '-' &&
         AllDigits(s, 7, 4);
}

// True if `s` holds the byte `c`, looked for 8 bytes at a time: for the short values of a CSV
// field, calling memchr costs more than the search.
bool HasByte(std::string_view s, char c) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  const std::uint64_t pattern = kOnes * static_cast<unsigned char>(c);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, sizeof word);
    word ^= pattern;  // a zero byte where `c` was
    if (((word - kOnes) & ~word & (kOnes << 7)) != 0) return true;
  }
  for (; i < s.size(); ++i) {
    if (s[i] == c) return true;
  }
  return false;
}

}  // namespace

void ColumnProfile::Add(std::string_view value) {
  if (value.empty()) return;
  ++counts_[kNonNull];
  // Fast paths for the commonest shapes, each with exactly the effect of the general path below:
  // a plain integer is a number and an integer and nothing else; a plain decimal is a number and
  // nothing else unless it has 4 decimals ("123.4567" has a phone number's shape); YYYY-MM-DD is
  // a date if the day exists, and never a text example.
  const std::size_t n = value.size();
  std::size_t i = value[0] == '-' ? 1 : 0;
  const std::size_t integer_start = i;
  const std::size_t integer_digits = Digits(value, i);
  if (integer_digits > 0 && integer_digits <= 15 && (value[integer_start] != '0' || integer_digits == 1)) {
    if (i == n) {
      ++counts_[kNumbers];
      ++counts_[kIntegers];
      return;
    }
    if (value[i] == '.') {
      std::size_t j = i + 1;
      const std::size_t decimals = Digits(value, j);
      if (j == n && decimals > 0 && decimals != 4) {
        ++counts_[kNumbers];
        return;
      }
    }
  }
  if (n == 10 && integer_start == 0 && integer_digits == 4 && value[4] == '-' && MatchDateShape(value)) {
    counts_[kDates] += DateExists(value);
    return;
  }
  // A value starting with a letter is never a number, date, timestamp, phone or national ID.
  if (const char first = value[0]; (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z')) {
    const bool boolean = (n == 4 || n == 5) && MatchBoolean(value);
    counts_[kBooleans] += boolean;
    if (!boolean && examples_[kTextExample].empty()) examples_[kTextExample] = value;
    if (HasByte(value, '@')) counts_[kEmails] += MatchEmail(value, ClassesOf(value));
    return;
  }

  const std::uint16_t classes = ClassesOf(value);

  bool number = false, integer = false;
  if ((classes & ~(kDigit | kMinus | kPlus | kDot | kExp)) == 0 && (classes & kDigit) != 0) {
    number = MatchNumber(value, &integer);
    // Neither shape is a number; a long digit string starting with 0 is both.
    if (!number && MatchLeadingZero(value)) {
      if (counts_[kLeadingZeros]++ == 0) examples_[kLeadingZeroExample] = value;
    }
    if (!number && MatchLongDigits(value)) {
      if (counts_[kLongDigits]++ == 0) examples_[kLongExample] = value;
    }
  }
  counts_[kNumbers] += number;
  counts_[kIntegers] += integer;

  const bool boolean = (value.size() == 4 || value.size() == 5) && MatchBoolean(value);
  counts_[kBooleans] += boolean;
  bool date_shape = false, timestamp_shape = false;
  if ((classes & ~(kDigit | kMinus | kSpace | kLetterT | kColon | kDot)) == 0 && value.size() >= 10) {
    // The shape alone (a day that does not exist included) keeps a value from being a text example.
    date_shape = MatchDateShape(value);
    timestamp_shape = !date_shape && MatchTimestampShape(value);
    counts_[kDates] += date_shape && DateExists(value);
    counts_[kTimestamps] += timestamp_shape && TimestampExists(value);
  }
  if (!number && !boolean && !date_shape && !timestamp_shape && examples_[kTextExample].empty()) {
    examples_[kTextExample] = value;
  }
  if ((classes & ~(kDigit | kPlus | kSpace | kDot | kMinus | kParen)) == 0 && MatchPhone(value)) {
    if (counts_[kPhones]++ == 0) examples_[kPhoneExample] = value;
  }
  if ((classes & kAt) != 0) counts_[kEmails] += MatchEmail(value, classes);
  if (value.size() == 11) counts_[kNationalIds] += MatchNationalId(value);
}

std::string ColumnProfile::Sql(const std::string& c) {
  using engine::QuoteSqlString;
  auto count_if = [&](const std::string& cond) { return fmt::format("count(*) FILTER (WHERE {})", cond); };
  auto match = [&](const char* re) {
    return fmt::format("regexp_full_match({}, {})", c, QuoteSqlString(re));
  };
  std::vector<std::string> parts(kProfileStatCount);
  parts[kNonNull] = fmt::format("count({})", c);
  parts[kIntegers] = count_if(match(kIntegerRe));
  parts[kNumbers] = count_if(match(kNumberRe));
  parts[kBooleans] = count_if(fmt::format("lower({}) IN ('true', 'false')", c));
  parts[kDates] = count_if(fmt::format("{} AND try_cast({} AS DATE) IS NOT NULL", match(kDateRe), c));
  parts[kTimestamps] =
      count_if(fmt::format("{} AND try_cast({} AS TIMESTAMP) IS NOT NULL", match(kTimestampRe), c));
  parts[kLeadingZeros] = count_if(match(kLeadingZeroRe));
  parts[kLongDigits] = count_if(match(kLongDigitsRe));
  parts[kPhones] = count_if(match(kPhoneRe));
  parts[kEmails] = count_if(match(kEmailRe));
  parts[kNationalIds] = count_if(match(kNationalIdRe));
  parts[kTextExample] = fmt::format(
      "any_value({0}) FILTER (WHERE NOT {1} AND lower({0}) NOT IN ('true', 'false') "
      "AND NOT {2} AND NOT {3})",
      c, match(kNumberRe), match(kDateRe), match(kTimestampRe));
  parts[kLeadingZeroExample] = fmt::format("any_value({}) FILTER (WHERE {})", c, match(kLeadingZeroRe));
  parts[kPhoneExample] = fmt::format("any_value({}) FILTER (WHERE {})", c, match(kPhoneRe));
  parts[kLongExample] = fmt::format("any_value({}) FILTER (WHERE {})", c, match(kLongDigitsRe));
  std::string sql;
  for (const auto& p : parts) sql += (sql.empty() ? "" : ", ") + p;
  return sql;
}

ColumnProfile ColumnProfile::FromSqlRow(const engine::DataChunk& chunk, std::size_t first, std::size_t row) {
  ColumnProfile profile;
  for (std::size_t k = 0; k < kProfileStatCount; ++k) {
    auto value = chunk.GetValue(first + k, row);
    if (k >= kTextExample) {
      profile.examples_[k] = value.IsNull() ? "" : std::string(value.AsString().value_or(""));
    } else {
      profile.counts_[k] = value.AsInt64().value_or(0);
    }
  }
  return profile;
}

}  // namespace lakehouse::ingest
