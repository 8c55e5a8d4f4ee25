#include "engine/appender.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

#include "duckdb.h"
#include "engine/connection_state.h"
#include "engine/duckdb_error.h"
#include "engine/duckdb_handles.h"
#include "engine/value_writer.h"

namespace lakehouse::engine {
namespace {

// The common types go through DuckDB's typed append functions, which skip building a
// duckdb_value per cell; everything else is converted by ValueWriter.
duckdb_state AppendValue(duckdb_appender appender, const Value& value) {
  if (value.IsNull()) return duckdb_append_null(appender);
  switch (value.type()) {
    case TypeId::kBoolean: return duckdb_append_bool(appender, *value.AsBool());
    case TypeId::kTinyInt:
    case TypeId::kSmallInt:
    case TypeId::kInteger:
    case TypeId::kBigInt: return duckdb_append_int64(appender, *value.AsInt64());
    case TypeId::kDouble: return duckdb_append_double(appender, *value.AsDouble());
    case TypeId::kDate:
      return duckdb_append_date(appender, duckdb_date{static_cast<std::int32_t>(*value.AsInt64())});
    case TypeId::kTimestamp: return duckdb_append_timestamp(appender, duckdb_timestamp{*value.AsInt64()});
    case TypeId::kVarchar: {
      const std::string_view text = *value.AsString();
      return duckdb_append_varchar_length(appender, text.data(), text.size());
    }
    case TypeId::kBlob: {
      const std::string_view bytes = *value.AsString();
      return duckdb_append_blob(appender, bytes.data(), bytes.size());
    }
    default: {
      const OwnedDuckDBValue converted = ValueWriter::ToDuckDB(value);
      if (!converted) return DuckDBError;
      return duckdb_append_value(appender, converted.get());
    }
  }
}

}  // namespace

struct Appender::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    // duckdb_appender_destroy flushes what is buffered; its error cannot be reported from here.
    if (handle != nullptr) duckdb_appender_destroy(&handle);
  }

  //! The appender's error as a Status, or `fallback` if DuckDB recorded none.
  Status LastError(std::string fallback) const {
    const OwnedErrorData error(duckdb_appender_error_data(handle));
    if (!error || !duckdb_error_data_has_error(error.get()))
      return Status::InvalidArgument(std::move(fallback));
    return StatusFromDuckDBError(duckdb_error_data_error_type(error.get()),
                                 duckdb_error_data_message(error.get()));
  }

  //! Marks the appender unusable because of `error`, and returns `error`.
  Status Fail(Status error) {
    broken = Status::FailedPrecondition("the appender on " + table +
                                        " failed earlier and cannot be used; open a new one (" +
                                        error.message() + ")");
    return error;
  }

  std::shared_ptr<ConnectionState> connection;  //!< keeps the connection open
  duckdb_appender handle = nullptr;             //!< owned
  std::size_t column_count = 0;
  std::string table;
  Status broken;  //!< why the appender cannot be used any more; OK while usable
};

Appender::Appender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Appender::Appender(Appender&& other) noexcept = default;
Appender& Appender::operator=(Appender&& other) noexcept = default;
Appender::~Appender() = default;

Result<Appender> Appender::Open(Connection& connection, const std::string& schema, const std::string& table) {
  if (!connection.state_) return Status::FailedPrecondition("the connection was moved from");
  try {
    auto impl = std::make_unique<Impl>();
    impl->connection = connection.state_;
    impl->table = schema.empty() ? table : schema + "." + table;
    ++impl->connection->statements_started;
    const duckdb_state state = duckdb_appender_create(
        impl->connection->handle, schema.empty() ? nullptr : schema.c_str(), table.c_str(), &impl->handle);
    if (state != DuckDBSuccess) {
      Status error = impl->LastError("could not open an appender on " + impl->table);
      return error.WithContext("opening an appender on " + impl->table);
    }
    impl->column_count = duckdb_appender_column_count(impl->handle);
    return Appender(std::move(impl));
  } catch (const std::exception& e) {
    return StatusFromException("opening an appender", e);
  }
}

std::size_t Appender::column_count() const { return impl_ ? impl_->column_count : 0; }

Status Appender::AppendRow(const std::vector<Value>& row) {
  if (!impl_) return Status::FailedPrecondition("the appender was moved from");
  if (!impl_->broken.ok()) return impl_->broken;
  if (row.size() != impl_->column_count) {
    return Status::InvalidArgument("a row for " + impl_->table + " needs " +
                                   std::to_string(impl_->column_count) + " values, got " +
                                   std::to_string(row.size()));
  }
  // Checked before anything is appended, so that a rejected row leaves the appender usable.
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (!ValueWriter::CanWrite(row[i])) {
      return Status::InvalidArgument("column " + std::to_string(i + 1) + " of " + impl_->table + ": a " +
                                     std::string(TypeIdName(row[i].type())) +
                                     " value cannot be appended; append scalar values");
    }
  }
  try {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (AppendValue(impl_->handle, row[i]) != DuckDBSuccess) {
        return impl_->Fail(impl_->LastError("column " + std::to_string(i + 1) + " of " + impl_->table +
                                            " cannot take the " + std::string(TypeIdName(row[i].type())) +
                                            " value " + row[i].ToString()));
      }
    }
    if (duckdb_appender_end_row(impl_->handle) != DuckDBSuccess) {
      return impl_->Fail(impl_->LastError("could not end a row of " + impl_->table));
    }
  } catch (const std::exception& e) {
    impl_->broken = StatusFromException("appending a row", e);
    return impl_->broken;
  }
  return Status::OK();
}

Status Appender::AppendFloatArrays(std::span<const float> values, std::size_t dims) {
  if (!impl_) return Status::FailedPrecondition("the appender was moved from");
  if (!impl_->broken.ok()) return impl_->broken;
  const std::string wanted = "a table of one FLOAT[" + std::to_string(dims) + "] column";
  if (impl_->column_count != 1) return Status::InvalidArgument(impl_->table + " is not " + wanted);
  if (dims == 0 || values.size() % dims != 0)
    return Status::InvalidArgument(std::to_string(values.size()) + " floats are not whole rows of " +
                                   std::to_string(dims));
  try {
    OwnedLogicalType type(duckdb_appender_column_type(impl_->handle, 0));
    const bool is_float_array = type && duckdb_get_type_id(type.get()) == DUCKDB_TYPE_ARRAY &&
                                duckdb_array_type_array_size(type.get()) == dims && [&] {
                                  OwnedLogicalType child(duckdb_array_type_child_type(type.get()));
                                  return duckdb_get_type_id(child.get()) == DUCKDB_TYPE_FLOAT;
                                }();
    if (!is_float_array) return Status::InvalidArgument(impl_->table + " is not " + wanted);
    duckdb_logical_type types[] = {type.get()};
    OwnedDataChunk chunk(duckdb_create_data_chunk(types, 1));
    const std::size_t rows = values.size() / dims;
    const std::size_t capacity = duckdb_vector_size();
    for (std::size_t first = 0; first < rows; first += capacity) {
      const std::size_t count = std::min(capacity, rows - first);
      duckdb_data_chunk_reset(chunk.get());
      duckdb_vector child = duckdb_array_vector_get_child(duckdb_data_chunk_get_vector(chunk.get(), 0));
      std::memcpy(duckdb_vector_get_data(child), values.data() + first * dims, count * dims * sizeof(float));
      duckdb_data_chunk_set_size(chunk.get(), count);
      if (duckdb_append_data_chunk(impl_->handle, chunk.get()) != DuckDBSuccess)
        return impl_->Fail(impl_->LastError("could not append vectors to " + impl_->table));
    }
  } catch (const std::exception& e) {
    impl_->broken = StatusFromException("appending vectors", e);
    return impl_->broken;
  }
  return Status::OK();
}

Status Appender::Flush() {
  if (!impl_) return Status::FailedPrecondition("the appender was moved from");
  if (!impl_->broken.ok()) return impl_->broken;
  try {
    if (duckdb_appender_flush(impl_->handle) != DuckDBSuccess) {
      return impl_->Fail(impl_->LastError("could not flush the appender on " + impl_->table));
    }
  } catch (const std::exception& e) {
    impl_->broken = StatusFromException("flushing an appender", e);
    return impl_->broken;
  }
  return Status::OK();
}

Status Appender::Close() {
  if (!impl_) return Status::FailedPrecondition("the appender was moved from");
  if (impl_->handle == nullptr) return Status::OK();
  Status status = impl_->broken;
  try {
    if (status.ok() && duckdb_appender_close(impl_->handle) != DuckDBSuccess) {
      status = impl_->LastError("could not close the appender on " + impl_->table);
    }
    duckdb_appender_destroy(&impl_->handle);
    impl_->handle = nullptr;
  } catch (const std::exception& e) {
    status = StatusFromException("closing an appender", e);
  }
  if (impl_->broken.ok())
    impl_->broken = Status::FailedPrecondition("the appender on " + impl_->table + " is closed");
  return status;
}

}  // namespace lakehouse::engine
