// DataChunk::Impl: a fetched DuckDB chunk plus what is needed to decode it.
//
// Internal to the engine module.
#pragma once

#include <memory>
#include <vector>

#include "duckdb.h"
#include "engine/column_type_info.h"
#include "engine/data_chunk.h"
#include "engine/duckdb_handles.h"

namespace lakehouse::engine {

struct DataChunk::Impl {
  //! Takes ownership of `chunk`; `types` describes its columns, in order.
  Impl(OwnedDataChunk chunk, std::shared_ptr<const std::vector<ColumnTypeInfo>> types);

  OwnedDataChunk chunk;
  std::shared_ptr<const std::vector<ColumnTypeInfo>> types;
  std::vector<duckdb_vector> vectors;  //!< one per column, owned by `chunk`
  idx_t size = 0;
};

}  // namespace lakehouse::engine
