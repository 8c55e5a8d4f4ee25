// ColumnProfile: what ingest's type inference knows about one text column -- how many values
// look like integers, numbers, dates, timestamps, booleans, codes with leading zeros, long digit
// strings, phone numbers, emails and national IDs, with an example of each kind that matters for
// a string reason.
//
// The rules exist in two equivalent forms, kept side by side here so they cannot drift apart:
// - ColumnProfile::Add classifies one value in C++ (used while the CSV bytes are scanned anyway,
//   so inference costs no extra pass over the file);
// - ColumnProfile::Sql is the same classification as DuckDB aggregates over a text relation (used
//   for JSON, for UTF-16 text and whenever the C++ scan cannot vouch for its reading of a file),
//   and FromSqlRow reads its answer back.
// tests/ingest/column_profile_test.cpp checks that both give the same counts.
//
// Thread-safety: a ColumnProfile is a plain value; one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/data_chunk.h"

namespace lakehouse::ingest {

//! The counts and examples of a ColumnProfile, in the order Sql() computes them.
enum ProfileStat {
  kNonNull,       //!< values present (not NULL / empty)
  kIntegers,      //!< -?(0|[1-9][0-9]{0,14})
  kNumbers,       //!< integers, decimals and exponents without leading zeros, <= 15 integer digits
  kBooleans,      //!< true / false in any case
  kDates,         //!< YYYY-MM-DD that is a real date
  kTimestamps,    //!< YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]] that is a real timestamp
  kLeadingZeros,  //!< -?0[0-9]+(\.[0-9]+)?, e.g. ZIP codes and IDs "00123"
  kLongDigits,    //!< 16 or more digits, identifiers a number could not keep exact
  kPhones,        //!< phone numbers such as "+1 555-0100" or "(555) 010-0000"
  kEmails,        //!< name@domain.tld
  kNationalIds,   //!< SSN-like NNN-NN-NNNN
  kTextExample,   //!< example: a value that is not a number, boolean, date or timestamp
  kLeadingZeroExample,
  kPhoneExample,
  kLongExample,
  kProfileStatCount
};

class ColumnProfile {
 public:
  //! Classifies one value. An empty value is NULL (what DuckDB's CSV reader makes of an empty
  //! field, quoted or not) and is not counted.
  void Add(std::string_view value);

  //! The SQL aggregates computing the same profile for the text column `quoted_column` (an
  //! identifier, already quoted), kProfileStatCount comma-separated expressions.
  static std::string Sql(const std::string& quoted_column);

  //! Reads the answer of Sql() from row `row`, columns `first` .. first + kProfileStatCount - 1.
  static ColumnProfile FromSqlRow(const engine::DataChunk& chunk, std::size_t first, std::size_t row);

  std::int64_t count(ProfileStat stat) const { return counts_[stat]; }
  //! The example kept for kTextExample, kLeadingZeroExample, kPhoneExample or kLongExample
  //! (empty if none was seen).
  const std::string& example(ProfileStat stat) const { return examples_[stat]; }

 private:
  std::array<std::int64_t, kProfileStatCount> counts_{};
  std::array<std::string, kProfileStatCount> examples_{};
};

}  // namespace lakehouse::ingest
