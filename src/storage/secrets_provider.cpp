#include "storage/secrets_provider.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace lakehouse {
namespace {

constexpr std::string_view kFormatHelp =
    "it must hold ACCESS_KEY:SECRET_KEY (the access key, a colon, the secret key)";

}  // namespace

Result<AccessKeyPair> ParseAccessKeyPair(std::string_view text, std::string_view where) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument(fmt::format("{} is not in the expected format: {}", where, kFormatHelp));
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(
          fmt::format("{} contains a control character or more than one line: {}", where, kFormatHelp));
    }
  }
  return AccessKeyPair{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

namespace {

// The raw value behind an env: or file: reference, and a phrase naming where it came from (for
// messages). `holds` says what the value must be, for the "create it" hints.
struct SecretValue {
  std::string text;
  std::string where;
};

Result<SecretValue> ReadReference(std::string_view secret_ref, std::string_view holds) {
  if (secret_ref.starts_with("env:")) {
    const std::string name(secret_ref.substr(4));
    if (name.empty()) {
      return Status::InvalidArgument("secret_ref 'env:' names no variable; write env:NAME");
    }
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): env is not modified
    if (value == nullptr) {
      return Status::NotFound(fmt::format(
          "secret_ref '{}': environment variable {} is not set; export it as {}", secret_ref, name, holds));
    }
    return SecretValue{value, fmt::format("environment variable {} (secret_ref '{}')", name, secret_ref)};
  }
  if (secret_ref.starts_with("file:")) {
    const std::string path(secret_ref.substr(5));
    if (path.empty()) {
      return Status::InvalidArgument("secret_ref 'file:' names no file; write file:PATH");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      const int err = errno;
      std::error_code ec(err, std::generic_category());
      const std::string cause = err != 0 ? ec.message() : "cannot be opened";
      if (err == ENOENT) {
        return Status::NotFound(fmt::format("secret_ref '{}': file {} does not exist; create it holding {}",
                                            secret_ref, path, holds));
      }
      return Status::PermissionDenied(fmt::format(
          "secret_ref '{}': file {} cannot be read ({}); check its permissions", secret_ref, path, cause));
    }
    std::ostringstream content;
    content << in.rdbuf();
    return SecretValue{content.str(), fmt::format("file {} (secret_ref '{}')", path, secret_ref)};
  }
  // Not quoted: a reference in an unknown form may be a pasted credential.
  return Status::InvalidArgument("a secret_ref must start with env: or file: (env:NAME or file:PATH)");
}

}  // namespace

Result<AccessKeyPair> EnvFileSecretsProvider::Resolve(std::string_view secret_ref) const {
  LH_ASSIGN_OR_RETURN(SecretValue value, ReadReference(secret_ref, "ACCESS_KEY:SECRET_KEY"));
  return ParseAccessKeyPair(value.text, value.where);
}

Result<std::string> EnvFileSecretsProvider::ResolveToken(std::string_view secret_ref) const {
  LH_ASSIGN_OR_RETURN(SecretValue value, ReadReference(secret_ref, "the token (one line)"));
  std::string_view text = value.text;
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  if (text.empty())
    return Status::InvalidArgument(fmt::format("{} is empty; it must hold the token", value.where));
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(
          fmt::format("{} contains a control character or more than one line; it must hold the token alone",
                      value.where));
    }
  }
  return std::string(text);
}

}  // namespace lakehouse
