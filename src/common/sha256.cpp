#include "common/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace lakehouse {

struct Sha256::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  // Only allocation failure can make these fail; there is no sensible way to go on then.
  if (context_->ctx == nullptr || EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) {
  if (!digest_.empty() || data.empty()) return;
  EVP_DigestUpdate(context_->ctx, data.data(), data.size());
}

std::string Sha256::HexDigest() {
  if (!digest_.empty()) return digest_;
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->ctx, raw, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  digest_.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    digest_ += kHex[raw[i] >> 4];
    digest_ += kHex[raw[i] & 0x0f];
  }
  return digest_;
}

std::string Sha256::Of(std::string_view data) {
  Sha256 hash;
  hash.Update(data);
  return hash.HexDigest();
}

}  // namespace lakehouse
