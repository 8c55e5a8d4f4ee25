// TableSource and TableProvider: what the query service serves as tables.
//
// The query service does not know the catalog; whoever wires it (the gateway, the CLI) hands it a
// TableProvider that lists the datasets to expose, each as a table named after the dataset over
// its Parquet files. Plain values; safe to copy and share.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace lakehouse::query {

//! One dataset, served to SQL as a table (a view over its Parquet files).
struct TableSource {
  std::string name;                       //!< the table name SQL uses; unique case-insensitively
  std::vector<std::string> parquet_uris;  //!< absolute local paths or file:// URIs, at least one
  std::string version;  //!< optional; a changed version (or file list) makes the service reload
  //! Row deltas merged over parquet_uris by key_column (engine/merged_relation.h); oldest first.
  std::vector<std::string> delta_uris{};
  std::string key_column{};  //!< required when delta_uris is not empty
  //! When set, the table has exactly these columns (name, DuckDB type): those of parquet_uris
  //! followed (UNION ALL) by the rows of json_uris, newline-delimited JSON files read with these
  //! columns (e.g. the event journal: Parquet segments and recent JSONL batches).
  std::vector<std::pair<std::string, std::string>> json_columns{};
  std::vector<std::string> json_uris{};  //!< only with json_columns
  //! Optional SQL condition over the table's columns; only rows meeting it are served (e.g. the
  //! journal's committed events). Built by Lakehouse, never from user input.
  std::string row_filter{};

  bool operator==(const TableSource& other) const = default;
};

//! Lists the tables to serve. Called once per query, so it should be cheap (an in-memory index);
//! it may be called from many threads at once. A non-OK Status fails the query with that status.
using TableProvider = std::function<Result<std::vector<TableSource>>()>;

//! A provider that serves no tables (SQL over literals and table-free functions still works).
TableProvider NoTables();

//! The local file path of a Parquet URI: an absolute path as is, file:///x as /x. InvalidArgument
//! for relative paths and other schemes (s3://, https://: not served yet).
Result<std::string> LocalParquetPath(const std::string& uri);

}  // namespace lakehouse::query
