#include "engine/arrow_export.h"

#include <string>
#include <vector>

#include "duckdb.h"
#include "engine/data_chunk_impl.h"
#include "engine/query_result_impl.h"

namespace lakehouse::engine {
namespace {

// OK, or FailedPrecondition with DuckDB's message; frees `error` either way.
Status Consume(duckdb_error_data error, const char* what) {
  Status status;
  if (error != nullptr && duckdb_error_data_has_error(error)) {
    status =
        Status::FailedPrecondition(std::string("cannot convert the result to Arrow (") + what +
                                   "): " + duckdb_error_data_message(error) +
                                   "; cast the column to a plainer type (e.g. VARCHAR), or use format json");
  }
  if (error != nullptr) duckdb_destroy_error_data(&error);
  return status;
}

}  // namespace

struct ArrowExport::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    for (duckdb_logical_type& type : types) duckdb_destroy_logical_type(&type);
    if (options != nullptr) duckdb_destroy_arrow_options(&options);
  }

  duckdb_arrow_options options = nullptr;
  std::vector<duckdb_logical_type> types;
  std::vector<std::string> names;
};

ArrowExport::ArrowExport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ArrowExport::~ArrowExport() = default;

Result<std::unique_ptr<ArrowExport>> ArrowExport::For(const QueryResult& result) {
  auto impl = std::make_unique<Impl>();
  duckdb_result* raw = &result.impl_->result;
  impl->options = duckdb_result_get_arrow_options(raw);
  if (impl->options == nullptr) return Status::Internal("DuckDB gave no Arrow options for the result");
  const idx_t count = duckdb_column_count(raw);
  for (idx_t i = 0; i < count; ++i) {
    impl->types.push_back(duckdb_column_logical_type(raw, i));
    const char* name = duckdb_column_name(raw, i);
    impl->names.emplace_back(name != nullptr ? name : "");
  }
  return std::unique_ptr<ArrowExport>(new ArrowExport(std::move(impl)));
}

Status ArrowExport::Schema(ArrowSchema* out) const {
  std::vector<const char*> names;
  names.reserve(impl_->names.size());
  for (const std::string& name : impl_->names) names.push_back(name.c_str());
  return Consume(duckdb_to_arrow_schema(impl_->options, impl_->types.data(), names.data(),
                                        static_cast<idx_t>(names.size()), out),
                 "schema");
}

Status ArrowExport::Array(const DataChunk& chunk, ArrowArray* out) const {
  return Consume(duckdb_data_chunk_to_arrow(impl_->options, chunk.impl_->chunk.get(), out), "rows");
}

}  // namespace lakehouse::engine
