// HttpClient: plain HTTP(S) requests to a remote service over libcurl, with timeouts, retries of
// transient failures and optional streaming of the response body.
//
// Used by the remote model backends (Ollama, OpenAI-compatible servers) and by S3ObjectStore
// (which has libcurl sign its requests with AWS SigV4). A request is retried,
// with jittered exponential backoff, only when retrying is safe and may help: the connection could
// not be made or broke, the attempt timed out, or the server answered 5xx. A 4xx answer is final
// and returned as a response for the caller to interpret; so is a 5xx after the last attempt. A
// streamed response is never retried once any of its body has been passed on.
//
// Never logs or returns request headers or credentials (they may carry an API key).
//
// Thread-safety: Send may be called from many threads at once; curl handles are pooled and each
// serves one request at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lakehouse {

//! Timeouts and retries of an HttpClient.
struct HttpClientOptions {
  int connect_timeout_ms = 5000;   //!< to establish the TCP (and TLS) connection
  int request_timeout_ms = 60000;  //!< a whole attempt, body included
  int max_attempts = 3;            //!< attempts in all; transport failures and 5xx are retried
  int backoff_initial_ms = 200;    //!< the first retry waits up to this long (random jitter)
  int backoff_max_ms = 5000;       //!< the cap on any one wait
  //! What a failure message tells the user to check (the config setting of the endpoint, and
  //! of the timeout), e.g. "the bucket's endpoint".
  std::string endpoint_hint = "the profile's endpoint";
  std::string timeout_hint = "the profile's timeout_ms";
};

//! Credentials for libcurl's built-in AWS Signature Version 4 (CURLOPT_AWS_SIGV4).
struct HttpAwsSigV4 {
  std::string provider;    //!< e.g. "aws:amz:us-east-1:s3"
  std::string access_key;  //!< never logged
  std::string secret_key;  //!< never logged
};

//! Called with each piece of a successful (2xx) response body as it arrives. Return false to
//! stop the transfer (the response then has `cancelled` set).
using HttpBodyCallback = std::function<bool(std::string_view piece)>;

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;                   //!< absolute http:// or https:// URL
  std::vector<std::string> headers;  //!< "Name: value" lines
  std::string body;                  //!< sent when non-empty (or when method is POST/PUT)
  //! When set, sent instead of `body` without a copy (e.g. an 8 MiB multipart part); the bytes
  //! must outlive Send.
  std::optional<std::string_view> body_view;
  HttpBodyCallback on_body;             //!< optional: stream a 2xx body instead of collecting it
  const HttpAwsSigV4* sigv4 = nullptr;  //!< optional: have libcurl sign the request
  int max_attempts = 0;                 //!< > 0: overrides HttpClientOptions::max_attempts
};

struct HttpClientResponse {
  long status = 0;                             //!< the HTTP status of the final attempt
  std::string body;                            //!< the body (for a streamed 2xx: empty)
  std::map<std::string, std::string> headers;  //!< lower-case names
  int attempts = 0;                            //!< attempts made
  bool cancelled = false;                      //!< the body callback asked to stop

  //! The header `lower_case_name`, or "" if absent.
  std::string Header(const std::string& lower_case_name) const;
};

class HttpClient {
 public:
  //! `service` names the remote side in error messages (e.g. "OpenAI-compatible server
  //! http://127.0.0.1:8080/v1").
  HttpClient(std::string service, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  //! Sends `request`, retrying as described at the top of this file. Returns the final response
  //! whatever its HTTP status. Returns Unavailable if no response came (connection refused, DNS,
  //! a broken connection) after every attempt, DeadlineExceeded if the last attempt timed out,
  //! InvalidArgument for a malformed URL; each message names the service and what to do next.
  Result<HttpClientResponse> Send(const HttpClientRequest& request);

  const HttpClientOptions& options() const { return options_; }
  const std::string& service() const { return service_; }

 private:
  class Impl;
  std::string service_;
  HttpClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse
