#include "storage/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "common/log.h"

namespace lakehouse {
namespace {

// Failures where the request may not have reached the server, or its answer was lost: trying
// again can help and cannot do harm for the idempotent-by-design calls this client makes.
bool IsRetryableTransport(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

// The state of one attempt, shared with libcurl's callbacks.
struct Transfer {
  CURL* curl = nullptr;
  const HttpClientRequest* request = nullptr;
  HttpClientResponse* response = nullptr;
  bool streamed_any = false;  // bytes went to request->on_body (the attempt cannot be repeated)
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->response->status == 0) curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->response->status);
  const bool success = t->response->status >= 200 && t->response->status < 300;
  if (!success || !t->request->on_body) {
    t->response->body.append(data, n);
    return n;
  }
  t->streamed_any = true;
  if (!t->request->on_body(std::string_view(data, n))) {
    t->response->cancelled = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response (after 100 Continue, say)
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  (*headers)[name] = std::string(value);
  return size * count;
}

struct HeaderList {
  curl_slist* list = nullptr;
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& header) { list = curl_slist_append(list, header.c_str()); }
};

}  // namespace

std::string HttpClientResponse::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

class HttpClient::Impl {
 public:
  ~Impl() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  CURL* Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Return(CURL* handle) {
    std::lock_guard lock(mu_);
    idle_.push_back(handle);
  }

  std::chrono::milliseconds Backoff(const HttpClientOptions& options, int attempt) {
    const int64_t cap = std::min<int64_t>(options.backoff_max_ms,
                                          int64_t{options.backoff_initial_ms} << std::min(attempt - 1, 20));
    std::lock_guard lock(mu_);
    std::uniform_int_distribution<int64_t> pick(cap / 2, std::max<int64_t>(cap, 0));
    return std::chrono::milliseconds(pick(random_));
  }

 private:
  std::mutex mu_;  // guards idle_ and random_
  std::vector<CURL*> idle_;
  std::mt19937_64 random_{std::random_device{}()};
};

HttpClient::HttpClient(std::string service, HttpClientOptions options)
    : service_(std::move(service)), options_(options), impl_(std::make_unique<Impl>()) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::~HttpClient() = default;

Result<HttpClientResponse> HttpClient::Send(const HttpClientRequest& request) {
  if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
    return Status::InvalidArgument(
        fmt::format("{}: '{}' is not an http:// or https:// URL; fix the endpoint", service_, request.url));
  }
  const int attempts = std::max(1, request.max_attempts > 0 ? request.max_attempts : options_.max_attempts);
  const std::string_view body = request.body_view ? *request.body_view : std::string_view(request.body);
  for (int attempt = 1;; ++attempt) {
    HttpClientResponse response;
    response.attempts = attempt;
    CURL* curl = impl_->Take();
    if (curl == nullptr) return Status::Internal("cannot create a curl handle (out of memory?)");
    curl_easy_reset(curl);
    Transfer transfer{curl, &request, &response, false};
    char error_buffer[CURL_ERROR_SIZE] = {0};
    HeaderList headers;
    for (const std::string& header : request.headers) headers.Add(header);
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
    if (request.on_body) {
      // A stream may rightly last long (a long answer); what must not happen is silence.
      curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                       static_cast<long>(std::max(1, options_.request_timeout_ms / 1000)));
    } else {
      curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    if (request.sigv4 != nullptr) {
      curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, request.sigv4->provider.c_str());
      curl_easy_setopt(curl, CURLOPT_USERNAME, request.sigv4->access_key.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, request.sigv4->secret_key.c_str());
    }
    if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (!body.empty() || request.method == "POST" || request.method == "PUT") {
      // POSTFIELDS (not a read callback): libcurl then hashes exactly these bytes into a SigV4
      // signature.
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    if (request.method != "GET" && request.method != "POST" && request.method != "HEAD") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    const CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK || response.status == 0) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    }
    const std::string curl_message =
        error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
    // The handle keeps pointers to this attempt's locals; clear them before it is reused.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    impl_->Return(curl);

    if (response.cancelled) return response;
    const bool transport_failed = code != CURLE_OK;
    const bool retryable =
        !transfer.streamed_any && (transport_failed ? IsRetryableTransport(code) : response.status >= 500);
    if (!retryable || attempt >= attempts) {
      if (!transport_failed) return response;
      if (code == CURLE_OPERATION_TIMEDOUT) {
        return Status::DeadlineExceeded(fmt::format(
            "{}: no answer within the time limit after {} attempt(s) ({}); the server is overloaded or "
            "unreachable: retry later, or raise {}",
            service_, attempt, curl_message, options_.timeout_hint));
      }
      return Status::Unavailable(
          fmt::format("{}: cannot be reached after {} attempt(s) ({}); check that the server is running and "
                      "that {} is right",
                      service_, attempt, curl_message, options_.endpoint_hint));
    }
    const auto wait = impl_->Backoff(options_, attempt);
    log::Warn("http request failed, retrying",
              Json{{"service", service_},
                   {"attempt", attempt},
                   {"cause", transport_failed ? curl_message : fmt::format("HTTP {}", response.status)},
                   {"wait_ms", wait.count()}});
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace lakehouse
