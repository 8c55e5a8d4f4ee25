#include "engine/value_writer.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "engine/wide_integer.h"

namespace lakehouse::engine {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 128-bit number spelled by a UUID's 32 hex digits (hyphens ignored), or nullptr.
OwnedDuckDBValue UuidValue(std::string_view text) {
  duckdb_uhugeint number{0, 0};
  int digits = 0;
  for (char c : text) {
    if (c == '-') continue;
    const int digit = HexDigit(c);
    if (digit < 0 || digits == 32) return nullptr;
    std::uint64_t& half = digits < 16 ? number.upper : number.lower;
    half = (half << 4) | static_cast<std::uint64_t>(digit);
    ++digits;
  }
  if (digits != 32) return nullptr;
  return OwnedDuckDBValue(duckdb_create_uuid(number));
}

// DuckDB's infinity sentinels stay sentinels when a timestamp changes unit.
std::int64_t ScaleDown(std::int64_t count, std::int64_t divisor) {
  constexpr std::int64_t kInfinity = std::numeric_limits<std::int64_t>::max();
  if (count == kInfinity || count == -kInfinity) return count;
  return count / divisor;
}

OwnedDuckDBValue TextValue(std::string_view text) {
  return OwnedDuckDBValue(duckdb_create_varchar_length(text.data(), text.size()));
}

}  // namespace

bool ValueWriter::CanWrite(const Value& value) {
  if (value.IsNull()) return true;
  return !IsNestedType(value.type()) && value.type() != TypeId::kUnsupported &&
         value.type() != TypeId::kInvalid;
}

OwnedDuckDBValue ValueWriter::ToDuckDB(const Value& value) {
  if (!CanWrite(value)) return nullptr;
  if (value.IsNull()) return OwnedDuckDBValue(duckdb_create_null_value());
  const auto int_value = [&] { return value.AsInt64().value_or(0); };
  const auto uint_value = [&] { return value.AsUInt64().value_or(0); };
  const std::string_view text = value.AsString().value_or(std::string_view());
  duckdb_value created = nullptr;
  switch (value.type()) {
    case TypeId::kBoolean: created = duckdb_create_bool(value.AsBool().value_or(false)); break;
    case TypeId::kTinyInt: created = duckdb_create_int8(static_cast<std::int8_t>(int_value())); break;
    case TypeId::kSmallInt: created = duckdb_create_int16(static_cast<std::int16_t>(int_value())); break;
    case TypeId::kInteger: created = duckdb_create_int32(static_cast<std::int32_t>(int_value())); break;
    case TypeId::kBigInt: created = duckdb_create_int64(int_value()); break;
    case TypeId::kUTinyInt: created = duckdb_create_uint8(static_cast<std::uint8_t>(uint_value())); break;
    case TypeId::kUSmallInt: created = duckdb_create_uint16(static_cast<std::uint16_t>(uint_value())); break;
    case TypeId::kUInteger: created = duckdb_create_uint32(static_cast<std::uint32_t>(uint_value())); break;
    case TypeId::kUBigInt: created = duckdb_create_uint64(uint_value()); break;
    case TypeId::kHugeInt: {
      duckdb_hugeint v{0, 0};
      if (!ParseSignedWide(text, &v.upper, &v.lower)) return nullptr;
      created = duckdb_create_hugeint(v);
      break;
    }
    case TypeId::kUHugeInt: {
      duckdb_uhugeint v{0, 0};
      if (!ParseUnsignedWide(text, &v.upper, &v.lower)) return nullptr;
      created = duckdb_create_uhugeint(v);
      break;
    }
    case TypeId::kFloat:
      created = duckdb_create_float(static_cast<float>(value.AsDouble().value_or(0)));
      break;
    case TypeId::kDouble: created = duckdb_create_double(value.AsDouble().value_or(0)); break;
    case TypeId::kDecimal: {
      const Decimal d = value.AsDecimal().value_or(Decimal{});
      created = duckdb_create_decimal(duckdb_decimal{d.width, d.scale, duckdb_hugeint{d.lower, d.upper}});
      break;
    }
    case TypeId::kBlob:
      created = duckdb_create_blob(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
      break;
    case TypeId::kDate:
      created = duckdb_create_date(duckdb_date{static_cast<std::int32_t>(int_value())});
      break;
    case TypeId::kTime: created = duckdb_create_time(duckdb_time{int_value()}); break;
    case TypeId::kTimeNs: created = duckdb_create_time_ns(duckdb_time_ns{int_value()}); break;
    case TypeId::kTimestamp: created = duckdb_create_timestamp(duckdb_timestamp{int_value()}); break;
    case TypeId::kTimestampTz: created = duckdb_create_timestamp_tz(duckdb_timestamp{int_value()}); break;
    case TypeId::kTimestampSec:
      created = duckdb_create_timestamp_s(duckdb_timestamp_s{ScaleDown(int_value(), 1'000'000)});
      break;
    case TypeId::kTimestampMs:
      created = duckdb_create_timestamp_ms(duckdb_timestamp_ms{ScaleDown(int_value(), 1'000)});
      break;
    case TypeId::kTimestampNs: created = duckdb_create_timestamp_ns(duckdb_timestamp_ns{int_value()}); break;
    case TypeId::kInterval: {
      const Interval v = value.AsInterval().value_or(Interval{});
      created = duckdb_create_interval(duckdb_interval{v.months, v.days, v.micros});
      break;
    }
    case TypeId::kUuid: return UuidValue(text);
    case TypeId::kVarchar:
    case TypeId::kEnum:
    case TypeId::kBit:
    case TypeId::kTimeTz: return TextValue(text);
    default: return nullptr;
  }
  return OwnedDuckDBValue(created);
}

}  // namespace lakehouse::engine
