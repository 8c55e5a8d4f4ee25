// TypeId: the DuckDB logical types the engine module can hand to its callers.
//
// Plain enum and a name function; safe to use from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace lakehouse::engine {

//! A column's or value's logical type, following DuckDB's type system.
enum class TypeId : std::uint8_t {
  kInvalid = 0,
  kSqlNull,  //!< the type of an untyped NULL literal
  kBoolean,
  kTinyInt,
  kSmallInt,
  kInteger,
  kBigInt,
  kUTinyInt,
  kUSmallInt,
  kUInteger,
  kUBigInt,
  kHugeInt,   //!< 128-bit signed integer
  kUHugeInt,  //!< 128-bit unsigned integer
  kFloat,
  kDouble,
  kDecimal,
  kVarchar,
  kBlob,
  kBit,  //!< bit string, e.g. 0101
  kDate,
  kTime,          //!< time of day, microsecond precision
  kTimeNs,        //!< time of day, nanosecond precision
  kTimeTz,        //!< TIME WITH TIME ZONE
  kTimestamp,     //!< microsecond precision, no time zone
  kTimestampSec,  //!< TIMESTAMP_S
  kTimestampMs,   //!< TIMESTAMP_MS
  kTimestampNs,   //!< TIMESTAMP_NS
  kTimestampTz,   //!< TIMESTAMP WITH TIME ZONE (an instant, stored as UTC)
  kInterval,
  kUuid,
  kEnum,
  kList,
  kArray,  //!< fixed-size list, e.g. INTEGER[3]
  kStruct,
  kMap,
  kUnion,
  kUnsupported,  //!< a type the engine cannot decode (BIGNUM, GEOMETRY, VARIANT, ...)
};

//! The upper-case SQL name of a type id without parameters, e.g. "DECIMAL", "TIMESTAMP WITH TIME ZONE".
std::string_view TypeIdName(TypeId id);

//! True for LIST, ARRAY, STRUCT, MAP and UNION, whose values the engine returns as text.
bool IsNestedType(TypeId id);

}  // namespace lakehouse::engine
