#include "engine/value.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <system_error>

#include "engine/wide_integer.h"

namespace lakehouse::engine {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
constexpr std::int64_t kNanosPerDay = kMicrosPerDay * 1000;

// DuckDB marks infinite dates and timestamps with the extreme integers of their storage type.
constexpr std::int64_t kDateInfinity = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kTimestampInfinity = std::numeric_limits<std::int64_t>::max();

bool IsSignedInteger(TypeId t) {
  return t == TypeId::kTinyInt || t == TypeId::kSmallInt || t == TypeId::kInteger || t == TypeId::kBigInt;
}

bool IsUnsignedInteger(TypeId t) {
  return t == TypeId::kUTinyInt || t == TypeId::kUSmallInt || t == TypeId::kUInteger || t == TypeId::kUBigInt;
}

bool IsWideInteger(TypeId t) { return t == TypeId::kHugeInt || t == TypeId::kUHugeInt; }

// The integer spelled by a HUGEINT's digits, if it fits in Int.
template <typename Int>
std::optional<Int> ParseInteger(const Value::Payload& payload) {
  const auto* digits = std::get_if<std::string>(&payload);
  if (digits == nullptr) return std::nullopt;
  Int parsed = 0;
  const auto [end, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), parsed);
  if (ec != std::errc() || end != digits->data() + digits->size()) return std::nullopt;
  return parsed;
}

[[maybe_unused]] bool IsTemporal(TypeId t) {
  switch (t) {
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimeNs:
    case TypeId::kTimestamp:
    case TypeId::kTimestampSec:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampNs:
    case TypeId::kTimestampTz: return true;
    default: return false;
  }
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void AppendPadded(std::string* out, std::int64_t value, int width) {
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width)
    out->append(static_cast<std::size_t>(width) - digits.size(), '0');
  *out += digits;
}

// Fraction digits as DuckDB prints them: fixed width, trailing zeros dropped, nothing when zero.
void AppendFraction(std::string* out, std::int64_t fraction, int width) {
  if (fraction == 0) return;
  std::string digits;
  AppendPadded(&digits, fraction, width);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  *out += '.';
  *out += digits;
}

// Gregorian calendar from days since 1970-01-01 (proleptic, astronomical year numbering).
struct CivilDate {
  std::int64_t year;
  int month;
  int day;
};

CivilDate CivilFromDays(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = FloorDiv(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// "2024-03-01"; years before 1 print as DuckDB does, "0045-03-15 (BC)" for 44 BC.
std::string FormatDate(std::int64_t days) {
  if (days >= kDateInfinity) return "infinity";
  if (days <= -kDateInfinity) return "-infinity";
  const CivilDate date = CivilFromDays(days);
  const bool bc = date.year <= 0;
  std::string out;
  AppendPadded(&out, bc ? 1 - date.year : date.year, 4);
  out += '-';
  AppendPadded(&out, date.month, 2);
  out += '-';
  AppendPadded(&out, date.day, 2);
  if (bc) out += " (BC)";
  return out;
}

// "HH:MM:SS[.fraction]" from a count of `units_per_second` since midnight.
std::string FormatTimeOfDay(std::int64_t count, std::int64_t units_per_second, int fraction_digits) {
  const std::int64_t seconds = count / units_per_second;
  std::string out;
  AppendPadded(&out, seconds / 3600, 2);
  out += ':';
  AppendPadded(&out, seconds / 60 % 60, 2);
  out += ':';
  AppendPadded(&out, seconds % 60, 2);
  AppendFraction(&out, count % units_per_second, fraction_digits);
  return out;
}

std::string FormatTimestamp(std::int64_t count, std::int64_t units_per_day, std::int64_t units_per_second,
                            int fraction_digits) {
  if (count == kTimestampInfinity) return "infinity";
  if (count == -kTimestampInfinity) return "-infinity";
  const std::int64_t days = FloorDiv(count, units_per_day);
  return FormatDate(days) + " " +
         FormatTimeOfDay(count - days * units_per_day, units_per_second, fraction_digits);
}

// Shortest round-trip digits, laid out like DuckDB (and Python's repr): positional notation with
// at least one fraction digit for decimal exponents in [-4, 16), scientific otherwise.
template <typename Float>
std::string FormatFloating(Float v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::scientific);
  if (ec != std::errc()) return "nan";
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  const std::size_t e_pos = text.find('e');
  const bool negative = text.front() == '-';
  std::string digits;
  for (char c : text.substr(negative ? 1 : 0, e_pos - (negative ? 1 : 0))) {
    if (c != '.') digits += c;
  }
  const int exponent = std::atoi(std::string(text.substr(e_pos + 1)).c_str());
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
    } else {
      const auto int_digits = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= int_digits) {
        out += digits;
        out.append(int_digits - digits.size(), '0');
        out += ".0";
      } else {
        out += digits.substr(0, int_digits);
        out += '.';
        out += digits.substr(int_digits);
      }
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  out += exponent < 0 ? "e-" : "e+";
  AppendPadded(&out, std::abs(exponent), 2);
  return out;
}

// Printable ASCII stays itself; every other byte (and the characters DuckDB escapes) is \xHH.
std::string FormatBlob(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 32 && byte <= 126 && byte != '\\' && byte != '\'' && byte != '"') {
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

void AppendIntervalPart(std::string* out, std::int64_t count, std::string_view unit) {
  if (count == 0) return;
  if (!out->empty()) *out += ' ';
  *out += std::to_string(count);
  *out += ' ';
  *out += unit;
  if (count != 1 && count != -1) *out += 's';
}

}  // namespace

// ---- Decimal ----

Decimal Decimal::FromUnscaled(std::int64_t unscaled, std::uint8_t width, std::uint8_t scale) {
  Decimal d;
  d.width = width;
  d.scale = scale;
  d.upper = unscaled < 0 ? -1 : 0;
  d.lower = static_cast<std::uint64_t>(unscaled);
  return d;
}

std::optional<std::int64_t> Decimal::Unscaled64() const {
  const auto low = static_cast<std::int64_t>(lower);
  // The value fits when the upper half is the sign extension of the lower half.
  if ((upper == 0 && low >= 0) || (upper == -1 && low < 0)) return low;
  return std::nullopt;
}

std::string Decimal::ToString() const { return SignedWideToDecimalString(upper, lower, scale); }

double Decimal::ToDouble() const { return SignedWideToDouble(upper, lower) / std::pow(10.0, scale); }

// ---- Interval ----

std::string Interval::ToString() const {
  std::string out;
  AppendIntervalPart(&out, months / 12, "year");
  AppendIntervalPart(&out, months % 12, "month");
  AppendIntervalPart(&out, days, "day");
  if (micros != 0) {
    if (!out.empty()) out += ' ';
    // Negating INT64_MIN would overflow; its magnitude is taken in unsigned arithmetic.
    const std::uint64_t magnitude =
        micros < 0 ? ~static_cast<std::uint64_t>(micros) + 1 : static_cast<std::uint64_t>(micros);
    if (micros < 0) out += '-';
    const std::uint64_t total_seconds = magnitude / kMicrosPerSecond;
    AppendPadded(&out, static_cast<std::int64_t>(total_seconds / 3600), 2);
    out += ':';
    AppendPadded(&out, static_cast<std::int64_t>(total_seconds / 60 % 60), 2);
    out += ':';
    AppendPadded(&out, static_cast<std::int64_t>(total_seconds % 60), 2);
    AppendFraction(&out, static_cast<std::int64_t>(magnitude % kMicrosPerSecond), 6);
  }
  if (out.empty()) out = "00:00:00";
  return out;
}

// ---- Value construction ----

Value Value::Null(TypeId type) { return {type, std::monostate{}}; }
Value Value::Boolean(bool v) { return {TypeId::kBoolean, v}; }

Value Value::Integer(std::int64_t v, TypeId type) {
  assert(IsSignedInteger(type));
  return {type, v};
}

Value Value::Unsigned(std::uint64_t v, TypeId type) {
  assert(IsUnsignedInteger(type));
  return {type, v};
}

Value Value::Float(float v) { return {TypeId::kFloat, static_cast<double>(v)}; }
Value Value::Double(double v) { return {TypeId::kDouble, v}; }
Value Value::FromDecimal(const Decimal& v) { return {TypeId::kDecimal, v}; }
Value Value::FromInterval(const Interval& v) { return {TypeId::kInterval, v}; }
Value Value::Varchar(std::string v) { return {TypeId::kVarchar, std::move(v)}; }
Value Value::Blob(std::string bytes) { return {TypeId::kBlob, std::move(bytes)}; }
Value Value::Date(std::int32_t days_since_epoch) { return {TypeId::kDate, std::int64_t{days_since_epoch}}; }
Value Value::Time(std::int64_t micros_since_midnight) { return {TypeId::kTime, micros_since_midnight}; }
Value Value::Timestamp(std::int64_t micros_since_epoch) { return {TypeId::kTimestamp, micros_since_epoch}; }
Value Value::TimestampTz(std::int64_t micros_since_epoch) {
  return {TypeId::kTimestampTz, micros_since_epoch};
}
Value Value::Uuid(std::string text) { return {TypeId::kUuid, std::move(text)}; }

Value Value::Temporal(TypeId type, std::int64_t count) {
  assert(IsTemporal(type));
  return {type, count};
}

Value Value::Text(TypeId type, std::string text) {
  assert(IsNestedType(type) || IsWideInteger(type) || type == TypeId::kVarchar || type == TypeId::kBlob ||
         type == TypeId::kUuid || type == TypeId::kEnum || type == TypeId::kBit || type == TypeId::kTimeTz);
  return {type, std::move(text)};
}

// ---- Value access ----

std::optional<bool> Value::AsBool() const {
  if (const bool* v = std::get_if<bool>(&payload_)) return *v;
  return std::nullopt;
}

std::optional<std::int64_t> Value::AsInt64() const {
  if (const auto* v = std::get_if<std::int64_t>(&payload_)) return *v;
  if (const auto* v = std::get_if<std::uint64_t>(&payload_)) {
    if (*v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(*v);
  }
  if (IsWideInteger(type_)) return ParseInteger<std::int64_t>(payload_);
  return std::nullopt;
}

std::optional<std::uint64_t> Value::AsUInt64() const {
  if (const auto* v = std::get_if<std::uint64_t>(&payload_)) return *v;
  if (IsSignedInteger(type_)) {
    if (const auto* v = std::get_if<std::int64_t>(&payload_); v != nullptr && *v >= 0) {
      return static_cast<std::uint64_t>(*v);
    }
  }
  if (IsWideInteger(type_)) return ParseInteger<std::uint64_t>(payload_);
  return std::nullopt;
}

std::optional<double> Value::AsDouble() const {
  if (const auto* v = std::get_if<double>(&payload_)) return *v;
  if (const auto* v = std::get_if<Decimal>(&payload_)) return v->ToDouble();
  if (IsSignedInteger(type_)) return static_cast<double>(std::get<std::int64_t>(payload_));
  if (IsUnsignedInteger(type_)) return static_cast<double>(std::get<std::uint64_t>(payload_));
  if (IsWideInteger(type_)) {
    if (const auto* v = std::get_if<std::string>(&payload_)) return std::strtod(v->c_str(), nullptr);
  }
  return std::nullopt;
}

std::optional<std::string_view> Value::AsString() const {
  if (const auto* v = std::get_if<std::string>(&payload_)) return std::string_view(*v);
  return std::nullopt;
}

std::optional<Decimal> Value::AsDecimal() const {
  if (const auto* v = std::get_if<Decimal>(&payload_)) return *v;
  return std::nullopt;
}

std::optional<Interval> Value::AsInterval() const {
  if (const auto* v = std::get_if<Interval>(&payload_)) return *v;
  return std::nullopt;
}

std::string Value::ToString() const {
  if (IsNull()) return "NULL";
  switch (type_) {
    case TypeId::kBoolean: return std::get<bool>(payload_) ? "true" : "false";
    case TypeId::kFloat: return FormatFloating(static_cast<float>(std::get<double>(payload_)));
    case TypeId::kDouble: return FormatFloating(std::get<double>(payload_));
    case TypeId::kDecimal: return std::get<Decimal>(payload_).ToString();
    case TypeId::kInterval: return std::get<Interval>(payload_).ToString();
    case TypeId::kBlob: return FormatBlob(std::get<std::string>(payload_));
    case TypeId::kDate: return FormatDate(std::get<std::int64_t>(payload_));
    case TypeId::kTime: return FormatTimeOfDay(std::get<std::int64_t>(payload_), kMicrosPerSecond, 6);
    case TypeId::kTimeNs:
      return FormatTimeOfDay(std::get<std::int64_t>(payload_), kMicrosPerSecond * 1000, 9);
    case TypeId::kTimestamp:
    case TypeId::kTimestampSec:
    case TypeId::kTimestampMs:
      return FormatTimestamp(std::get<std::int64_t>(payload_), kMicrosPerDay, kMicrosPerSecond, 6);
    case TypeId::kTimestampTz: {
      const std::int64_t micros = std::get<std::int64_t>(payload_);
      std::string out = FormatTimestamp(micros, kMicrosPerDay, kMicrosPerSecond, 6);
      if (micros != kTimestampInfinity && micros != -kTimestampInfinity) out += "+00";
      return out;
    }
    case TypeId::kTimestampNs:
      return FormatTimestamp(std::get<std::int64_t>(payload_), kNanosPerDay, kMicrosPerSecond * 1000, 9);
    default: break;
  }
  if (const auto* v = std::get_if<std::int64_t>(&payload_)) return std::to_string(*v);
  if (const auto* v = std::get_if<std::uint64_t>(&payload_)) return std::to_string(*v);
  if (const auto* v = std::get_if<std::string>(&payload_)) return *v;
  if (const auto* v = std::get_if<double>(&payload_)) return FormatFloating(*v);
  return "NULL";
}

}  // namespace lakehouse::engine
