// CsvProfiler: splits CSV bytes into records and fields the way DuckDB's CSV reader does with a
// fixed dialect, and profiles every field of every data record (ColumnProfile), so that type
// inference needs no pass over the file of its own: the bytes are fed while ingest reads them for
// the content hash and the UTF-8 check anyway.
//
// It is an accelerator, not the authority: if the bytes do not follow the dialect the way it
// expects (a record with another number of fields, a quote where none may be, an unterminated
// quote, mixed line endings) trusted() turns false, and ingest falls back to profiling the file
// with DuckDB. Ingest also checks afterwards that DuckDB read the same number of records and the
// same number of values per column (see Ingester).
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/column_profile.h"

namespace lakehouse::ingest {

//! The dialect to split with (what ingest tells DuckDB's read_csv too).
struct CsvDialect {
  char delimiter = ',';
  char quote = '"';
  char escape = '"';  //!< inside quotes, escapes a quote (equal to `quote`: a doubled quote)
  bool header = true;
  std::size_t columns = 1;  //!< fields per record
};

class CsvProfiler {
 public:
  explicit CsvProfiler(const CsvDialect& dialect);

  //! Feeds the next bytes of the file (any split: records may span calls).
  void Feed(std::string_view bytes);
  //! Ends the file (a last record without a line ending counts).
  void Finish();

  //! False once the bytes strayed from what the dialect allows; the profiles are then not to be
  //! used.
  bool trusted() const { return trusted_; }
  //! Data records seen (the header excluded).
  std::int64_t records() const { return records_; }
  //! One profile per column.
  const std::vector<ColumnProfile>& columns() const { return columns_; }

 private:
  enum class State {
    kFieldStart,
    kUnquoted,
    kQuoted,
    kQuoteInQuoted,
    kEscapeInQuoted,
    kAfterQuoted,
    kAfterCr
  };

  //! The position of the first byte at or after `i` that ends an unquoted run (delimiter, quote,
  //! CR, LF), or d.size().
  std::size_t NextSpecial(std::string_view d, std::size_t i) const;
  //! From kFieldStart at `i`: profiles the unquoted fields that follow (while they end within 64-byte
  //! blocks of `d`); returns where the state machine goes on.
  std::size_t UnquotedRun(std::string_view d, std::size_t i);
  void EndField(std::string_view value);
  //! `ending`: 'n' (LF), 'R' (CR LF), 'r' (CR) or 0 (end of file).
  void EndRecord(char ending);
  //! After a field: `c` is the delimiter or a line-ending byte.
  void Terminate(char c);

  CsvDialect dialect_;
  std::vector<ColumnProfile> columns_;
  State state_ = State::kFieldStart;
  bool trusted_ = true;
  bool at_file_start_ = true;  // a UTF-8 byte order mark may follow
  bool header_pending_;
  bool field_was_quoted_ = false;
  char line_ending_ = 0;   // the first record's ending, as EndRecord's `ending`
  std::size_t field_ = 0;  // index of the current field in its record
  std::string pending_;    // the current field's bytes when it spans a Feed() or holds escapes
  std::int64_t records_ = 0;
  bool unquoted_in_pending_ = false;  // the current unquoted field's bytes are in pending_
  bool record_blank_ = false;         // the record so far is one empty unquoted field
  bool special_[256] = {};            // bytes that end an unquoted run
};

}  // namespace lakehouse::ingest
