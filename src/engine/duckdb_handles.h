// Owning wrappers for the DuckDB C API objects the engine module creates.
//
// Internal to the engine module. Each is a std::unique_ptr with the matching destroy function,
// so ownership is explicit and nothing leaks on early returns.
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include "duckdb.h"

namespace lakehouse::engine {

struct LogicalTypeDeleter {
  void operator()(duckdb_logical_type type) const { duckdb_destroy_logical_type(&type); }
};
//! A duckdb_logical_type that is destroyed with its owner.
using OwnedLogicalType = std::unique_ptr<std::remove_pointer_t<duckdb_logical_type>, LogicalTypeDeleter>;

struct ValueDeleter {
  void operator()(duckdb_value value) const { duckdb_destroy_value(&value); }
};
//! A duckdb_value that is destroyed with its owner.
using OwnedDuckDBValue = std::unique_ptr<std::remove_pointer_t<duckdb_value>, ValueDeleter>;

struct DataChunkDeleter {
  void operator()(duckdb_data_chunk chunk) const { duckdb_destroy_data_chunk(&chunk); }
};
//! A duckdb_data_chunk that is destroyed with its owner.
using OwnedDataChunk = std::unique_ptr<std::remove_pointer_t<duckdb_data_chunk>, DataChunkDeleter>;

struct ErrorDataDeleter {
  void operator()(duckdb_error_data error) const { duckdb_destroy_error_data(&error); }
};
//! A duckdb_error_data that is destroyed with its owner.
using OwnedErrorData = std::unique_ptr<std::remove_pointer_t<duckdb_error_data>, ErrorDataDeleter>;

struct PreparedDeleter {
  void operator()(duckdb_prepared_statement statement) const { duckdb_destroy_prepare(&statement); }
};
//! A duckdb_prepared_statement that is destroyed with its owner.
using OwnedPrepared = std::unique_ptr<std::remove_pointer_t<duckdb_prepared_statement>, PreparedDeleter>;

struct ExtractedDeleter {
  void operator()(duckdb_extracted_statements extracted) const { duckdb_destroy_extracted(&extracted); }
};
//! A duckdb_extracted_statements that is destroyed with its owner.
using OwnedExtracted = std::unique_ptr<std::remove_pointer_t<duckdb_extracted_statements>, ExtractedDeleter>;

struct PendingDeleter {
  void operator()(duckdb_pending_result pending) const { duckdb_destroy_pending(&pending); }
};
//! A duckdb_pending_result that is destroyed with its owner.
using OwnedPending = std::unique_ptr<std::remove_pointer_t<duckdb_pending_result>, PendingDeleter>;

struct ConfigDeleter {
  void operator()(duckdb_config config) const { duckdb_destroy_config(&config); }
};
//! A duckdb_config that is destroyed with its owner.
using OwnedConfig = std::unique_ptr<std::remove_pointer_t<duckdb_config>, ConfigDeleter>;

//! Copies and frees a string the C API allocated with duckdb_malloc; nullptr gives "".
inline std::string TakeDuckDBString(char* raw) {
  if (raw == nullptr) return {};
  std::string copy(raw);
  duckdb_free(raw);
  return copy;
}

}  // namespace lakehouse::engine
