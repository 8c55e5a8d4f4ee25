// PreparedStatement: a parsed and planned SQL statement with `?` or `$n` parameters.
//
// Bind values, then Execute(); bindings persist across executions until rebound or cleared.
// Belongs to its connection's thread: use it from one thread at a time, together with the
// connection. A statement keeps its connection alive.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "engine/query_result.h"
#include "engine/value.h"

namespace lakehouse::engine {

class PreparedStatement {
 public:
  //! Internal: the DuckDB statement; defined in prepared_statement_impl.h.
  struct Impl;
  //! Internal: statements are made by Connection::Prepare.
  explicit PreparedStatement(std::unique_ptr<Impl> impl);

  PreparedStatement(PreparedStatement&& other) noexcept;
  PreparedStatement& operator=(PreparedStatement&& other) noexcept;
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  ~PreparedStatement();

  //! Number of parameters the statement takes.
  std::size_t parameter_count() const;

  //! DuckDB's classification of the statement, upper case: "SELECT" (which also covers WITH,
  //! VALUES, FROM-first queries, DESCRIBE, SHOW and SUMMARIZE), "INSERT", "COPY", "EXPLAIN", "SET",
  //! "PRAGMA", "CALL", "ATTACH", ...; "INVALID" if DuckDB does not say. Lets callers allow only
  //! some kinds of statement (e.g. a read-only query endpoint) before running anything.
  std::string_view statement_type() const;

  //! Binds `value` to parameter `index` (1-based, as in `$1`). Any scalar value (and NULL) can be
  //! bound; DuckDB casts it to the parameter's type where needed. Returns InvalidArgument for an
  //! index outside 1..parameter_count() or a value of a nested type (LIST, STRUCT, ...).
  Status Bind(std::size_t index, const Value& value);

  //! Forgets all bound values.
  Status ClearBindings();

  //! Runs the statement with the bound values and streams its result (see QueryResult).
  //! InvalidArgument if a parameter is unbound.
  Result<QueryResult> Execute();

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse::engine
