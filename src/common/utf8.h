// UTF-8 well-formedness, the one rule every parser and writer of the project applies.
#pragma once

#include <cstddef>
#include <string_view>

namespace lakehouse {

//! Length (1-4) of the well-formed UTF-8 sequence starting at text[pos], or 0 if it is malformed:
//! overlong forms, surrogates and code points above U+10FFFF are malformed (RFC 3629, Unicode
//! table 3-7). `pos` must be inside `text`.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t pos);

//! True if all of `text` is well-formed UTF-8.
bool IsWellFormedUtf8(std::string_view text);

}  // namespace lakehouse
