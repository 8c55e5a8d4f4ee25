#include "engine/data_chunk.h"

#include <cassert>

#include "engine/data_chunk_impl.h"
#include "engine/vector_reader.h"

namespace lakehouse::engine {

DataChunk::Impl::Impl(OwnedDataChunk owned_chunk,
                      std::shared_ptr<const std::vector<ColumnTypeInfo>> column_types)
    : chunk(std::move(owned_chunk)), types(std::move(column_types)) {
  size = duckdb_data_chunk_get_size(chunk.get());
  const idx_t count = duckdb_data_chunk_get_column_count(chunk.get());
  vectors.reserve(count);
  for (idx_t i = 0; i < count; ++i) vectors.push_back(duckdb_data_chunk_get_vector(chunk.get(), i));
}

DataChunk::DataChunk(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DataChunk::DataChunk(DataChunk&& other) noexcept = default;
DataChunk& DataChunk::operator=(DataChunk&& other) noexcept = default;
DataChunk::~DataChunk() = default;

std::size_t DataChunk::size() const { return impl_ ? impl_->size : 0; }

std::size_t DataChunk::column_count() const { return impl_ ? impl_->vectors.size() : 0; }

bool DataChunk::IsNull(std::size_t column, std::size_t row) const {
  assert(column < column_count() && row < size());
  if (column >= column_count() || row >= size()) return true;
  return VectorReader::IsNull(impl_->vectors[column], row);
}

Value DataChunk::GetValue(std::size_t column, std::size_t row) const {
  assert(column < column_count() && row < size());
  if (column >= column_count() || row >= size()) return Value::Null();
  return VectorReader::Read(impl_->vectors[column], (*impl_->types)[column], row);
}

}  // namespace lakehouse::engine
