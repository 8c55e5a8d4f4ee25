// Time travel written in SQL: a table reference may carry DuckDB's AT clause.
//
//   SELECT * FROM candidates AT (VERSION => 3)
//   SELECT c.* FROM candidates AS c AT (TIMESTAMP => TIMESTAMP '2026-03-01 00:00:00')
//
// DuckDB parses the clause, but the sandbox's tables are views, which cannot travel in time. So
// the SQL is parsed with DuckDB's own parser (json_serialize_sql), each reference with an AT clause
// is pointed at a table of its own that serves the named version's files (chosen by the caller,
// who knows the catalog), and the statement is printed back (json_deserialize_sql). The AT value
// may be any constant expression; it is evaluated in a locked-down, table-less DuckDB.
//
// Thread-safety: the functions are reentrant; each call uses its own in-memory DuckDB.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/table_source.h"

namespace lakehouse::query {

//! One table reference's AT clause, evaluated.
struct AtClause {
  std::string table;                    //!< the table name as the SQL wrote it
  std::optional<std::int64_t> version;  //!< AT (VERSION => n)
  std::optional<std::int64_t> at_us;    //!< AT (TIMESTAMP => t): microseconds since the epoch, UTC
};

//! The table that serves `clause` (its name must be unique case-insensitively among the tables
//! served); an error (e.g. InvalidArgument for an unknown version) fails the rewrite with it.
using AtClauseResolver = std::function<Result<TableSource>(const AtClause& clause)>;

//! `sql` with every AT reference pointed at its own table, and those tables (each once).
struct TimeTravelSql {
  std::string sql;
  std::vector<TableSource> tables;
};

//! False when `sql` certainly has no AT clause (a cheap textual check before parsing).
bool MayHaveAtClause(std::string_view sql);

//! Rewrites the AT clauses of `sql` (one statement). nullopt when it has none, or when it does not
//! parse as exactly one statement (the query service then reports the SQL error itself). A
//! reference keeps the name the query knows it by (its alias, else the table name).
//! InvalidArgument when an AT value is not a constant version number (>= 1) or time, or when the
//! rewritten statement cannot be printed; any error of `resolve` as it is. `extension_dir`: where
//! DuckDB's json extension is (as engine::DatabaseOptions::extension_dir; empty for the default).
Result<std::optional<TimeTravelSql>> RewriteAtClauses(const std::string& sql, const AtClauseResolver& resolve,
                                                      const std::string& extension_dir = "");

}  // namespace lakehouse::query
