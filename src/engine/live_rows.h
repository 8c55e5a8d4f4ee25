// LiveRows: which rows of a dataset version's files its merged view shows, as per-file bitmaps of
// hidden row positions, and the SQL function that applies them inside DuckDB's Parquet scan.
//
// MergedRelationSql (engine/merged_relation.h) merges base files and row deltas with an anti join,
// which reads the base key column and probes a hash table on every query. For a dataset version
// that does not change, the answer to "which rows are hidden" does not change either: LiveRows
// computes it once (the same rule: a base row is hidden when any delta row has its key; a delta
// row is hidden unless it is the latest write of its key by _lh_seq and an upsert), and
// LiveRowsFunction serves it to SQL as lakehouse_live_row(list, file_index, file_row_number), so
// the merged view becomes two filtered scans (LiveMergedRelationSql) with no join.
//
// LiveRows is immutable once computed and safe to share across threads. LiveRowsCache is
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/connection.h"

namespace lakehouse::engine {

//! Hidden row positions of the files of one read_parquet list, indexed by file_index.
class FileMasks {
 public:
  //! True when row `row` of file `file` is hidden. Positions past a file's mask are live.
  bool Hidden(std::uint64_t file, std::uint64_t row) const {
    if (file >= masks_.size()) return false;
    const auto& mask = masks_[file];
    const std::uint64_t word = row >> 6;
    return word < mask.size() && ((mask[word] >> (row & 63)) & 1) != 0;
  }
  //! Marks the rows of word `word` (rows 64*word .. 64*word+63) whose bits are set in `bits`.
  void Hide(std::uint64_t file, std::uint64_t word, std::uint64_t bits);
  //! Number of hidden rows over all files.
  std::uint64_t hidden_rows() const { return hidden_rows_; }
  //! Bytes held by the masks.
  std::size_t bytes() const;

 private:
  std::vector<std::vector<std::uint64_t>> masks_;
  std::uint64_t hidden_rows_ = 0;
};

//! The rows a merged dataset version hides in its base files and in its delta files.
struct LiveRows {
  FileMasks base;    //!< over the base files, in the order given
  FileMasks deltas;  //!< over the delta files, in the order given

  //! Computes the hidden rows of `base_paths` merged with `delta_paths` by `key_column`, reading
  //! the files through `connection` (which must be able to read them). Errors: the engine's, e.g.
  //! InvalidArgument when a file lacks the key column.
  static Result<std::shared_ptr<const LiveRows>> Compute(Connection& connection,
                                                         const std::vector<std::string>& base_paths,
                                                         const std::vector<std::string>& delta_paths,
                                                         const std::string& key_column);
};

//! The LiveRows of recent dataset versions, kept while their masks fit in a byte budget (least
//! recently used first out). A dataset version's files never change, so an entry never goes stale.
class LiveRowsCache {
 public:
  explicit LiveRowsCache(std::size_t byte_budget) : byte_budget_(byte_budget) {}

  //! The process-wide cache (64 MiB of masks: about 500 M base rows of hidden-row bitmaps).
  static LiveRowsCache& Global();

  //! The LiveRows of these files, computed with `connection` on a miss (then `*computed`, if
  //! given, is set to true). Errors as for Compute.
  Result<std::shared_ptr<const LiveRows>> Get(Connection& connection,
                                              const std::vector<std::string>& base_paths,
                                              const std::vector<std::string>& delta_paths,
                                              const std::string& key_column, bool* computed = nullptr);

  //! The cached LiveRows of these files, or null; never computes.
  std::shared_ptr<const LiveRows> Find(const std::vector<std::string>& base_paths,
                                       const std::vector<std::string>& delta_paths,
                                       const std::string& key_column);

 private:
  static std::string Key(const std::vector<std::string>& base_paths,
                         const std::vector<std::string>& delta_paths, const std::string& key_column);
  // The entry under `key`, moved to the front, or null. Requires mu_.
  std::shared_ptr<const LiveRows> Lookup(const std::string& key);

  struct Entry {
    std::string key;
    std::shared_ptr<const LiveRows> rows;
    std::size_t bytes = 0;
  };
  std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
  std::size_t bytes_ = 0;
  std::size_t byte_budget_;
};

//! The scalar function lakehouse_live_row(list BIGINT, file_index UBIGINT, file_row_number BIGINT)
//! -> BOOLEAN: false when the row is hidden by lists[list], true otherwise (and for a list number
//! out of range); NULL for a NULL argument.
class LiveRowsFunction {
 public:
  //! The function's SQL name.
  static constexpr const char* kName = "lakehouse_live_row";

  //! Registers the function on the database of `connection`, serving `lists`; the registration
  //! keeps them alive as long as the database. Register once per database, with every result of
  //! `connection` read to its end (DuckDB drops a function registered inside an open transaction).
  static Status Register(Connection& connection, std::vector<std::shared_ptr<const FileMasks>> lists);
};

//! A parenthesised SELECT equal to MergedRelationSql(base_paths, delta_paths, key) whose hidden rows
//! are those of LiveRowsFunction's lists `base_list` and `delta_list`. The files' own columns must
//! not include file_index or file_row_number (DuckDB's virtual columns, which they would shadow).
std::string LiveMergedRelationSql(const std::vector<std::string>& base_paths,
                                  const std::vector<std::string>& delta_paths, std::size_t base_list,
                                  std::size_t delta_list);

}  // namespace lakehouse::engine
