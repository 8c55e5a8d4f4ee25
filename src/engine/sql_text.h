// SQL text helpers: the one way the project quotes names and strings into SQL it builds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lakehouse::engine {

//! Quotes `name` as a SQL identifier: "my ""odd"" name".
std::string QuoteSqlIdentifier(std::string_view name);

//! Quotes `text` as a SQL string literal: 'it''s'.
std::string QuoteSqlString(std::string_view text);

//! A SQL list of string literals: ['a', 'it''s'].
std::string QuoteSqlStringList(const std::vector<std::string>& texts);

}  // namespace lakehouse::engine
