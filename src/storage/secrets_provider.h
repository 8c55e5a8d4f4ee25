// SecretsProvider: turns an opaque secret_ref from the config into credentials.
//
// lakehouse.toml never holds a credential, only a reference to one (`secret_ref`). A provider
// resolves the reference when a bucket is opened; the credentials then live only in memory.
// Built-in references:
//   env:NAME   the environment variable NAME holds "ACCESS_KEY:SECRET_KEY"
//   file:PATH  the file PATH holds "ACCESS_KEY:SECRET_KEY" (one line; a trailing newline is ignored)
// The access key is everything before the first ':', the secret key everything after it. A vault
// or cloud secret manager plugs in as another SecretsProvider.
//
// No error message of a provider ever contains the secret's value: only the reference (the
// variable's name or the file's path) and what is wrong with it.
//
// Thread-safety: Resolve may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace lakehouse {

//! A pair of S3-style credentials. Never log or print either field.
struct AccessKeyPair {
  std::string access_key;  //!< the key id (e.g. AWS_ACCESS_KEY_ID)
  std::string secret_key;  //!< the signing secret (e.g. AWS_SECRET_ACCESS_KEY)
};

class SecretsProvider {
 public:
  virtual ~SecretsProvider() = default;

  //! Resolves `secret_ref` into credentials. Returns InvalidArgument for a reference this
  //! provider does not understand or a value in the wrong format, NotFound if the variable or file
  //! does not exist, PermissionDenied if the file cannot be read. Messages name the reference,
  //! never the value.
  virtual Result<AccessKeyPair> Resolve(std::string_view secret_ref) const = 0;

  //! Resolves `secret_ref` into a single token (an API key or bearer token): the whole value,
  //! one line, a trailing newline ignored. Failures as for Resolve.
  virtual Result<std::string> ResolveToken(std::string_view secret_ref) const = 0;
};

//! Resolves `env:NAME` and `file:PATH` references (see the top of this file).
class EnvFileSecretsProvider final : public SecretsProvider {
 public:
  Result<AccessKeyPair> Resolve(std::string_view secret_ref) const override;
  Result<std::string> ResolveToken(std::string_view secret_ref) const override;
};

//! Parses "ACCESS_KEY:SECRET_KEY" (one trailing "\n" or "\r\n" allowed). `where` names the source
//! for error messages (e.g. "environment variable S3_KEYS"); the value itself is never quoted.
Result<AccessKeyPair> ParseAccessKeyPair(std::string_view text, std::string_view where);

}  // namespace lakehouse
