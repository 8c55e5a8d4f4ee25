// Sha256: incremental SHA-256 (OpenSSL's implementation), for content hashes, data file
// checksums and request signing payloads.
//
// Feed bytes with Update() in pieces of any size, then HexDigest() once. A Sha256 is used by
// one thread at a time; distinct objects are independent.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace lakehouse {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  //! Adds `data` to the hashed message.
  void Update(std::string_view data);

  //! Finishes the hash and returns it as 64 lower-case hex digits. Later calls return the same
  //! text; Update() after it has no effect.
  std::string HexDigest();

  //! The hex digest of `data` in one call.
  static std::string Of(std::string_view data);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  std::string digest_;
};

}  // namespace lakehouse
