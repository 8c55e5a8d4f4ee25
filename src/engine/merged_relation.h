// MergedRelationSql: the one SQL text that reads a dataset version as base files plus row deltas.
//
// Delta files (written by mutation::MutationService) have the dataset's columns plus
//   _lh_op  VARCHAR  'upsert' or 'delete'
//   _lh_seq BIGINT   the write order; a larger value is a later write
// The merged relation is: base rows whose key no delta row touches (an anti join against the
// deltas' keys, so base rows are never compared with each other), UNION ALL the latest delta row
// per key (row_number over delta rows only) when that row is an upsert; a delete hides the row.
// With no deltas it is a plain read_parquet.
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace lakehouse::engine {

//! Names of the bookkeeping columns of a delta file.
inline constexpr const char* kDeltaOpColumn = "_lh_op";
inline constexpr const char* kDeltaSeqColumn = "_lh_seq";

//! A parenthesised SELECT over `base_paths` merged with `delta_paths` by `key_column`, usable
//! wherever a table is (FROM {result} AS t). Paths are quoted as SQL strings; `base_paths` must
//! not be empty. When `delta_paths` is empty, `key_column` is ignored.
std::string MergedRelationSql(const std::vector<std::string>& base_paths,
                              const std::vector<std::string>& delta_paths, const std::string& key_column);

}  // namespace lakehouse::engine
