#include "common/json.h"

#include <fmt/format.h>

namespace lakehouse {

Result<Json> ParseJson(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& err) {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at ...";
    // keep only the human part.
    std::string what = err.what();
    auto pos = what.find("] ");
    if (pos != std::string::npos) what = what.substr(pos + 2);
    return Status::InvalidArgument(fmt::format("body is not valid JSON (byte {}): {}", err.byte, what));
  }
}

std::string ToJsonText(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ToPrettyJsonText(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace lakehouse
