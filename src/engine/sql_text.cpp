#include "engine/sql_text.h"

namespace lakehouse::engine {
namespace {

std::string Enclose(std::string_view text, char quote) {
  std::string out(1, quote);
  out.reserve(text.size() + 2);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::string QuoteSqlIdentifier(std::string_view name) { return Enclose(name, '"'); }

std::string QuoteSqlString(std::string_view text) { return Enclose(text, '\''); }

std::string QuoteSqlStringList(const std::vector<std::string>& texts) {
  std::string out = "[";
  for (const auto& text : texts) out += (out.size() == 1 ? "" : ", ") + QuoteSqlString(text);
  return out + "]";
}

}  // namespace lakehouse::engine
