#include "engine/column_type_info.h"

#include <string_view>

#include "engine/duckdb_handles.h"
#include "engine/sql_text.h"

namespace lakehouse::engine {
namespace {

TypeId FromDuckDBType(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN: return TypeId::kBoolean;
    case DUCKDB_TYPE_TINYINT: return TypeId::kTinyInt;
    case DUCKDB_TYPE_SMALLINT: return TypeId::kSmallInt;
    case DUCKDB_TYPE_INTEGER: return TypeId::kInteger;
    case DUCKDB_TYPE_BIGINT: return TypeId::kBigInt;
    case DUCKDB_TYPE_UTINYINT: return TypeId::kUTinyInt;
    case DUCKDB_TYPE_USMALLINT: return TypeId::kUSmallInt;
    case DUCKDB_TYPE_UINTEGER: return TypeId::kUInteger;
    case DUCKDB_TYPE_UBIGINT: return TypeId::kUBigInt;
    case DUCKDB_TYPE_HUGEINT: return TypeId::kHugeInt;
    case DUCKDB_TYPE_UHUGEINT: return TypeId::kUHugeInt;
    case DUCKDB_TYPE_FLOAT: return TypeId::kFloat;
    case DUCKDB_TYPE_DOUBLE: return TypeId::kDouble;
    case DUCKDB_TYPE_DECIMAL: return TypeId::kDecimal;
    case DUCKDB_TYPE_VARCHAR: return TypeId::kVarchar;
    case DUCKDB_TYPE_BLOB: return TypeId::kBlob;
    case DUCKDB_TYPE_BIT: return TypeId::kBit;
    case DUCKDB_TYPE_DATE: return TypeId::kDate;
    case DUCKDB_TYPE_TIME: return TypeId::kTime;
    case DUCKDB_TYPE_TIME_NS: return TypeId::kTimeNs;
    case DUCKDB_TYPE_TIME_TZ: return TypeId::kTimeTz;
    case DUCKDB_TYPE_TIMESTAMP: return TypeId::kTimestamp;
    case DUCKDB_TYPE_TIMESTAMP_S: return TypeId::kTimestampSec;
    case DUCKDB_TYPE_TIMESTAMP_MS: return TypeId::kTimestampMs;
    case DUCKDB_TYPE_TIMESTAMP_NS: return TypeId::kTimestampNs;
    case DUCKDB_TYPE_TIMESTAMP_TZ: return TypeId::kTimestampTz;
    case DUCKDB_TYPE_INTERVAL: return TypeId::kInterval;
    case DUCKDB_TYPE_UUID: return TypeId::kUuid;
    case DUCKDB_TYPE_ENUM: return TypeId::kEnum;
    case DUCKDB_TYPE_LIST: return TypeId::kList;
    case DUCKDB_TYPE_ARRAY: return TypeId::kArray;
    case DUCKDB_TYPE_STRUCT: return TypeId::kStruct;
    case DUCKDB_TYPE_MAP: return TypeId::kMap;
    case DUCKDB_TYPE_UNION: return TypeId::kUnion;
    case DUCKDB_TYPE_SQLNULL: return TypeId::kSqlNull;
    default: return TypeId::kUnsupported;
  }
}

// DuckDB's spelling of the types the engine cannot decode, for error messages.
std::string_view UnsupportedTypeName(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BIGNUM: return "BIGNUM";
    case DUCKDB_TYPE_GEOMETRY: return "GEOMETRY";
    case DUCKDB_TYPE_VARIANT: return "VARIANT";
    case DUCKDB_TYPE_ANY: return "ANY";
    default: return "UNKNOWN";
  }
}

using KeywordSet = std::set<std::string, std::less<>>;

bool IsPlainIdentifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

// Field names print bare when they are plain identifiers that are not keywords, as DuckDB does.
std::string QuoteFieldName(std::string_view name, const KeywordSet& keywords) {
  if (IsPlainIdentifier(name) && keywords.find(name) == keywords.end()) return std::string(name);
  return QuoteSqlIdentifier(name);
}

// "a INTEGER, b VARCHAR"; fields of an unnamed struct (from row(...)) have no names.
std::string JoinFields(const ColumnTypeInfo& info, const KeywordSet& keywords) {
  std::string out;
  for (std::size_t i = 0; i < info.children.size(); ++i) {
    if (i > 0) out += ", ";
    if (!info.child_names[i].empty()) out += QuoteFieldName(info.child_names[i], keywords) + " ";
    out += info.children[i].sql_name;
  }
  return out;
}

}  // namespace

ColumnTypeInfo ColumnTypeInfo::FromLogicalType(duckdb_logical_type type, const KeywordSet& keywords) {
  ColumnTypeInfo info;
  const duckdb_type duck_type = duckdb_get_type_id(type);
  info.id = FromDuckDBType(duck_type);
  switch (info.id) {
    case TypeId::kDecimal:
      info.width = duckdb_decimal_width(type);
      info.scale = duckdb_decimal_scale(type);
      info.storage = duckdb_decimal_internal_type(type);
      info.sql_name = "DECIMAL(" + std::to_string(info.width) + "," + std::to_string(info.scale) + ")";
      break;
    case TypeId::kEnum: {
      info.storage = duckdb_enum_internal_type(type);
      const std::uint32_t size = duckdb_enum_dictionary_size(type);
      info.enum_values.reserve(size);
      std::string name = "ENUM(";
      for (std::uint32_t i = 0; i < size; ++i) {
        info.enum_values.push_back(TakeDuckDBString(duckdb_enum_dictionary_value(type, i)));
        if (i > 0) name += ", ";
        name += QuoteSqlString(info.enum_values.back());
      }
      info.sql_name = name + ")";
      break;
    }
    case TypeId::kList: {
      const OwnedLogicalType child(duckdb_list_type_child_type(type));
      info.children.push_back(FromLogicalType(child.get(), keywords));
      info.sql_name = info.children[0].sql_name + "[]";
      break;
    }
    case TypeId::kArray: {
      const OwnedLogicalType child(duckdb_array_type_child_type(type));
      info.array_size = duckdb_array_type_array_size(type);
      info.children.push_back(FromLogicalType(child.get(), keywords));
      info.sql_name = info.children[0].sql_name + "[" + std::to_string(info.array_size) + "]";
      break;
    }
    case TypeId::kMap: {
      const OwnedLogicalType key(duckdb_map_type_key_type(type));
      const OwnedLogicalType value(duckdb_map_type_value_type(type));
      info.children.push_back(FromLogicalType(key.get(), keywords));
      info.children.push_back(FromLogicalType(value.get(), keywords));
      info.sql_name = "MAP(" + info.children[0].sql_name + ", " + info.children[1].sql_name + ")";
      break;
    }
    case TypeId::kStruct: {
      const idx_t count = duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < count; ++i) {
        const OwnedLogicalType child(duckdb_struct_type_child_type(type, i));
        info.child_names.push_back(TakeDuckDBString(duckdb_struct_type_child_name(type, i)));
        info.children.push_back(FromLogicalType(child.get(), keywords));
      }
      info.sql_name = "STRUCT(" + JoinFields(info, keywords) + ")";
      break;
    }
    case TypeId::kUnion: {
      const idx_t count = duckdb_union_type_member_count(type);
      for (idx_t i = 0; i < count; ++i) {
        const OwnedLogicalType member(duckdb_union_type_member_type(type, i));
        info.child_names.push_back(TakeDuckDBString(duckdb_union_type_member_name(type, i)));
        info.children.push_back(FromLogicalType(member.get(), keywords));
      }
      info.sql_name = "UNION(" + JoinFields(info, keywords) + ")";
      break;
    }
    case TypeId::kUnsupported: info.sql_name = std::string(UnsupportedTypeName(duck_type)); break;
    default: info.sql_name = std::string(TypeIdName(info.id)); break;
  }
  // Aliased types (JSON is a VARCHAR underneath) keep the name users wrote.
  std::string alias = TakeDuckDBString(duckdb_logical_type_get_alias(type));
  if (!alias.empty()) info.sql_name = std::move(alias);
  return info;
}

const ColumnTypeInfo* ColumnTypeInfo::FindUnsupported() const {
  if (id == TypeId::kUnsupported || id == TypeId::kInvalid) return this;
  for (const ColumnTypeInfo& child : children) {
    if (const ColumnTypeInfo* found = child.FindUnsupported()) return found;
  }
  return nullptr;
}

}  // namespace lakehouse::engine
