#include "storage/s3_object_store.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <utility>

#include "common/log.h"
#include "common/sha256.h"
#include "storage/http_client.h"
#include "storage/object_key.h"

namespace lakehouse {
namespace {

// libcurl gained CURLOPT_AWS_SIGV4 in 7.75.0.
constexpr unsigned kMinCurlVersion = (7U << 16) | (75U << 8);

// Percent-encodes `text` the way SigV4 canonicalises URIs: unreserved characters stay, everything
// else becomes %XX (upper-case hex); '/' stays when `keep_slash`. Sending the URL already in
// canonical form makes the signature independent of how a libcurl version canonicalises it.
std::string AwsEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// "2026-11-23T14:20:00.123Z" (ListObjectsV2) -> time point; epoch on a malformed value.
std::chrono::system_clock::time_point ParseIso8601(const std::string& text) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &millis) < 6) {
    return {};
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
}

using HttpResponse = HttpClientResponse;

// An S3 error document: <Error><Code>..</Code><Message>..</Message></Error>.
struct S3Error {
  std::string code;
  std::string message;
};

S3Error ParseS3Error(const HttpResponse& response) {
  S3Error error;
  pugi::xml_document doc;
  if (!response.body.empty() && doc.load_buffer(response.body.data(), response.body.size())) {
    const pugi::xml_node root = doc.child("Error");
    error.code = root.child_value("Code");
    error.message = root.child_value("Message");
  }
  if (error.code.empty()) {
    // HEAD answers carry no body; MinIO names the code in a header, others do not.
    error.code = response.Header("x-minio-error-code");
    error.message = response.Header("x-minio-error-desc");
  }
  if (error.code.empty()) {
    switch (response.status) {
      case 403: error.code = "AccessDenied"; break;
      case 404: error.code = "NotFound"; break;
      case 412: error.code = "PreconditionFailed"; break;
      case 416: error.code = "InvalidRange"; break;
      default: break;
    }
  }
  return error;
}

}  // namespace

// One request to the remote bucket.
struct S3Request {
  std::string method = "GET";
  std::string key;                                         // empty: a bucket-level request
  std::vector<std::pair<std::string, std::string>> query;  // unencoded
  std::vector<std::string> headers;                        // "Name: value"
  std::string_view body;
  bool has_body = false;
};

class S3ObjectStore::Impl {
 public:
  Impl(std::string name, S3Options options, AccessKeyPair credentials, std::string scheme, std::string host)
      : name_(std::move(name)),
        options_(std::move(options)),
        credentials_(std::move(credentials)),
        scheme_(std::move(scheme)),
        host_(std::move(host)),
        sigv4_{"aws:amz:" + options_.region + ":s3", credentials_.access_key, credentials_.secret_key},
        client_(Where(), ClientOptions(options_)) {}

  const std::string& name() const { return name_; }
  const S3Options& options() const { return options_; }
  const AccessKeyPair& credentials() const { return credentials_; }

  // "bucket 'primary' (s3://remote at http://host:port)"; the start of every error message.
  std::string Where() const {
    return fmt::format("bucket '{}' (s3://{} at {})", name_, options_.bucket, options_.endpoint);
  }

  std::string Url(const S3Request& request) const {
    std::string url = scheme_ + "://";
    if (options_.virtual_host_style) {
      url += options_.bucket + "." + host_ + "/";
    } else {
      url += host_ + "/" + AwsEncode(options_.bucket, false);
      if (!request.key.empty()) url += "/";
    }
    url += AwsEncode(request.key, true);
    if (!request.query.empty()) {
      auto query = request.query;
      std::sort(query.begin(), query.end());
      char separator = '?';
      for (const auto& [k, v] : query) {
        url += separator;
        url += AwsEncode(k, false) + "=" + AwsEncode(v, false);
        separator = '&';
      }
    }
    return url;
  }

  // Sends `request` through the one HTTP client (storage/http_client.h), which retries transport
  // failures and 5xx answers with backoff. Returns the final HTTP response whatever its status,
  // or a Status if no response came at all. `max_attempts` > 0 overrides the bucket's.
  Result<HttpResponse> Send(const S3Request& request, std::string_view op, int max_attempts = 0) {
    HttpClientRequest http;
    http.method = request.method;
    http.url = Url(request);
    http.sigv4 = &sigv4_;
    http.max_attempts = max_attempts;
    http.headers.push_back("x-amz-content-sha256: " + Sha256::Of(request.body));
    if (options_.clock_offset_seconds != 0) {
      // libcurl signs with a request time the caller supplies in X-Amz-Date.
      const std::time_t now = std::time(nullptr) + options_.clock_offset_seconds;
      std::tm utc{};
      gmtime_r(&now, &utc);
      char stamp[32];
      std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &utc);
      http.headers.push_back(std::string("X-Amz-Date: ") + stamp);
    }
    bool has_content_type = false;
    for (const std::string& header : request.headers) {
      http.headers.push_back(header);
      if (header.starts_with("Content-Type:")) has_content_type = true;
    }
    if (request.has_body) {
      if (!has_content_type) http.headers.emplace_back("Content-Type: application/octet-stream");
      http.body_view = request.body;
    }
    Result<HttpResponse> response = client_.Send(http);
    if (response.ok()) return response;
    // The client's message starts with Where(); insert the operation and the key after it.
    const std::string& message = response.status().message();
    const std::string what = request.key.empty() ? fmt::format("{}: {}", Where(), op)
                                                 : fmt::format("{}: {} '{}'", Where(), op, request.key);
    const std::string rest = message.starts_with(Where()) ? message.substr(Where().size()) : ": " + message;
    return Status(response.status().code(), what + rest);
  }

  // The Status for a response that is not a success; `key` may be empty.
  Status ErrorFor(std::string_view op, std::string_view key, const HttpResponse& response) const {
    const S3Error error = ParseS3Error(response);
    const std::string what =
        key.empty() ? fmt::format("{}: {}", Where(), op) : fmt::format("{}: {} '{}'", Where(), op, key);
    const std::string server_says =
        error.message.empty() ? std::string() : fmt::format(" (server: {})", error.message);
    const std::string& c = error.code;
    if (c == "NoSuchKey" || (c == "NotFound" && !key.empty())) {
      return Status::NotFound(fmt::format("{}: no object has this key", what));
    }
    if (c == "NoSuchBucket") {
      return Status::FailedPrecondition(
          fmt::format("{}: the remote bucket '{}' does not exist; create it, or set "
                      "storage.buckets.{}.bucket to an existing "
                      "one",
                      what, options_.bucket, name_));
    }
    if (c == "InvalidAccessKeyId") {
      return Status::PermissionDenied(fmt::format(
          "{}: the server does not know the access key (InvalidAccessKeyId); check the credentials behind "
          "storage.buckets.{}.secret_ref",
          what, name_));
    }
    if (c == "SignatureDoesNotMatch") {
      return Status::PermissionDenied(
          fmt::format("{}: the server rejected the request signature (SignatureDoesNotMatch): the secret key "
                      "is wrong for "
                      "this access key, or the region is wrong; check the credentials behind "
                      "storage.buckets.{}.secret_ref "
                      "and storage.buckets.{}.region",
                      what, name_, name_));
    }
    if (c == "RequestTimeTooSkewed") {
      return Status::FailedPrecondition(fmt::format(
          "{}: clock skew: the clock of this machine differs from the storage server's by more "
          "than the server allows (RequestTimeTooSkewed){}; fix NTP (time synchronisation) on this "
          "machine or on the server, then retry",
          what, server_says));
    }
    if (c == "AccessDenied") {
      return Status::PermissionDenied(
          fmt::format("{}: access denied{}; grant these credentials access to the bucket, or check "
                      "storage.buckets.{}.secret_ref",
                      what, server_says, name_));
    }
    if (c == "PreconditionFailed" || c == "ConditionalRequestConflict") {
      return Status::AlreadyExists(fmt::format("{}: an object with this key already exists", what));
    }
    if (response.status >= 500) {
      return Status::Unavailable(
          fmt::format("{}: the server failed with HTTP {} {}{} after {} attempt(s); retry later", what,
                      response.status, c, server_says, response.attempts));
    }
    return Status::IOError(fmt::format("{}: the server answered HTTP {} {}{}", what, response.status,
                                       c.empty() ? "(no error code)" : c, server_says));
  }

  // Sends and maps any non-2xx answer to a Status.
  Result<HttpResponse> Call(const S3Request& request, std::string_view op) {
    LH_ASSIGN_OR_RETURN(HttpResponse response, Send(request, op));
    if (response.status < 200 || response.status >= 300) return ErrorFor(op, request.key, response);
    return response;
  }

  Status PutObject(std::string_view key, std::string_view data, bool if_absent) {
    S3Request request;
    request.method = "PUT";
    request.key = std::string(key);
    request.body = data;
    request.has_body = true;
    if (if_absent) request.headers.emplace_back("If-None-Match: *");
    return Call(request, if_absent ? "put-if-absent" : "put").status();
  }

  Result<std::string> StartUpload(const std::string& key) {
    S3Request request;
    request.method = "POST";
    request.key = key;
    request.query = {{"uploads", ""}};
    request.has_body = true;
    LH_ASSIGN_OR_RETURN(HttpResponse response, Call(request, "start multipart upload of"));
    pugi::xml_document doc;
    doc.load_buffer(response.body.data(), response.body.size());
    std::string id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (id.empty()) {
      return Status::IOError(
          fmt::format("{}: start multipart upload of '{}': the answer has no UploadId", Where(), key));
    }
    return id;
  }

  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id, int number,
                                 std::string_view data) {
    S3Request request;
    request.method = "PUT";
    request.key = key;
    request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
    request.body = data;
    request.has_body = true;
    LH_ASSIGN_OR_RETURN(HttpResponse response, Call(request, fmt::format("upload part {} of", number)));
    std::string etag = response.Header("etag");
    if (etag.empty()) {
      return Status::IOError(
          fmt::format("{}: upload part {} of '{}': the answer has no ETag", Where(), number, key));
    }
    return etag;
  }

  Status CompleteUpload(const std::string& key, const std::string& upload_id,
                        const std::vector<std::string>& etags) {
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
    for (size_t i = 0; i < etags.size(); ++i) {
      pugi::xml_node part = root.append_child("Part");
      part.append_child("PartNumber").text().set(static_cast<unsigned>(i + 1));
      part.append_child("ETag").text().set(etags[i].c_str());
    }
    std::ostringstream xml;
    doc.save(xml, "", pugi::format_raw | pugi::format_no_declaration);
    const std::string body = xml.str();
    S3Request request;
    request.method = "POST";
    request.key = key;
    request.query = {{"uploadId", upload_id}};
    request.body = body;
    request.has_body = true;
    request.headers.emplace_back("Content-Type: application/xml");
    LH_ASSIGN_OR_RETURN(HttpResponse response, Call(request, "complete multipart upload of"));
    // S3 may answer 200 and still report a failure in the body.
    pugi::xml_document answer;
    if (answer.load_buffer(response.body.data(), response.body.size()) && answer.child("Error")) {
      response.status = 500;
      return ErrorFor("complete multipart upload of", key, response);
    }
    return Status::OK();
  }

  Status AbortUpload(const std::string& key, const std::string& upload_id) {
    S3Request request;
    request.method = "DELETE";
    request.key = key;
    request.query = {{"uploadId", upload_id}};
    Result<HttpResponse> response = Send(request, "abort multipart upload of");
    if (!response.ok()) return response.status();
    if (response->status == 404 || (response->status >= 200 && response->status < 300)) return Status::OK();
    return ErrorFor("abort multipart upload of", key, *response);
  }

 private:
  static HttpClientOptions ClientOptions(const S3Options& options) {
    HttpClientOptions client;
    client.connect_timeout_ms = options.connect_timeout_ms;
    client.request_timeout_ms = options.request_timeout_ms;
    client.max_attempts = options.max_attempts;
    client.backoff_initial_ms = options.backoff_initial_ms;
    client.backoff_max_ms = options.backoff_max_ms;
    client.endpoint_hint = "the bucket's endpoint";
    client.timeout_hint = "the bucket's request_timeout_ms";
    return client;
  }

  std::string name_;
  S3Options options_;
  AccessKeyPair credentials_;
  std::string scheme_;
  std::string host_;  // host[:port]
  HttpAwsSigV4 sigv4_;
  HttpClient client_;  // after sigv4_ and the options: built from them
};

namespace {

// A streaming write: one PUT for a small object, a multipart upload for a large one.
class S3ObjectWriter final : public ObjectWriter {
 public:
  S3ObjectWriter(S3ObjectStore::Impl* store, std::string key) : store_(store), key_(std::move(key)) {}
  ~S3ObjectWriter() override { Abort(); }

  Status Append(std::string_view data) override {
    if (state_ != State::kOpen) return NotOpen();
    buffer_.append(data);
    bytes_ += data.size();
    const uint64_t part_size = store_->options().part_size_bytes;
    while (buffer_.size() >= part_size) {
      if (Status sent = SendPart(std::string_view(buffer_).substr(0, part_size)); !sent.ok()) {
        Abort();
        return sent;
      }
      buffer_.erase(0, part_size);
    }
    return Status::OK();
  }

  Status Commit() override {
    if (state_ != State::kOpen) return NotOpen();
    Status done;
    if (upload_id_.empty()) {
      done = store_->PutObject(key_, buffer_, false);
    } else {
      if (!buffer_.empty()) done = SendPart(buffer_);
      if (done.ok()) done = store_->CompleteUpload(key_, upload_id_, etags_);
    }
    if (!done.ok()) {
      Abort();
      return done;
    }
    state_ = State::kCommitted;
    buffer_.clear();
    buffer_.shrink_to_fit();
    return Status::OK();
  }

  void Abort() override {
    if (state_ != State::kOpen) return;
    state_ = State::kAborted;
    buffer_.clear();
    buffer_.shrink_to_fit();
    if (upload_id_.empty()) return;
    if (Status aborted = store_->AbortUpload(key_, upload_id_); !aborted.ok()) {
      // The parts stay invisible; the server's stale-upload cleanup removes them.
      log::Warn("s3 multipart upload could not be aborted",
                Json{{"bucket", store_->name()}, {"key", key_}, {"cause", aborted.ToString()}});
    }
  }

  const std::string& key() const override { return key_; }
  uint64_t bytes_written() const override { return bytes_; }

 private:
  enum class State { kOpen, kCommitted, kAborted };

  Status NotOpen() const {
    return Status::FailedPrecondition(fmt::format("{}: the writer of '{}' was already {}; start a new one",
                                                  store_->Where(), key_,
                                                  state_ == State::kCommitted ? "committed" : "aborted"));
  }

  Status SendPart(std::string_view part) {
    if (upload_id_.empty()) {
      LH_ASSIGN_OR_RETURN(upload_id_, store_->StartUpload(key_));
    }
    LH_ASSIGN_OR_RETURN(std::string etag,
                        store_->UploadPart(key_, upload_id_, static_cast<int>(etags_.size() + 1), part));
    etags_.push_back(std::move(etag));
    return Status::OK();
  }

  S3ObjectStore::Impl* store_;
  std::string key_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  uint64_t bytes_ = 0;
  State state_ = State::kOpen;
};

}  // namespace

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(std::string name, S3Options options,
                                                           AccessKeyPair credentials) {
  const curl_version_info_data* version = curl_version_info(CURLVERSION_NOW);
  if (version->version_num < kMinCurlVersion) {
    return Status::FailedPrecondition(fmt::format(
        "bucket '{}': libcurl {} cannot sign S3 requests (AWS SigV4 needs 7.75 or newer); upgrade libcurl",
        name, version->version));
  }
  const auto bad = [&](std::string_view what) {
    return Status::InvalidArgument(fmt::format("bucket '{}': {}", name, what));
  };
  while (options.endpoint.ends_with('/')) options.endpoint.pop_back();
  std::string scheme;
  std::string host;
  for (std::string_view candidate : {"http", "https"}) {
    const std::string prefix = std::string(candidate) + "://";
    if (options.endpoint.starts_with(prefix)) {
      scheme = candidate;
      host = options.endpoint.substr(prefix.size());
    }
  }
  if (scheme.empty() || host.empty() || host.find_first_of("/?#@ ") != std::string::npos) {
    return bad(
        fmt::format("endpoint '{}' is not http(s)://host[:port]; set storage.buckets.{}.endpoint, e.g. "
                    "http://127.0.0.1:9000",
                    options.endpoint, name));
  }
  static const auto kRemoteName = [](const std::string& b) {
    if (b.size() < 3 || b.size() > 63) return false;
    return std::all_of(b.begin(), b.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
  };
  if (!kRemoteName(options.bucket)) {
    return bad(
        fmt::format("remote bucket name '{}' is not a valid S3 bucket name (3-63 of a-z, 0-9, '-', '.')",
                    options.bucket));
  }
  if (options.region.empty() || options.region.find(':') != std::string::npos) {
    return bad(fmt::format("region '{}' is not valid; set storage.buckets.{}.region, e.g. us-east-1",
                           options.region, name));
  }
  if (options.part_size_bytes < (5ULL << 20) || options.part_size_bytes > (5ULL << 30)) {
    return bad("part_size_bytes must be between 5 MiB and 5 GiB (S3's limits for a multipart part)");
  }
  if (options.list_page_size < 1 || options.list_page_size > 1000) {
    return bad("list_page_size must be between 1 and 1000");
  }
  if (options.connect_timeout_ms < 1 || options.request_timeout_ms < 1 || options.max_attempts < 1 ||
      options.backoff_initial_ms < 0 || options.backoff_max_ms < 0) {
    return bad("timeouts and max_attempts must be positive, backoff times not negative");
  }
  if (credentials.access_key.empty() || credentials.secret_key.empty()) {
    return bad("has no credentials; set storage.buckets.<name>.secret_ref");
  }
  auto impl = std::make_unique<Impl>(name, options, std::move(credentials), scheme, host);
  std::unique_ptr<S3ObjectStore> store(new S3ObjectStore(std::move(name), std::move(impl)));
  store->options_ = std::move(options);
  return store;
}

S3ObjectStore::S3ObjectStore(std::string name, std::unique_ptr<Impl> impl)
    : name_(std::move(name)), impl_(std::move(impl)) {}

S3ObjectStore::~S3ObjectStore() = default;

const AccessKeyPair& S3ObjectStore::credentials() const { return impl_->credentials(); }

Status S3ObjectStore::Put(std::string_view key, std::string_view data) {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  return impl_->PutObject(key, data, false);
}

Status S3ObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  return impl_->PutObject(key, data, true);
}

Result<std::string> S3ObjectStore::Get(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  S3Request request;
  request.key = std::string(key);
  LH_ASSIGN_OR_RETURN(HttpResponse response, impl_->Call(request, "get"));
  return std::move(response.body);
}

Result<std::string> S3ObjectStore::GetRange(std::string_view key, uint64_t offset, uint64_t length) {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  const auto beyond_end = [&](uint64_t size) {
    return Status::InvalidArgument(fmt::format(
        "{}: read of '{}' at offset {} starts beyond its end (size {})", impl_->Where(), key, offset, size));
  };
  if (length == 0) {
    LH_ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
    if (offset > info.size) return beyond_end(info.size);
    return std::string();
  }
  S3Request request;
  request.key = std::string(key);
  const bool to_end = length > std::numeric_limits<uint64_t>::max() - offset;
  request.headers.push_back(to_end ? fmt::format("Range: bytes={}-", offset)
                                   : fmt::format("Range: bytes={}-{}", offset, offset + length - 1));
  LH_ASSIGN_OR_RETURN(HttpResponse response, impl_->Send(request, "read range of"));
  if (response.status == 416) {
    // S3 refuses a range starting at the end; the contract wants "" there.
    LH_ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
    if (offset == info.size) return std::string();
    return beyond_end(info.size);
  }
  if (response.status == 200) {
    // The server ignored the range and sent everything.
    if (offset > response.body.size()) return beyond_end(response.body.size());
    return response.body.substr(offset, length);
  }
  if (response.status != 206) return impl_->ErrorFor("read range of", key, response);
  return std::move(response.body);
}

Result<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  S3Request request;
  request.method = "HEAD";
  request.key = std::string(key);
  LH_ASSIGN_OR_RETURN(HttpResponse response, impl_->Send(request, "head"));
  if (response.status == 404 && response.Header("x-minio-error-code").empty()) {
    // A HEAD answer has no body to tell a missing key from a missing bucket; ask the bucket.
    S3Request bucket;
    bucket.method = "HEAD";
    Result<HttpResponse> bucket_answer = impl_->Send(bucket, "head");
    if (bucket_answer.ok() && bucket_answer->status == 404) {
      bucket_answer->headers["x-minio-error-code"] = "NoSuchBucket";
      return impl_->ErrorFor("head", key, *bucket_answer);
    }
  }
  if (response.status == 403 && response.Header("x-minio-error-code").empty()) {
    // Nor can it tell wrong credentials from clock skew: a one-byte GET carries the error document.
    S3Request probe;
    probe.key = std::string(key);
    probe.headers.emplace_back("Range: bytes=0-0");
    Result<HttpResponse> explained = impl_->Send(probe, "head");
    if (explained.ok() && explained->status == 403) return impl_->ErrorFor("head", key, *explained);
  }
  if (response.status < 200 || response.status >= 300) return impl_->ErrorFor("head", key, response);
  ObjectInfo info;
  info.key = std::string(key);
  info.size = std::strtoull(response.Header("content-length").c_str(), nullptr, 10);
  const std::string modified = response.Header("last-modified");
  const time_t seconds = curl_getdate(modified.c_str(), nullptr);
  if (seconds > 0) info.last_modified = std::chrono::system_clock::from_time_t(seconds);
  return info;
}

Result<std::vector<ObjectInfo>> S3ObjectStore::List(std::string_view prefix) {
  LH_RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
  std::vector<ObjectInfo> out;
  std::string token;
  for (;;) {
    S3Request request;
    request.query = {{"list-type", "2"}, {"max-keys", std::to_string(options_.list_page_size)}};
    if (!prefix.empty()) request.query.emplace_back("prefix", std::string(prefix));
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    LH_ASSIGN_OR_RETURN(HttpResponse response, impl_->Call(request, "list"));
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_buffer(response.body.data(), response.body.size());
    const pugi::xml_node result = doc.child("ListBucketResult");
    if (!parsed || !result) {
      return Status::IOError(fmt::format("{}: list '{}': the answer is not a ListBucketResult document ({})",
                                         impl_->Where(), prefix, parsed.description()));
    }
    for (pugi::xml_node item : result.children("Contents")) {
      std::string key = item.child_value("Key");
      if (!ValidateObjectKey(key).ok()) continue;  // written by another tool; not an object for us
      ObjectInfo info;
      info.key = std::move(key);
      info.size = std::strtoull(item.child_value("Size"), nullptr, 10);
      info.last_modified = ParseIso8601(item.child_value("LastModified"));
      out.push_back(std::move(info));
    }
    const bool truncated = std::string_view(result.child_value("IsTruncated")) == "true";
    token = result.child_value("NextContinuationToken");
    if (!truncated) break;
    if (token.empty()) {
      return Status::IOError(fmt::format("{}: list '{}': a truncated page came without a continuation token",
                                         impl_->Where(), prefix));
    }
  }
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status S3ObjectStore::Delete(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  S3Request request;
  request.method = "DELETE";
  request.key = std::string(key);
  LH_ASSIGN_OR_RETURN(HttpResponse response, impl_->Send(request, "delete"));
  if (response.status >= 200 && response.status < 300) return Status::OK();
  if (ParseS3Error(response).code == "NoSuchKey") return Status::OK();
  return impl_->ErrorFor("delete", key, response);
}

Result<std::unique_ptr<ObjectWriter>> S3ObjectStore::NewWriter(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  return std::unique_ptr<ObjectWriter>(new S3ObjectWriter(impl_.get(), std::string(key)));
}

Result<std::string> S3ObjectStore::Uri(std::string_view key) const {
  LH_RETURN_IF_ERROR(ValidateObjectKey(key));
  return fmt::format("s3://{}/{}", options_.bucket, key);
}

Status S3ObjectStore::Probe() const {
  S3Request request;
  request.method = "HEAD";
  LH_ASSIGN_OR_RETURN(HttpResponse response, impl_->Send(request, "probe", 1));
  if (response.status >= 200 && response.status < 300) return Status::OK();
  if (response.status == 404) response.headers["x-minio-error-code"] = "NoSuchBucket";
  return impl_->ErrorFor("probe", "", response);
}

Status S3ObjectStore::CreateBucket() {
  S3Request request;
  request.method = "PUT";
  request.has_body = true;
  LH_ASSIGN_OR_RETURN(HttpResponse response, impl_->Send(request, "create bucket"));
  if (response.status >= 200 && response.status < 300) return Status::OK();
  const std::string code = ParseS3Error(response).code;
  if (code == "BucketAlreadyOwnedByYou") return Status::OK();
  if (code == "BucketAlreadyExists") {
    return Status::AlreadyExists(
        fmt::format("{}: create bucket: the name is taken by another owner; choose another", impl_->Where()));
  }
  return impl_->ErrorFor("create bucket", "", response);
}

Result<std::vector<std::string>> S3ObjectStore::ListIncompleteUploads(std::string_view prefix) {
  LH_RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
  S3Request request;
  request.query = {{"uploads", ""}};
  if (!prefix.empty()) request.query.emplace_back("prefix", std::string(prefix));
  LH_ASSIGN_OR_RETURN(HttpResponse response, impl_->Call(request, "list multipart uploads"));
  pugi::xml_document doc;
  doc.load_buffer(response.body.data(), response.body.size());
  std::vector<std::string> keys;
  for (pugi::xml_node upload : doc.child("ListMultipartUploadsResult").children("Upload")) {
    keys.emplace_back(upload.child_value("Key"));
  }
  return keys;
}

}  // namespace lakehouse
