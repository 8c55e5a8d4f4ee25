// VectorReader: decodes single values from DuckDB vectors into engine Values.
//
// Internal to the engine module. Stateless; safe to call from any thread on vectors that are not
// being modified.
#pragma once

#include "duckdb.h"
#include "engine/column_type_info.h"
#include "engine/value.h"

namespace lakehouse::engine {

class VectorReader {
 public:
  //! True if `row` of `vector` is NULL.
  static bool IsNull(duckdb_vector vector, idx_t row);

  //! The value at `row` of `vector`, whose type `info` describes. Nested values come back as
  //! DuckDB's VARCHAR rendering; a type the engine cannot decode gives a NULL of that type.
  static Value Read(duckdb_vector vector, const ColumnTypeInfo& info, idx_t row);

 private:
  static Value ReadScalar(duckdb_vector vector, const ColumnTypeInfo& info, idx_t row);
  //! The text of a LIST, ARRAY, STRUCT, MAP or UNION value that is not NULL.
  static std::string RenderNested(duckdb_vector vector, const ColumnTypeInfo& info, idx_t row);
  //! An element inside a nested value: "NULL", nested text, or scalar text quoted where DuckDB
  //! would quote it.
  static std::string RenderElement(duckdb_vector vector, const ColumnTypeInfo& info, idx_t row);
};

}  // namespace lakehouse::engine
