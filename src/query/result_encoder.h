// ResultEncoder: turns a query result into bytes of one output format, piece by piece.
//
// Begin once, then Rows per chunk, then End (or Fail after partial output). Each call appends to
// the caller's buffer, so a result is never encoded whole in memory (the text table excepted,
// which buffers its first rows to size the columns). Not thread-safe; one encoder per result.
//
// Values (json, ndjson): NULL -> null; booleans and integers of every width -> numbers; DECIMAL
// -> a number with its exact digits (1234.50); FLOAT/DOUBLE -> shortest round-trip numbers, with
// NaN and infinities as the strings "NaN", "Infinity", "-Infinity"; DATE -> "2024-03-01";
// TIMESTAMP -> "2024-03-01T12:00:00.5"; TIMESTAMP WITH TIME ZONE -> "2024-03-01T12:00:00Z"
// (UTC); TIME, INTERVAL, UUID, ENUM, BIT, BLOB (escaped) and nested values (LIST, STRUCT, MAP,
// ...) -> strings in DuckDB's text form. csv uses the same text, NULL as an empty field.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data_chunk.h"
#include "engine/query_result.h"
#include "query/query_error.h"

namespace lakehouse::query {

//! Output formats of a query.
enum class ResultFormat {
  kJson,    //!< {"columns", "rows", "row_count", "elapsed_ms"}
  kNdjson,  //!< {"columns"} line, one JSON array per row, {"row_count", "elapsed_ms"} line
  kCsv,     //!< header line, RFC 4180 quoting
  kTable,   //!< aligned text for people (the CLI)
  kArrow,   //!< Arrow IPC stream (query/arrow_result_encoder.h)
};

//! "json", "ndjson", "csv", "table" or "arrow"; nullopt for anything else.
std::optional<ResultFormat> ParseResultFormat(std::string_view name);

class ResultEncoder {
 public:
  //! The encoder for `format`.
  static std::unique_ptr<ResultEncoder> For(ResultFormat format);
  virtual ~ResultEncoder() = default;

  //! The HTTP Content-Type of the output.
  virtual std::string_view content_type() const = 0;
  //! Writes what precedes the rows.
  virtual void Begin(const std::vector<engine::Column>& columns, std::string& out) = 0;
  //! Writes what precedes the rows, for encoders that need the DuckDB result itself (Arrow);
  //! by default Begin(result.columns()). QueryStream begins through this.
  virtual void BeginResult(const engine::QueryResult& result, std::string& out) {
    Begin(result.columns(), out);
  }
  //! Writes the rows of `chunk`.
  virtual void Rows(const engine::DataChunk& chunk, std::string& out) = 0;
  //! Writes what follows the rows.
  virtual void End(std::uint64_t row_count, std::int64_t elapsed_ms, std::string& out) = 0;
  //! Writes an in-band error after partial output, where the format has a way to say it.
  virtual void Fail(const QueryError& error, std::string& out) = 0;
  //! An error the encoder itself ran into (e.g. a type with no Arrow form), once; the stream
  //! then fails with it. Text formats never have one.
  virtual std::optional<QueryError> TakeError() { return std::nullopt; }
};

//! A value as JSON text (see the file comment).
void AppendJsonValue(const engine::Value& value, std::string& out);

//! A value as plain text: DuckDB's text with ISO dates and times; NULL gives "".
std::string PlainText(const engine::Value& value);

}  // namespace lakehouse::query
