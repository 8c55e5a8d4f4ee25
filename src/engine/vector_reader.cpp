#include "engine/vector_reader.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "engine/wide_integer.h"

namespace lakehouse::engine {
namespace {

template <typename T>
T Load(duckdb_vector vector, idx_t row) {
  return static_cast<const T*>(duckdb_vector_get_data(vector))[row];
}

std::string_view LoadString(duckdb_vector vector, idx_t row) {
  auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
  return {duckdb_string_t_data(&strings[row]), duckdb_string_t_length(strings[row])};
}

// DuckDB's "infinity" sentinels survive unit conversion unchanged.
std::int64_t ScaleTimestamp(std::int64_t count, std::int64_t factor) {
  constexpr std::int64_t kInfinity = std::numeric_limits<std::int64_t>::max();
  if (count == kInfinity || count == -kInfinity) return count;
  return count * factor;
}

// DuckDB stores a UUID as a HUGEINT with the top bit flipped, so that UUIDs sort like their text.
std::string UuidText(duckdb_hugeint value) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::uint64_t halves[2] = {static_cast<std::uint64_t>(value.upper) ^ (std::uint64_t{1} << 63),
                                   value.lower};
  std::string hex;
  for (std::uint64_t half : halves) {
    for (int shift = 60; shift >= 0; shift -= 4) hex += kHex[(half >> shift) & 0xF];
  }
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

// BIT data: the first byte counts the padding bits that precede the value in the second byte.
std::string BitText(std::string_view data) {
  std::string bits;
  if (data.empty()) return bits;
  const auto padding = static_cast<unsigned char>(data[0]);
  std::size_t skip = padding;
  for (std::size_t i = 1; i < data.size(); ++i) {
    const auto byte = static_cast<unsigned char>(data[i]);
    for (int bit = 7; bit >= 0; --bit) {
      if (skip > 0) {
        --skip;
        continue;
      }
      bits += ((byte >> bit) & 1) != 0 ? '1' : '0';
    }
  }
  return bits;
}

std::string TwoDigits(int value) {
  return std::string(1, static_cast<char>('0' + value / 10)) + static_cast<char>('0' + value % 10);
}

std::string TimeTzText(std::uint64_t bits) {
  const duckdb_time_tz_struct parts = duckdb_from_time_tz(duckdb_time_tz{bits});
  const std::int64_t micros =
      ((std::int64_t{parts.time.hour} * 60 + parts.time.min) * 60 + parts.time.sec) * 1'000'000 +
      parts.time.micros;
  std::string out = Value::Time(micros).ToString();
  const int offset = parts.offset < 0 ? -parts.offset : parts.offset;
  out += parts.offset < 0 ? '-' : '+';
  out += TwoDigits(offset / 3600);
  if (offset % 3600 != 0) out += ":" + TwoDigits(offset / 60 % 60);
  if (offset % 60 != 0) out += ":" + TwoDigits(offset % 60);
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

bool IsEqualIgnoringCase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Inside nested values DuckDB quotes a scalar's text when it could not be read back unambiguously:
// empty, padded with spaces, spelled like NULL, or containing one of the delimiters.
bool NeedsQuotes(std::string_view text) {
  if (text.empty() || IsSpace(text.front()) || (text.size() >= 2 && IsSpace(text.back()))) return true;
  if (IsEqualIgnoringCase(text, "null")) return true;
  return text.find_first_of("\"'(),:=[]{}") != std::string_view::npos;
}

std::string Quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace

bool VectorReader::IsNull(duckdb_vector vector, idx_t row) {
  const std::uint64_t* validity = duckdb_vector_get_validity(vector);
  return validity != nullptr && ((validity[row / 64] >> (row % 64)) & 1) == 0;
}

Value VectorReader::Read(duckdb_vector vector, const ColumnTypeInfo& info, idx_t row) {
  if (IsNull(vector, row)) return Value::Null(info.id);
  if (IsNestedType(info.id)) return Value::Text(info.id, RenderNested(vector, info, row));
  return ReadScalar(vector, info, row);
}

Value VectorReader::ReadScalar(duckdb_vector vector, const ColumnTypeInfo& info, idx_t row) {
  switch (info.id) {
    case TypeId::kSqlNull: return Value::Null();
    case TypeId::kBoolean: return Value::Boolean(Load<bool>(vector, row));
    case TypeId::kTinyInt: return Value::Integer(Load<std::int8_t>(vector, row), info.id);
    case TypeId::kSmallInt: return Value::Integer(Load<std::int16_t>(vector, row), info.id);
    case TypeId::kInteger: return Value::Integer(Load<std::int32_t>(vector, row), info.id);
    case TypeId::kBigInt: return Value::Integer(Load<std::int64_t>(vector, row), info.id);
    case TypeId::kUTinyInt: return Value::Unsigned(Load<std::uint8_t>(vector, row), info.id);
    case TypeId::kUSmallInt: return Value::Unsigned(Load<std::uint16_t>(vector, row), info.id);
    case TypeId::kUInteger: return Value::Unsigned(Load<std::uint32_t>(vector, row), info.id);
    case TypeId::kUBigInt: return Value::Unsigned(Load<std::uint64_t>(vector, row), info.id);
    case TypeId::kHugeInt: {
      const auto v = Load<duckdb_hugeint>(vector, row);
      return Value::Text(info.id, SignedWideToString(v.upper, v.lower));
    }
    case TypeId::kUHugeInt: {
      const auto v = Load<duckdb_uhugeint>(vector, row);
      return Value::Text(info.id, UnsignedWideToString(v.upper, v.lower));
    }
    case TypeId::kFloat: return Value::Float(Load<float>(vector, row));
    case TypeId::kDouble: return Value::Double(Load<double>(vector, row));
    case TypeId::kDecimal: {
      Decimal d;
      switch (info.storage) {
        case DUCKDB_TYPE_SMALLINT:
          d = Decimal::FromUnscaled(Load<std::int16_t>(vector, row), info.width, info.scale);
          break;
        case DUCKDB_TYPE_INTEGER:
          d = Decimal::FromUnscaled(Load<std::int32_t>(vector, row), info.width, info.scale);
          break;
        case DUCKDB_TYPE_BIGINT:
          d = Decimal::FromUnscaled(Load<std::int64_t>(vector, row), info.width, info.scale);
          break;
        default: {
          const auto v = Load<duckdb_hugeint>(vector, row);
          d.width = info.width;
          d.scale = info.scale;
          d.upper = v.upper;
          d.lower = v.lower;
          break;
        }
      }
      return Value::FromDecimal(d);
    }
    case TypeId::kVarchar: return Value::Varchar(std::string(LoadString(vector, row)));
    case TypeId::kBlob: return Value::Blob(std::string(LoadString(vector, row)));
    case TypeId::kBit: return Value::Text(info.id, BitText(LoadString(vector, row)));
    case TypeId::kDate: return Value::Date(Load<duckdb_date>(vector, row).days);
    case TypeId::kTime: return Value::Temporal(info.id, Load<duckdb_time>(vector, row).micros);
    case TypeId::kTimeNs: return Value::Temporal(info.id, Load<duckdb_time_ns>(vector, row).nanos);
    case TypeId::kTimeTz: return Value::Text(info.id, TimeTzText(Load<duckdb_time_tz>(vector, row).bits));
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: return Value::Temporal(info.id, Load<duckdb_timestamp>(vector, row).micros);
    case TypeId::kTimestampSec:
      return Value::Temporal(info.id,
                             ScaleTimestamp(Load<duckdb_timestamp_s>(vector, row).seconds, 1'000'000));
    case TypeId::kTimestampMs:
      return Value::Temporal(info.id, ScaleTimestamp(Load<duckdb_timestamp_ms>(vector, row).millis, 1'000));
    case TypeId::kTimestampNs: return Value::Temporal(info.id, Load<duckdb_timestamp_ns>(vector, row).nanos);
    case TypeId::kInterval: {
      const auto v = Load<duckdb_interval>(vector, row);
      return Value::FromInterval(Interval{v.months, v.days, v.micros});
    }
    case TypeId::kUuid: return Value::Uuid(UuidText(Load<duckdb_hugeint>(vector, row)));
    case TypeId::kEnum: {
      std::uint64_t index = 0;
      switch (info.storage) {
        case DUCKDB_TYPE_UTINYINT: index = Load<std::uint8_t>(vector, row); break;
        case DUCKDB_TYPE_USMALLINT: index = Load<std::uint16_t>(vector, row); break;
        default: index = Load<std::uint32_t>(vector, row); break;
      }
      if (index >= info.enum_values.size()) return Value::Null(info.id);
      return Value::Text(info.id, info.enum_values[index]);
    }
    default: return Value::Null(info.id);
  }
}

std::string VectorReader::RenderElement(duckdb_vector vector, const ColumnTypeInfo& info, idx_t row) {
  if (IsNull(vector, row)) return "NULL";
  // DuckDB prints a UNION inside a nested value without quotes, like a nested value.
  if (IsNestedType(info.id)) return RenderNested(vector, info, row);
  std::string text = ReadScalar(vector, info, row).ToString();
  return NeedsQuotes(text) ? Quote(text) : text;
}

std::string VectorReader::RenderNested(duckdb_vector vector, const ColumnTypeInfo& info, idx_t row) {
  std::string out;
  switch (info.id) {
    case TypeId::kList: {
      const auto entry = Load<duckdb_list_entry>(vector, row);
      duckdb_vector child = duckdb_list_vector_get_child(vector);
      out = "[";
      for (idx_t i = 0; i < entry.length; ++i) {
        if (i > 0) out += ", ";
        out += RenderElement(child, info.children[0], entry.offset + i);
      }
      out += "]";
      break;
    }
    case TypeId::kArray: {
      duckdb_vector child = duckdb_array_vector_get_child(vector);
      out = "[";
      for (idx_t i = 0; i < info.array_size; ++i) {
        if (i > 0) out += ", ";
        out += RenderElement(child, info.children[0], row * info.array_size + i);
      }
      out += "]";
      break;
    }
    case TypeId::kMap: {
      // A MAP is a LIST of STRUCT(key, value).
      const auto entry = Load<duckdb_list_entry>(vector, row);
      duckdb_vector entries = duckdb_list_vector_get_child(vector);
      duckdb_vector keys = duckdb_struct_vector_get_child(entries, 0);
      duckdb_vector values = duckdb_struct_vector_get_child(entries, 1);
      out = "{";
      for (idx_t i = 0; i < entry.length; ++i) {
        if (i > 0) out += ", ";
        out += RenderElement(keys, info.children[0], entry.offset + i);
        out += "=";
        out += RenderElement(values, info.children[1], entry.offset + i);
      }
      out += "}";
      break;
    }
    case TypeId::kStruct: {
      bool unnamed = true;
      for (const std::string& name : info.child_names) unnamed = unnamed && name.empty();
      out = unnamed && !info.children.empty() ? "(" : "{";
      for (idx_t i = 0; i < info.children.size(); ++i) {
        if (i > 0) out += ", ";
        if (!unnamed) out += Quote(info.child_names[i]) + ": ";
        out += RenderElement(duckdb_struct_vector_get_child(vector, i), info.children[i], row);
      }
      out += unnamed && !info.children.empty() ? ")" : "}";
      break;
    }
    case TypeId::kUnion: {
      // Member 0 of the physical struct is the tag naming the member that holds the value.
      const auto tag = Load<std::uint8_t>(duckdb_struct_vector_get_child(vector, 0), row);
      if (tag >= info.children.size()) return "NULL";
      duckdb_vector member = duckdb_struct_vector_get_child(vector, idx_t{tag} + 1);
      const ColumnTypeInfo& member_info = info.children[tag];
      if (IsNull(member, row)) return "NULL";
      out = IsNestedType(member_info.id) ? RenderNested(member, member_info, row)
                                         : ReadScalar(member, member_info, row).ToString();
      break;
    }
    default: out = ReadScalar(vector, info, row).ToString(); break;
  }
  return out;
}

}  // namespace lakehouse::engine
