#include "server/query_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "journal/event.h"
#include "query/time_travel_sql.h"
#include "server/http_error.h"

namespace lakehouse::server {
namespace {

// Output buffered before the status line is committed: results this small get an exact status
// even if they fail late, and are sent whole with a Content-Length.
constexpr std::size_t kCommitBytes = 256 * 1024;
// Size of each streamed piece after that.
constexpr std::size_t kPieceBytes = 64 * 1024;

HttpResponse BadRequest(std::string message) {
  return ErrorResponse(Status::InvalidArgument(std::move(message)));
}

constexpr std::string_view kExample = R"( -- send e.g. {"sql": "SELECT 1", "format": "json"})";

// Parses the body into a request, or the 400 to answer with.
std::variant<query::QueryRequest, HttpResponse> ParseQueryRequest(const std::string& body,
                                                                  const AsOfResolver& as_of) {
  auto json = ParseJson(body);
  if (!json.ok())
    return BadRequest("the body is not valid JSON: " + json.status().message() + std::string(kExample));
  if (!json->is_object()) return BadRequest("the body must be a JSON object" + std::string(kExample));
  query::QueryRequest request;
  for (const auto& [key, value] : json->items()) {
    if (key == "sql") {
      if (!value.is_string()) return BadRequest("sql must be a string" + std::string(kExample));
      request.sql = value.get<std::string>();
    } else if (key == "format") {
      auto format =
          value.is_string() ? query::ParseResultFormat(value.get_ref<const std::string&>()) : std::nullopt;
      if (!format || *format == query::ResultFormat::kTable) {
        return BadRequest("format must be one of \"json\", \"ndjson\", \"csv\", \"arrow\"; got " +
                          ToJsonText(value));
      }
      request.format = *format;
    } else if (key == "timeout_ms") {
      if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) {
        return BadRequest("timeout_ms must be a positive integer (milliseconds); got " + ToJsonText(value));
      }
      request.timeout_ms = value.get<std::int64_t>();
    } else if (key == "as_of" && as_of) {
      auto tables = as_of(value);
      if (!tables.ok()) return ErrorResponse(tables.status());
      request.tables = std::move(tables).value();
    } else {
      return BadRequest("unknown field '" + key + "'; the fields are sql, format, timeout_ms and as_of");
    }
  }
  if (!json->contains("sql")) return BadRequest("sql is missing" + std::string(kExample));
  return request;
}

// The table serving `clause` (an AT clause in the SQL): the dataset as "as_of" would serve it,
// named "<dataset>@v<version>" so that it can sit next to the current one.
Result<query::TableSource> ResolveAtClause(const AsOfResolver& as_of, const query::AtClause& clause) {
  LH_ASSIGN_OR_RETURN(auto current, as_of(Json::object()));
  auto same_name = [](const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  auto named = std::find_if(current.begin(), current.end(),
                            [&](const query::TableSource& t) { return same_name(t.name, clause.table); });
  if (named == current.end()) {
    return Status::InvalidArgument("AT clause on '" + clause.table +
                                   "': no dataset has that name (GET /datasets lists them)");
  }
  if (!named->json_columns.empty()) {
    return Status::InvalidArgument("AT clause on '" + clause.table +
                                   "': the journal keeps every event already; filter it by ts instead");
  }
  const std::string name = named->name;
  Result<std::vector<query::TableSource>> then =
      clause.version ? as_of(Json{{name, *clause.version}}) : as_of(Json(*clause.at_us));
  if (!then.ok()) {
    if (then.status().code() == StatusCode::kNotFound)
      return Status::InvalidArgument(then.status().message());
    return then.status();
  }
  for (auto& table : *then) {
    if (table.name != name) continue;
    table.name = name + "@v" + table.version;
    return table;
  }
  return Status::InvalidArgument(
      fmt::format("dataset '{}' did not exist yet at {} (AT (TIMESTAMP => ...)); "
                  "GET /datasets/{}/versions lists when each version was made",
                  name, journal::IsoTime(*clause.at_us), name));
}

HttpResponse RunQuery(query::QueryService& service, const AsOfResolver& as_of,
                      const HttpRequest& http_request) {
  auto parsed = ParseQueryRequest(http_request.body, as_of);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return std::move(*answer);
  auto& request = std::get<query::QueryRequest>(parsed);
  if (as_of) {
    auto rewrite = query::RewriteAtClauses(
        request.sql, [&](const query::AtClause& clause) { return ResolveAtClause(as_of, clause); },
        service.options().sandbox.extension_dir);
    if (!rewrite.ok()) return ErrorResponse(rewrite.status());
    if (*rewrite) {
      if (!request.tables) {
        auto current = as_of(Json::object());
        if (!current.ok()) return ErrorResponse(current.status());
        request.tables = std::move(current).value();
      }
      for (auto& table : (*rewrite)->tables) request.tables->push_back(std::move(table));
      request.sql = std::move((*rewrite)->sql);
    }
  }
  auto started = service.Start(request);
  if (started.error) return ErrorResponse(started.error->status, started.error->Detail());

  std::shared_ptr<query::QueryStream> stream = std::move(started.stream);
  std::string first;
  const bool more = stream->Read(first, kCommitBytes);
  if (stream->error()) return ErrorResponse(stream->error()->status, stream->error()->Detail());
  HttpResponse response;
  response.content_type = std::string(stream->content_type());
  if (!more) {
    response.body = std::move(first);
    return response;
  }
  // Past the commit point: stream. A failure now can only be reported in band; the producer
  // hands that last piece over, then fails so the server cuts the transfer short.
  response.body_producer = [stream, first = std::move(first),
                            failed = false](std::string& out) mutable -> Result<bool> {
    if (failed) return stream->error()->status;
    if (!first.empty()) {
      out.swap(first);
      return true;
    }
    const bool has_more = stream->Read(out, kPieceBytes);
    if (stream->error()) {
      failed = true;
      return out.empty() ? Result<bool>(stream->error()->status) : Result<bool>(true);
    }
    return has_more;
  };
  return response;
}

}  // namespace

void RegisterQueryRoutes(Router& router, query::QueryService& service, AsOfResolver as_of,
                         std::function<void()> before_query) {
  router.Add("POST", "/query",
             [&service, as_of = std::move(as_of), before = std::move(before_query)](HttpRequest& request) {
               if (before) before();
               return RunQuery(service, as_of, request);
             });
}

}  // namespace lakehouse::server
