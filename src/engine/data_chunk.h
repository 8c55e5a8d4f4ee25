// DataChunk: a batch of up to 2048 rows of a query result, in DuckDB's columnar layout.
//
// Thread-safety: a DataChunk owns its data and does not touch the connection, so it may be read
// from any thread (concurrent reads are fine) and may outlive the QueryResult it came from.
#pragma once

#include <cstddef>
#include <memory>

#include "engine/value.h"

namespace lakehouse::engine {

class DataChunk {
 public:
  //! Internal: the DuckDB chunk and the column types; defined in data_chunk_impl.h.
  struct Impl;
  //! Internal: chunks are made by QueryResult::Next().
  explicit DataChunk(std::unique_ptr<Impl> impl);

  DataChunk(DataChunk&& other) noexcept;
  DataChunk& operator=(DataChunk&& other) noexcept;
  DataChunk(const DataChunk&) = delete;
  DataChunk& operator=(const DataChunk&) = delete;
  ~DataChunk();

  //! Number of rows.
  std::size_t size() const;
  //! Number of columns (the same as the result's columns()).
  std::size_t column_count() const;

  //! True if the value in `column` at `row` is NULL. Indexes must be in range (asserted).
  bool IsNull(std::size_t column, std::size_t row) const;

  //! The value in `column` at `row`. A NULL keeps the column's type. Values of nested types
  //! (LIST, ARRAY, STRUCT, MAP, UNION) come back as their DuckDB text, e.g. "[1, 2, NULL]".
  //! Indexes must be in range (asserted; out of range gives a NULL in release builds).
  Value GetValue(std::size_t column, std::size_t row) const;

 private:
  friend class ArrowExport;  // reads the DuckDB handles (engine/arrow_export.h)
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse::engine
