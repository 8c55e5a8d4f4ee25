// Sha256 against the FIPS 180-4 example vectors, fed whole and in odd-sized pieces.
#include "common/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace lakehouse {
namespace {

TEST(Sha256, MatchesTheStandardTestVectors) {
  EXPECT_EQ(Sha256::Of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::Of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::Of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, GivesTheSameDigestWhateverThePieceSizes) {
  std::string million(1000000, 'a');
  Sha256 pieces;
  for (std::size_t i = 0; i < million.size(); i += 777)
    pieces.Update(std::string_view(million).substr(i, 777));
  EXPECT_EQ(pieces.HexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(Sha256::Of(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace lakehouse
