#include "server/storage_routes.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>
#include <string>

#include "server/http_error.h"
#include "storage/journaled_object_store.h"

namespace lakehouse::server {
namespace {

constexpr std::uint64_t kChunkBytes = 4 << 20;

HttpResponse BadRequest(const std::string& message) {
  return ErrorResponse(Status::InvalidArgument(message));
}

// Rejects parameters a route does not know, so a typo ("buket=") is not silently ignored.
std::optional<HttpResponse> RejectUnknownParams(const HttpRequest& request,
                                                const std::set<std::string>& known) {
  for (const auto& [name, value] : request.query) {
    if (!known.contains(name)) {
      return BadRequest(fmt::format("unknown query parameter '{}' on {}; known parameters: {}", name,
                                    request.path, fmt::join(known, ", ")));
    }
  }
  return std::nullopt;
}

bool ParseInteger(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// Epoch microseconds, or an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SS[.fraction]Z".
std::optional<std::int64_t> ParseTime(std::string_view text) {
  std::int64_t micros = 0;
  if (ParseInteger(text, micros)) return micros >= 0 ? std::optional(micros) : std::nullopt;
  if (text.size() < 20 || text.size() > 32 || text.back() != 'Z') return std::nullopt;
  const std::string owned(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(owned.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                  &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 ||
      year < 1970) {
    return std::nullopt;
  }
  std::int64_t fraction_us = 0;
  std::string_view rest = std::string_view(owned).substr(19, owned.size() - 20);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2 || rest.size() > 10) return std::nullopt;
    std::string digits(rest.substr(1));
    if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    digits.resize(6, '0');
    fraction_us = std::stoll(digits);
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = ::timegm(&tm);
  if (seconds < 0) return std::nullopt;
  return static_cast<std::int64_t>(seconds) * 1'000'000 + fraction_us;
}

std::string Rfc3339(std::chrono::system_clock::time_point time) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(time));
}

HttpResponse ListErrors(BucketRegistry& buckets, HttpRequest& request) {
  if (auto bad = RejectUnknownParams(request, {"bucket", "op", "since", "until", "limit"})) return *bad;
  BucketErrorQuery query;
  if (auto bucket = request.Query("bucket")) {
    if (!buckets.Get(*bucket).ok()) {
      return BadRequest(fmt::format("bucket='{}' is not a configured bucket; use one of: {}", *bucket,
                                    fmt::join(buckets.names(), ", ")));
    }
    query.bucket = std::string(*bucket);
  }
  if (auto op = request.Query("op")) {
    const auto& ops = BucketErrorJournal::Operations();
    if (std::find(ops.begin(), ops.end(), *op) == ops.end()) {
      return BadRequest(
          fmt::format("op='{}' is not a bucket operation; use one of: {}", *op, fmt::join(ops, ", ")));
    }
    query.op = std::string(*op);
  }
  for (const char* name : {"since", "until"}) {
    auto text = request.Query(name);
    if (!text) continue;
    const std::optional<std::int64_t> time = ParseTime(*text);
    if (!time) {
      return BadRequest(fmt::format(
          "{}='{}' is not a time; use RFC 3339 UTC such as 2026-11-23T16:00:00Z or epoch microseconds", name,
          *text));
    }
    (std::string_view(name) == "since" ? query.since_us : query.until_us) = *time;
  }
  if (query.since_us > query.until_us) {
    return BadRequest("since is after until; swap them or drop one");
  }
  if (auto text = request.Query("limit")) {
    std::int64_t limit = 0;
    if (!ParseInteger(*text, limit) || limit < 1 || limit > 1000) {
      return BadRequest(fmt::format("limit='{}' must be an integer from 1 to 1000", *text));
    }
    query.limit = static_cast<std::size_t>(limit);
  }
  Result<std::vector<Json>> found = buckets.errors().Query(query);
  if (!found.ok()) return ErrorResponse(found.status());
  Json errors = Json::array();
  for (Json& record : *found) errors.push_back(std::move(record));
  const std::size_t count = errors.size();
  return HttpResponse::FromJson(200, {{"errors", std::move(errors)}, {"count", count}});
}

HttpResponse ListObjects(BucketRegistry& buckets, HttpRequest& request) {
  if (auto bad = RejectUnknownParams(request, {"prefix", "limit"})) return *bad;
  Result<ObjectStore*> store = buckets.Get(request.path_params["bucket"]);
  if (!store.ok()) return ErrorResponse(store.status());
  std::int64_t limit = 1000;
  if (auto text = request.Query("limit")) {
    if (!ParseInteger(*text, limit) || limit < 1 || limit > 10000) {
      return BadRequest(fmt::format("limit='{}' must be an integer from 1 to 10000", *text));
    }
  }
  const std::string prefix(request.Query("prefix").value_or(""));
  Result<std::vector<ObjectInfo>> listed = (*store)->List(prefix);
  if (!listed.ok()) return ErrorResponse(listed.status());
  Json objects = Json::array();
  for (const ObjectInfo& info : *listed) {
    if (objects.size() >= static_cast<std::size_t>(limit)) break;
    objects.push_back(
        {{"key", info.key}, {"size", info.size}, {"last_modified", Rfc3339(info.last_modified)}});
  }
  const bool truncated = listed->size() > static_cast<std::size_t>(limit);
  return HttpResponse::FromJson(200, {{"objects", std::move(objects)}, {"truncated", truncated}});
}

HttpResponse GetObject(BucketRegistry& buckets, HttpRequest& request) {
  if (auto bad = RejectUnknownParams(request, {"key"})) return *bad;
  const std::string bucket = request.path_params["bucket"];
  Result<ObjectStore*> target = buckets.Get(bucket);
  if (!target.ok()) return ErrorResponse(target.status());
  auto key = request.Query("key");
  if (!key || key->empty()) return BadRequest("give the object's key as ?key=...");
  const std::string object_key(*key);

  // Decide the source once: if the target is down now, every range comes from the rescue bucket,
  // so one response never mixes bytes of two copies.
  ObjectStore* source = *target;
  Result<ObjectInfo> info = Status::Internal("unset");
  {
    RescueReadScope scope;
    info = source->Head(object_key);
    if (scope.served() && buckets.rescue() != nullptr) source = buckets.rescue();
  }
  if (source != *target) RescueReadScope::Note(bucket, source->name());
  if (!info.ok()) return ErrorResponse(info.status());
  Result<std::string> first = source->GetRange(object_key, 0, kChunkBytes);
  if (!first.ok()) return ErrorResponse(first.status());

  HttpResponse response;
  response.content_type = "application/octet-stream";
  if (info->size <= first->size()) {
    response.body = std::move(first).value();
    return response;
  }
  auto offset = std::make_shared<std::uint64_t>(0);
  auto pending = std::make_shared<std::string>(std::move(first).value());
  const std::uint64_t size = info->size;
  response.body_producer = [source, object_key, offset, pending, size](std::string& out) -> Result<bool> {
    if (!pending->empty()) {
      out.swap(*pending);
      pending->clear();
    } else {
      LH_ASSIGN_OR_RETURN(out, source->GetRange(object_key, *offset, kChunkBytes));
      if (out.empty())
        return Status::IOError(fmt::format("object '{}' ended early while streaming", object_key));
    }
    *offset += out.size();
    return *offset < size;
  };
  return response;
}

}  // namespace

void RegisterStorageRoutes(Router& router, BucketRegistry& buckets, const StorageOptions& options,
                           std::function<Json()> bucket_states) {
  router.Add("GET", "/storage/buckets", [&buckets, &options, bucket_states](HttpRequest&) {
    // Health comes from the last background check: a GET must not write probes.
    const Json states = bucket_states ? bucket_states() : Json::object();
    Json list = Json::array();
    for (const std::string& name : buckets.names()) {
      const auto configured = options.buckets.find(name);
      Json entry = {{"name", name}};
      if (configured != options.buckets.end()) {
        entry["backend"] = configured->second.backend;
        entry["class"] = configured->second.bucket_class.empty() ? (name == "primary" ? "primary" : "tenant")
                                                                 : configured->second.bucket_class;
      }
      if (states.is_object() && states.contains(name)) {
        for (const auto& [k, v] : states[name].items()) entry[k] = v;
      }
      list.push_back(std::move(entry));
    }
    Json answer = {{"buckets", std::move(list)}};
    if (buckets.rescue() != nullptr) answer["rescue"] = buckets.rescue()->name();
    return HttpResponse::FromJson(200, answer);
  });
  router.Add("GET", "/storage/errors",
             [&buckets](HttpRequest& request) { return ListErrors(buckets, request); });
  router.Add("GET", "/storage/buckets/{bucket}/objects",
             [&buckets](HttpRequest& request) { return ListObjects(buckets, request); });
  router.Add("GET", "/storage/buckets/{bucket}/object",
             [&buckets](HttpRequest& request) { return GetObject(buckets, request); });
}

}  // namespace lakehouse::server
