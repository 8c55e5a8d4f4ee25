#include "engine/s3_bucket_secret.h"

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace lakehouse::engine {
namespace {

// A SQL string literal: single quotes doubled.
std::string Literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

void Redact(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "[redacted]");
  }
}

}  // namespace

Status RegisterS3Bucket(Connection& connection, const S3ObjectStore& store) {
  const S3Options& options = store.options();
  const AccessKeyPair& credentials = store.credentials();
  const bool tls = options.endpoint.starts_with("https://");
  const std::string host = options.endpoint.substr(options.endpoint.find("://") + 3);
  std::string secret_name = "lakehouse_bucket_" + store.name();
  for (char& c : secret_name) {
    if (c == '-') c = '_';
  }
  const std::string sql = fmt::format(
      "LOAD httpfs; CREATE OR REPLACE TEMPORARY SECRET {} (TYPE s3, KEY_ID {}, SECRET {}, REGION {}, "
      "ENDPOINT {}, "
      "URL_STYLE {}, USE_SSL {}, SCOPE {})",
      secret_name, Literal(credentials.access_key), Literal(credentials.secret_key), Literal(options.region),
      Literal(host), Literal(options.virtual_host_style ? "vhost" : "path"), tls ? "true" : "false",
      Literal("s3://" + options.bucket));
  Status status = connection.Execute(sql);
  if (status.ok()) return status;
  std::string message = status.message();
  Redact(message, credentials.secret_key);
  Redact(message, credentials.access_key);
  return Status(status.code(), fmt::format("bucket '{}': cannot give the engine access to s3://{}: {}",
                                           store.name(), options.bucket, message));
}

}  // namespace lakehouse::engine
