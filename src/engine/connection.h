// Connection: a session on a Database that runs SQL.
//
// Thread-safety: a Connection is used by one thread at a time (with the statements, results and
// appenders made from it), except Interrupt(), which any thread may call while a statement runs,
// e.g. a watchdog enforcing a timeout. Open one Connection per concurrent user of the database.
// Interrupt() must not race with moving or destroying the Connection.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "engine/database.h"
#include "engine/prepared_statement.h"
#include "engine/query_result.h"

namespace lakehouse::engine {

struct ConnectionState;

class Connection {
 public:
  //! Opens a connection to `database`. The connection keeps the database open.
  static Result<Connection> Open(Database& database);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  //! Runs `sql` and streams the result of its last statement; earlier statements (separated by
  //! ';') run to completion first. Rows are computed as they are fetched with Next(), so memory
  //! use does not grow with the result size. Returns InvalidArgument for SQL that does not parse
  //! or bind (message: DuckDB's) and for result columns of a type the engine cannot decode
  //! (BIGNUM, GEOMETRY, VARIANT: cast them in SQL), DeadlineExceeded if interrupted, and
  //! FailedPrecondition if a needed extension is missing from the extension directory.
  Result<QueryResult> Query(std::string_view sql);

  //! Runs every statement in `sql` to completion, discarding rows as they are produced (memory
  //! stays bounded). Errors as for Query.
  Status Execute(std::string_view sql);

  //! Prepares a single statement with `?` or `$n` parameters. Errors as for Query.
  Result<PreparedStatement> Prepare(std::string_view sql);

  //! Asks the statement running on this connection to stop; it then fails with DeadlineExceeded.
  //! Safe to call from any thread. A call that lands when no statement is running is ignored
  //! (DuckDB clears the request when a statement starts), so a watchdog enforcing a deadline
  //! should keep calling it until the statement has returned.
  void Interrupt();

 private:
  friend class Appender;          // appenders share state_
  friend class LiveRowsFunction;  // registers a function on the connection's database

  explicit Connection(std::shared_ptr<ConnectionState> state);

  std::shared_ptr<ConnectionState> state_;
};

}  // namespace lakehouse::engine
