// The project's one JSON codec: nlohmann::json, behind two functions that never throw.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lakehouse {

using Json = nlohmann::json;

//! Parses `text` as one JSON document. Returns InvalidArgument naming the byte offset and the
//! problem when the text is not valid JSON (including invalid UTF-8 and trailing garbage).
Result<Json> ParseJson(std::string_view text);

//! Serialises compactly. Invalid UTF-8 inside strings is replaced by U+FFFD rather than failing,
//! so logging or answering with user-supplied bytes can never throw.
std::string ToJsonText(const Json& value);

//! Appends `text` to `out` as a JSON string literal, byte for byte what ToJsonText writes for it
//! (the same escapes; invalid UTF-8 replaced by U+FFFD). For hot paths that write records field
//! by field instead of building a Json value.
void AppendJsonString(std::string& out, std::string_view text);

//! Serialises with two-space indentation, for people.
std::string ToPrettyJsonText(const Json& value);

}  // namespace lakehouse
