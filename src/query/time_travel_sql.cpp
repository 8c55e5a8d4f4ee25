#include "query/time_travel_sql.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>

#include "common/json.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "engine/sql_text.h"

namespace lakehouse::query {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// A DuckDB with no tables and no access to anything outside itself: parsing and evaluating the
// AT values of untrusted SQL cannot read a file or a URL, or change that.
class Parser {
 public:
  static Result<Parser> Open(const std::string& extension_dir) {
    engine::DatabaseOptions options;
    options.extension_dir = extension_dir;
    LH_ASSIGN_OR_RETURN(auto database, engine::Database::Open(options));
    LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database));
    LH_RETURN_IF_ERROR(
        connection
            .Execute("LOAD json; SET enable_external_access = false; SET autoload_known_extensions = false; "
                     "SET lock_configuration = true;")
            .WithContext("cannot start the SQL parser for AT clauses"));
    return Parser(std::move(database), std::move(connection));
  }

  // The one value of `sql`, or nullopt for NULL.
  Result<std::optional<engine::Value>> Scalar(const std::string& sql) {
    LH_ASSIGN_OR_RETURN(auto result, connection_.Query(sql));
    LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
    if (!chunk || chunk->size() == 0) return Status::Internal("a scalar query returned no row");
    engine::Value value = chunk->GetValue(0, 0);
    if (value.IsNull()) return std::optional<engine::Value>();
    return std::optional<engine::Value>(std::move(value));
  }

  Result<std::string> Text(const std::string& sql) {
    LH_ASSIGN_OR_RETURN(auto value, Scalar(sql));
    if (!value || !value->AsString()) return Status::Internal("the SQL parser returned no text");
    return std::string(*value->AsString());
  }

 private:
  Parser(std::unique_ptr<engine::Database> database, engine::Connection connection)
      : database_(std::move(database)), connection_(std::move(connection)) {}

  std::unique_ptr<engine::Database> database_;
  engine::Connection connection_;
};

// Every BASE_TABLE node of a parse tree that has an AT clause.
void CollectAtRefs(Json& node, std::vector<Json*>& out) {
  if (node.is_object()) {
    auto type = node.find("type");
    auto at = node.find("at_clause");
    if (type != node.end() && *type == "BASE_TABLE" && at != node.end() && !at->is_null())
      out.push_back(&node);
    for (auto& [key, child] : node.items()) CollectAtRefs(child, out);
  } else if (node.is_array()) {
    for (auto& child : node) CollectAtRefs(child, out);
  }
}

// The SQL text of `expr` (a serialised expression) as the single column of a SELECT.
Result<std::string> ExpressionSelect(Parser& parser, const Json& expr) {
  LH_ASSIGN_OR_RETURN(std::string skeleton, parser.Text("SELECT json_serialize_sql('SELECT NULL')"));
  LH_ASSIGN_OR_RETURN(Json tree, ParseJson(skeleton));
  tree["statements"][0]["node"]["select_list"][0] = expr;
  return parser.Text("SELECT json_deserialize_sql(" + engine::QuoteSqlString(ToJsonText(tree)) + ")");
}

Result<AtClause> EvaluateAt(Parser& parser, const Json& ref) {
  AtClause clause;
  clause.table = ref.value("table_name", "");
  const Json& at = ref["at_clause"];
  const std::string unit = Lower(at.value("unit", ""));
  const std::string shown = "AT (" + at.value("unit", "") + " => ...) on " + clause.table;
  LH_ASSIGN_OR_RETURN(std::string select, ExpressionSelect(parser, at["expr"]));
  if (unit == "version") {
    auto value = parser.Scalar("SELECT CAST(lh_at AS BIGINT) FROM (" + select + ") AS lh_t(lh_at)");
    if (!value.ok() || !*value || !(*value)->AsInt64() || *(*value)->AsInt64() < 1) {
      return Status::InvalidArgument(shown + ": the version must be a number 1, 2, ... (GET /datasets/" +
                                     clause.table + "/versions lists them)" +
                                     (value.ok() ? "" : "; " + value.status().message()));
    }
    clause.version = *(*value)->AsInt64();
  } else if (unit == "timestamp") {
    auto value =
        parser.Scalar("SELECT epoch_us(CAST(lh_at AS TIMESTAMP)) FROM (" + select + ") AS lh_t(lh_at)");
    if (!value.ok() || !*value || !(*value)->AsInt64()) {
      return Status::InvalidArgument(
          shown + ": the time must be a timestamp, e.g. TIMESTAMP '2026-03-01 00:00:00' (UTC)" +
          (value.ok() ? "" : "; " + value.status().message()));
    }
    clause.at_us = *(*value)->AsInt64();
  } else {
    return Status::InvalidArgument(
        "AT (" + at.value("unit", "") + " => ...) on " + clause.table +
        ": use AT (VERSION => n) or AT (TIMESTAMP => TIMESTAMP '2026-03-01 00:00:00')");
  }
  return clause;
}

}  // namespace

bool MayHaveAtClause(std::string_view sql) {
  // "AT", then optional whitespace, then "(": as a keyword, not inside a longer word.
  for (std::size_t i = 0; i + 2 <= sql.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(sql[i])) != 'a' ||
        std::tolower(static_cast<unsigned char>(sql[i + 1])) != 't')
      continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_')) continue;
    std::size_t j = i + 2;
    while (j < sql.size() && std::isspace(static_cast<unsigned char>(sql[j]))) ++j;
    if (j < sql.size() && sql[j] == '(') return true;
  }
  return false;
}

Result<std::optional<TimeTravelSql>> RewriteAtClauses(const std::string& sql, const AtClauseResolver& resolve,
                                                      const std::string& extension_dir) {
  if (!MayHaveAtClause(sql)) return std::optional<TimeTravelSql>();
  LH_ASSIGN_OR_RETURN(Parser parser, Parser::Open(extension_dir));
  LH_ASSIGN_OR_RETURN(std::string serialized,
                      parser.Text("SELECT json_serialize_sql(" + engine::QuoteSqlString(sql) + ")"));
  LH_ASSIGN_OR_RETURN(Json tree, ParseJson(serialized));
  // Not one parsable statement: the query service gives the real error, with its position.
  if (tree.value("error", true) || !tree.contains("statements") || tree["statements"].size() != 1) {
    return std::optional<TimeTravelSql>();
  }
  std::vector<Json*> refs;
  CollectAtRefs(tree["statements"], refs);
  if (refs.empty()) return std::optional<TimeTravelSql>();

  TimeTravelSql out;
  for (Json* ref : refs) {
    LH_ASSIGN_OR_RETURN(AtClause clause, EvaluateAt(parser, *ref));
    LH_ASSIGN_OR_RETURN(TableSource source, resolve(clause));
    const std::string alias = ref->value("alias", "");
    (*ref)["alias"] = alias.empty() ? clause.table : alias;
    (*ref)["table_name"] = source.name;
    (*ref)["schema_name"] = "";
    (*ref)["catalog_name"] = "";
    (*ref)["at_clause"] = nullptr;
    const bool known = std::any_of(out.tables.begin(), out.tables.end(),
                                   [&](const TableSource& t) { return Lower(t.name) == Lower(source.name); });
    if (!known) out.tables.push_back(std::move(source));
  }
  auto printed = parser.Text("SELECT json_deserialize_sql(" + engine::QuoteSqlString(ToJsonText(tree)) + ")");
  if (!printed.ok()) {
    return Status::InvalidArgument("cannot apply the AT clauses to this statement (" +
                                   printed.status().message() +
                                   "); use the request's \"as_of\" field instead");
  }
  out.sql = std::move(printed).value();
  return std::optional<TimeTravelSql>(std::move(out));
}

}  // namespace lakehouse::query
