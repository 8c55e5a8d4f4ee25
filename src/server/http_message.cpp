#include "server/http_message.h"

namespace lakehouse::server {

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

HttpResponse HttpResponse::FromJson(int status, const Json& value) {
  HttpResponse response;
  response.status = status;
  response.body = ToJsonText(value);
  return response;
}

}  // namespace lakehouse::server

namespace lakehouse::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (and '+' as space when `plus_is_space`, as in query strings).
Result<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return Status::InvalidArgument(
            "malformed percent-encoding in the request URL: '%' must be followed by two hex digits");
      }
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return Status::InvalidArgument(
            "malformed percent-encoding in the request URL: '%' must be followed by two hex digits");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Status ParseTarget(std::string_view target, HttpRequest& request) {
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("the request target must be a path starting with '/'");
  }
  auto qpos = target.find('?');
  LH_ASSIGN_OR_RETURN(request.path, PercentDecode(target.substr(0, qpos), false));
  request.query.clear();
  if (qpos == std::string_view::npos) return Status::OK();
  std::string_view rest = target.substr(qpos + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    LH_ASSIGN_OR_RETURN(std::string key, PercentDecode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      LH_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
    }
    request.query[std::move(key)] = std::move(value);
  }
  return Status::OK();
}

}  // namespace lakehouse::server
