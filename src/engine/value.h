// Value: one SQL value read from or sent to DuckDB, with its logical type.
//
// A Value is a small tag + std::variant; it owns its data and is safe to copy and to use from
// any thread. Each logical type uses one payload alternative:
//   NULL (any type)                          std::monostate
//   BOOLEAN                                  bool
//   TINYINT, SMALLINT, INTEGER, BIGINT       int64_t
//   UTINYINT, USMALLINT, UINTEGER, UBIGINT   uint64_t
//   FLOAT, DOUBLE                            double (a FLOAT prints with float precision)
//   DECIMAL                                  Decimal (exact)
//   INTERVAL                                 Interval
//   DATE                                     int64_t days since 1970-01-01
//   TIME                                     int64_t microseconds since midnight
//   TIME_NS                                  int64_t nanoseconds since midnight
//   TIMESTAMP, _S, _MS, WITH TIME ZONE       int64_t microseconds since 1970-01-01 00:00:00 UTC
//   TIMESTAMP_NS                             int64_t nanoseconds since 1970-01-01 00:00:00 UTC
//   HUGEINT, UHUGEINT                        std::string, the exact decimal digits
//   VARCHAR, ENUM                            std::string, the text
//   BLOB                                     std::string, the raw bytes
//   UUID                                     std::string, canonical lower-case text
//   BIT                                      std::string of '0' and '1'
//   TIME WITH TIME ZONE                      std::string, as DuckDB prints it ("12:00:00+05:30")
//   LIST, ARRAY, STRUCT, MAP, UNION          std::string, as DuckDB prints it ("[1, 2, NULL]")
// Infinite DATE and TIMESTAMP values keep DuckDB's sentinels (the extreme integers) and print
// as "infinity" / "-infinity".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "engine/type_id.h"

namespace lakehouse::engine {

//! An exact DECIMAL(width, scale): value = unscaled / 10^scale, unscaled a 128-bit integer.
struct Decimal {
  std::uint8_t width = 18;  //!< total number of digits, 1..38
  std::uint8_t scale = 0;   //!< digits after the decimal point, 0..width
  std::int64_t upper = 0;   //!< high 64 bits of the two's-complement unscaled value
  std::uint64_t lower = 0;  //!< low 64 bits of the unscaled value

  //! The decimal unscaled / 10^scale; FromUnscaled(123450, 15, 2) is 1234.50.
  static Decimal FromUnscaled(std::int64_t unscaled, std::uint8_t width, std::uint8_t scale);

  //! The unscaled value, if it fits in 64 bits.
  std::optional<std::int64_t> Unscaled64() const;
  //! Exact text with exactly `scale` fraction digits, e.g. "1234.50", "-0.05", "7".
  std::string ToString() const;
  //! The nearest double (rounded once).
  double ToDouble() const;

  bool operator==(const Decimal& other) const = default;
};

//! An INTERVAL: months, days and microseconds are kept apart, as in DuckDB.
struct Interval {
  std::int32_t months = 0;  //!< months (a year is 12)
  std::int32_t days = 0;    //!< days
  std::int64_t micros = 0;  //!< microseconds

  //! DuckDB's rendering, e.g. "1 year 2 months 3 days 04:05:06.7", "00:00:00".
  std::string ToString() const;

  bool operator==(const Interval& other) const = default;
};

class Value {
 public:
  //! The payload alternatives; see the table at the top of this file for which type uses which.
  using Payload =
      std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, Decimal, Interval>;

  //! A NULL of type NULL.
  Value() = default;

  //! A NULL of the given type (a NULL read from a column keeps the column's type).
  static Value Null(TypeId type = TypeId::kSqlNull);
  //! A BOOLEAN.
  static Value Boolean(bool v);
  //! A signed integer; `type` is one of TINYINT, SMALLINT, INTEGER, BIGINT.
  static Value Integer(std::int64_t v, TypeId type = TypeId::kBigInt);
  //! An unsigned integer; `type` is one of UTINYINT, USMALLINT, UINTEGER, UBIGINT.
  static Value Unsigned(std::uint64_t v, TypeId type = TypeId::kUBigInt);
  //! A FLOAT.
  static Value Float(float v);
  //! A DOUBLE.
  static Value Double(double v);
  //! A DECIMAL.
  static Value FromDecimal(const Decimal& v);
  //! An INTERVAL.
  static Value FromInterval(const Interval& v);
  //! A VARCHAR (UTF-8 text).
  static Value Varchar(std::string v);
  //! A BLOB of raw bytes.
  static Value Blob(std::string bytes);
  //! A DATE, days since 1970-01-01.
  static Value Date(std::int32_t days_since_epoch);
  //! A TIME, microseconds since midnight.
  static Value Time(std::int64_t micros_since_midnight);
  //! A TIMESTAMP, microseconds since 1970-01-01 00:00:00.
  static Value Timestamp(std::int64_t micros_since_epoch);
  //! A TIMESTAMP WITH TIME ZONE, microseconds since 1970-01-01 00:00:00 UTC.
  static Value TimestampTz(std::int64_t micros_since_epoch);
  //! A UUID in canonical text form, e.g. "c47aed72-90d5-4d89-803b-fdfa18245015".
  static Value Uuid(std::string text);
  //! A DATE, TIME, TIME_NS or TIMESTAMP* value from its integer count (unit per the table above).
  static Value Temporal(TypeId type, std::int64_t count);
  //! A value whose payload is text: HUGEINT, UHUGEINT, ENUM, BIT, TIME WITH TIME ZONE and the
  //! nested types (plus VARCHAR, BLOB, UUID).
  static Value Text(TypeId type, std::string text);

  //! The logical type; for a NULL, the type of the column or parameter it came from.
  TypeId type() const { return type_; }
  //! True for SQL NULL.
  bool IsNull() const { return std::holds_alternative<std::monostate>(payload_); }
  //! The raw payload, for callers that switch over all alternatives (e.g. serialisers).
  const Payload& payload() const { return payload_; }

  //! The BOOLEAN, or nullopt for NULL and other types.
  std::optional<bool> AsBool() const;
  //! An integer of any width (including HUGEINT, e.g. from sum()) whose value fits in int64, or
  //! the count of a DATE/TIME/TIMESTAMP value; nullopt otherwise.
  std::optional<std::int64_t> AsInt64() const;
  //! An integer of any width whose value fits in uint64; nullopt otherwise.
  std::optional<std::uint64_t> AsUInt64() const;
  //! Any numeric value (integers, HUGEINT, FLOAT, DOUBLE, DECIMAL) as the nearest double.
  std::optional<double> AsDouble() const;
  //! The text (or bytes, for BLOB) of a string-payload value; nullopt otherwise. The view is
  //! valid while this Value is alive and unchanged.
  std::optional<std::string_view> AsString() const;
  //! The DECIMAL, or nullopt.
  std::optional<Decimal> AsDecimal() const;
  //! The INTERVAL, or nullopt.
  std::optional<Interval> AsInterval() const;

  //! The value as DuckDB prints it when casting to VARCHAR: "NULL", "true", "1234.50",
  //! "2024-03-01", "2024-03-01 12:00:00.5", "\xFF" for a blob byte, "inf" for infinity.
  //! A TIMESTAMP WITH TIME ZONE prints in UTC with a "+00" suffix.
  std::string ToString() const;

  //! Same type and same payload (NaN differs from itself, as in IEEE arithmetic).
  bool operator==(const Value& other) const = default;

 private:
  Value(TypeId type, Payload payload) : type_(type), payload_(std::move(payload)) {}

  TypeId type_ = TypeId::kSqlNull;
  Payload payload_;
};

}  // namespace lakehouse::engine
