// ArrowResultEncoder: a query result as an Arrow IPC stream (application/vnd.apache.arrow.stream).
//
// The schema message is written at the start; each DuckDB chunk (up to 2048 rows) becomes one
// record batch, converted by DuckDB to the Arrow C data interface (engine/arrow_export.h) and
// encoded by nanoarrow's IPC writer; End writes the end-of-stream marker. Only one chunk's batch
// is in memory at a time, so a result of any size streams.
//
// The IPC stream format has no in-band error message: after a failure mid-stream the stream is
// cut short without its end-of-stream marker, which every Arrow reader reports as a truncated
// stream (the server's log names the cause). A failure before any output is a JSON error.
//
// Not thread-safe; one encoder per result.
#pragma once

#include <memory>

#include "query/result_encoder.h"

namespace lakehouse::query {

//! The Arrow IPC stream encoder (ResultEncoder::For(ResultFormat::kArrow) returns one).
std::unique_ptr<ResultEncoder> NewArrowResultEncoder();

//! "application/vnd.apache.arrow.stream".
inline constexpr std::string_view kArrowStreamContentType = "application/vnd.apache.arrow.stream";

}  // namespace lakehouse::query
