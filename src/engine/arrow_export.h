// ArrowExport: a query result's schema and row chunks in the Arrow C data interface
// (ArrowSchema / ArrowArray), converted by DuckDB itself (duckdb_to_arrow_schema,
// duckdb_data_chunk_to_arrow) with the result's Arrow settings.
//
// Used to write Arrow IPC streams one chunk at a time: nothing here holds more than the chunk
// being converted. Types follow DuckDB's Arrow mapping: VARCHAR -> utf8, DECIMAL -> decimal128,
// TIMESTAMP -> timestamp[us], DATE -> date32, and so on.
//
// Thread-safety: like the QueryResult it was made for (one thread at a time). The exporter
// must not outlive that result.
#pragma once

#include <memory>

#include "common/status.h"
#include "engine/data_chunk.h"
#include "engine/query_result.h"

struct ArrowSchema;
struct ArrowArray;

namespace lakehouse::engine {

class ArrowExport {
 public:
  //! The exporter for `result`'s columns. Internal if DuckDB cannot describe them.
  static Result<std::unique_ptr<ArrowExport>> For(const QueryResult& result);
  ~ArrowExport();
  ArrowExport(const ArrowExport&) = delete;
  ArrowExport& operator=(const ArrowExport&) = delete;

  //! Fills `out` with the result's schema (a struct of its columns); the caller releases it
  //! (out->release). FailedPrecondition naming the cause if a column type has no Arrow form.
  Status Schema(ArrowSchema* out) const;

  //! Fills `out` with the rows of `chunk` (a chunk of the same result) as a struct array; the
  //! caller releases it. FailedPrecondition naming the cause if DuckDB cannot convert them.
  Status Array(const DataChunk& chunk, ArrowArray* out) const;

 private:
  struct Impl;
  explicit ArrowExport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse::engine
