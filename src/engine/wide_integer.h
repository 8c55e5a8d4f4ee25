// 128-bit integers as DuckDB stores them (HUGEINT, UHUGEINT, wide DECIMAL): two 64-bit halves.
//
// Internal to the engine module. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lakehouse::engine {

//! Decimal digits of the signed value upper * 2^64 + lower, e.g. "-170141183460469231731687303715884105728".
std::string SignedWideToString(std::int64_t upper, std::uint64_t lower);

//! Decimal digits of the unsigned value upper * 2^64 + lower.
std::string UnsignedWideToString(std::uint64_t upper, std::uint64_t lower);

//! The nearest double to the signed value upper * 2^64 + lower.
double SignedWideToDouble(std::int64_t upper, std::uint64_t lower);

//! The digits of the signed value, with a decimal point inserted `scale` digits from the right
//! (zero-padded so that at least one digit precedes the point): (-5, scale 2) gives "-0.05".
std::string SignedWideToDecimalString(std::int64_t upper, std::uint64_t lower, std::uint8_t scale);

//! Parses optional '-' and decimal digits into a signed 128-bit value; false if malformed or out
//! of range.
bool ParseSignedWide(std::string_view text, std::int64_t* upper, std::uint64_t* lower);

//! Parses decimal digits into an unsigned 128-bit value; false if malformed or out of range.
bool ParseUnsignedWide(std::string_view text, std::uint64_t* upper, std::uint64_t* lower);

}  // namespace lakehouse::engine
