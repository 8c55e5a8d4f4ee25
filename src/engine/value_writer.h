// ValueWriter: turns engine Values into DuckDB values, for binding parameters and appending.
//
// Internal to the engine module. Stateless; safe from any thread.
#pragma once

#include "engine/duckdb_handles.h"
#include "engine/value.h"

namespace lakehouse::engine {

class ValueWriter {
 public:
  //! True if values of `type` can be sent to DuckDB: every scalar type. Nested values (whose
  //! payload is only their text) cannot; a NULL of any type can.
  static bool CanWrite(const Value& value);

  //! A DuckDB value of the same type and content; nullptr if !CanWrite(value) or the payload is
  //! malformed (e.g. HUGEINT digits out of range). BIT and TIME WITH TIME ZONE values are sent as
  //! their text, which DuckDB casts to the target type.
  static OwnedDuckDBValue ToDuckDB(const Value& value);
};

}  // namespace lakehouse::engine
