// ColumnTypeInfo: what the engine needs to know about a DuckDB logical type to decode vectors.
//
// Internal to the engine module. Built once per query result from a duckdb_logical_type and then
// read-only, so it is safe to share between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "duckdb.h"
#include "engine/type_id.h"

namespace lakehouse::engine {

struct ColumnTypeInfo {
  TypeId id = TypeId::kInvalid;               //!< our type id
  duckdb_type storage = DUCKDB_TYPE_INVALID;  //!< physical storage of DECIMAL and ENUM values
  std::string sql_name;                       //!< SQL spelling, e.g. "DECIMAL(15,2)", "INTEGER[]"
  std::uint8_t width = 0;                     //!< DECIMAL width
  std::uint8_t scale = 0;                     //!< DECIMAL scale
  std::uint64_t array_size = 0;               //!< ARRAY length
  std::vector<std::string> enum_values;       //!< ENUM dictionary, by index
  std::vector<std::string> child_names;       //!< STRUCT field and UNION member names
  //! Element type (LIST, ARRAY), key and value (MAP), fields (STRUCT) or members (UNION).
  std::vector<ColumnTypeInfo> children;

  //! Describes `type`; the caller keeps ownership of `type`. `keywords` are DuckDB's SQL
  //! keywords, which are quoted where they name STRUCT fields and UNION members in sql_name.
  static ColumnTypeInfo FromLogicalType(duckdb_logical_type type,
                                        const std::set<std::string, std::less<>>& keywords);

  //! The first type in this tree whose values the engine cannot decode, or nullptr.
  const ColumnTypeInfo* FindUnsupported() const;
};

}  // namespace lakehouse::engine
