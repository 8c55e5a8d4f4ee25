// SQL text helpers: the one way the project quotes names and strings into SQL it builds.
#pragma once

#include <string>
#include <string_view>

namespace lakehouse::engine {

//! Quotes `name` as a SQL identifier: "my ""odd"" name".
std::string QuoteSqlIdentifier(std::string_view name);

//! Quotes `text` as a SQL string literal: 'it''s'.
std::string QuoteSqlString(std::string_view text);

}  // namespace lakehouse::engine
