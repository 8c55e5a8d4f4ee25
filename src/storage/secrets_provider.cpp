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

Result<AccessKeyPair> EnvFileSecretsProvider::Resolve(std::string_view secret_ref) const {
  if (secret_ref.starts_with("env:")) {
    const std::string name(secret_ref.substr(4));
    if (name.empty()) {
      return Status::InvalidArgument("secret_ref 'env:' names no variable; write env:NAME");
    }
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): env is not modified
    if (value == nullptr) {
      return Status::NotFound(fmt::format(
          "secret_ref '{}': environment variable {} is not set; export it as ACCESS_KEY:SECRET_KEY",
          secret_ref, name));
    }
    return ParseAccessKeyPair(value,
                              fmt::format("environment variable {} (secret_ref '{}')", name, secret_ref));
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
        return Status::NotFound(
            fmt::format("secret_ref '{}': file {} does not exist; create it holding ACCESS_KEY:SECRET_KEY",
                        secret_ref, path));
      }
      return Status::PermissionDenied(fmt::format(
          "secret_ref '{}': file {} cannot be read ({}); check its permissions", secret_ref, path, cause));
    }
    std::ostringstream content;
    content << in.rdbuf();
    return ParseAccessKeyPair(content.str(), fmt::format("file {} (secret_ref '{}')", path, secret_ref));
  }
  // Not quoted: a reference in an unknown form may be a pasted credential.
  return Status::InvalidArgument("a secret_ref must start with env: or file: (env:NAME or file:PATH)");
}

}  // namespace lakehouse
