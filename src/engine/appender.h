// Appender: fast bulk insertion of rows into one table.
//
// Rows are buffered and written in batches; Flush() writes the buffer, Close() writes it and
// ends the appender. The destructor closes too but cannot report errors, so call Close().
// Belongs to its connection's thread: use it from one thread at a time, together with the
// connection. An appender keeps its connection alive.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/connection.h"
#include "engine/value.h"

namespace lakehouse::engine {

class Appender {
 public:
  //! Opens an appender on `schema`.`table` (empty schema: the default schema). Returns
  //! InvalidArgument if the table does not exist.
  static Result<Appender> Open(Connection& connection, const std::string& schema, const std::string& table);

  Appender(Appender&& other) noexcept;
  Appender& operator=(Appender&& other) noexcept;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender();

  //! Number of columns each row must have.
  std::size_t column_count() const;

  //! Appends one row; `row` holds one scalar value (or NULL) per column, which DuckDB casts to the
  //! column type. InvalidArgument for a wrong number of values or a nested value (nothing is
  //! appended; the appender stays usable) or a value that does not convert. After a failed
  //! conversion the appender is unusable: rows appended since the last successful Flush() are
  //! lost and later calls return FailedPrecondition.
  Status AppendRow(const std::vector<Value>& row);

  //! Appends `values.size() / dims` rows to a table whose only column is FLOAT[dims], the floats
  //! copied in whole chunks (no per-value conversion: what embedding vectors need). InvalidArgument
  //! (nothing appended, the appender stays usable) if the table is not one FLOAT[dims] column or
  //! `values` is not whole rows; a DuckDB failure makes the appender unusable, as in AppendRow.
  Status AppendFloatArrays(std::span<const float> values, std::size_t dims);

  //! Writes buffered rows to the table. Constraint violations surface here (InvalidArgument);
  //! the appender is then unusable and the buffered rows are lost.
  Status Flush();

  //! Flushes and ends the appender. Later calls return FailedPrecondition. Closing twice is OK.
  Status Close();

 private:
  struct Impl;
  explicit Appender(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse::engine
