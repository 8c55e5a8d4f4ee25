#include "storage/object_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lakehouse {
namespace {

using namespace std::string_literals;

void ExpectInvalidKey(const std::string& key, std::string_view expected_problem) {
  const Status status = ValidateObjectKey(key);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << "key of " << key.size() << " bytes was accepted";
  EXPECT_NE(status.message().find(expected_problem), std::string::npos) << status.message();
}

TEST(ObjectKey, AcceptsOrdinaryKeys) {
  const std::vector<std::string> keys = {
      "a",
      "datasets/sales/v1/part-0.parquet",
      "_catalog/manifests/batch_1700000000000000.parquet",
      "profile:anna/notes.txt",
      "r\xc3\xa9sum\xc3\xa9s/jos\xc3\xa9.pdf",  // résumés/josé.pdf
      "emoji/\xf0\x9f\x98\x80.txt",
      "a/.hidden",
      "..a/b..",
      "a/...",
      "with space/and (parens)",
      ".lakehouse-tmpx/a",
      "x/.lakehouse-tmp",
      std::string(kMaxObjectKeyBytes, 'k'),
  };
  for (const std::string& key : keys) EXPECT_TRUE(ValidateObjectKey(key).ok()) << key;
}

TEST(ObjectKey, RejectsTheEmptyKey) { ExpectInvalidKey("", "empty"); }

TEST(ObjectKey, RejectsKeysLongerThan1024Bytes) {
  ExpectInvalidKey(std::string(kMaxObjectKeyBytes + 1, 'k'), "1025 bytes long (at most 1024)");
}

TEST(ObjectKey, RejectsInvalidUtf8) {
  ExpectInvalidKey("\xff", "invalid UTF-8 at byte 0");
  ExpectInvalidKey("ok/\xc0\xaf", "invalid UTF-8 at byte 3");  // overlong '/'
  ExpectInvalidKey("\xed\xa0\x80", "invalid UTF-8");           // UTF-16 surrogate
  ExpectInvalidKey("\xf4\x90\x80\x80", "invalid UTF-8");       // above U+10FFFF
  ExpectInvalidKey("cut\xe2\x82", "invalid UTF-8 at byte 3");  // truncated sequence
  ExpectInvalidKey("\x80", "invalid UTF-8");                   // lone continuation byte
}

TEST(ObjectKey, RejectsNulAndOtherControlCharacters) {
  ExpectInvalidKey("a\0b"s, "control character 0x00 at byte 1");
  ExpectInvalidKey("a\nb", "control character 0x0a");
  ExpectInvalidKey("a\tb", "control character 0x09");
  ExpectInvalidKey("a\x7f", "control character 0x7f");
}

TEST(ObjectKey, RejectsBackslash) { ExpectInvalidKey("a\\b", "backslash at byte 1"); }

TEST(ObjectKey, RejectsLeadingSlashTrailingSlashAndEmptySegments) {
  ExpectInvalidKey("/etc/passwd", "starts with '/'");
  ExpectInvalidKey("/", "starts with '/'");
  ExpectInvalidKey("a/", "ends with '/'");
  ExpectInvalidKey("a//b", "empty segment at byte 2");
}

TEST(ObjectKey, RejectsDotSegments) {
  ExpectInvalidKey(".", "segment \".\"");
  ExpectInvalidKey("..", "segment \"..\"");
  ExpectInvalidKey("./a", "segment \".\" at byte 0");
  ExpectInvalidKey("a/./b", "segment \".\" at byte 2");
  ExpectInvalidKey("a/../../etc/passwd", "segment \"..\" at byte 2");
  ExpectInvalidKey("a/..", "segment \"..\"");
}

TEST(ObjectKey, RejectsTheReservedFirstSegment) {
  ExpectInvalidKey(".lakehouse-tmp", "reserved");
  ExpectInvalidKey(".lakehouse-tmp/x", "reserved");
}

TEST(ObjectKey, ErrorMessagesShowWhatAValidKeyLooksLike) {
  const Status status = ValidateObjectKey("a//b");
  EXPECT_NE(status.message().find("e.g. \"datasets/sales/v1/part-0.parquet\""), std::string::npos)
      << status.message();
}

TEST(ObjectKey, ErrorMessagesEscapeUnprintableBytesAndTruncateLongKeys) {
  const Status nul = ValidateObjectKey("a\0b\n"s);
  EXPECT_EQ(nul.message().find('\0'), std::string::npos);
  EXPECT_EQ(nul.message().find('\n'), std::string::npos);
  EXPECT_NE(nul.message().find("\"a\\x00b\\x0a\""), std::string::npos) << nul.message();

  const Status long_key = ValidateObjectKey(std::string(100000, 'k'));
  EXPECT_LT(long_key.message().size(), 500U);
  EXPECT_NE(long_key.message().find("first 80 of 100000 bytes"), std::string::npos) << long_key.message();
}

TEST(ObjectPrefix, AcceptsEmptyFolderAndPartialPrefixes) {
  for (const char* prefix : {"", "datasets/", "datasets/sal", "a/b/", "a", "..", ".", "a/.", "a/.."}) {
    EXPECT_TRUE(ValidateObjectPrefix(prefix).ok())
        << prefix << ": " << ValidateObjectPrefix(prefix).ToString();
  }
}

TEST(ObjectPrefix, RejectsWhatWouldEscapeOrCannotMatchAKey) {
  const std::vector<std::string> prefixes = {
      "/",
      "/a",
      "a//",
      "../",
      "a/../b/",
      "./",
      ".lakehouse-tmp/",
      "a\\b/",
      "a\0/"s,
      "\xff/",
      std::string(kMaxObjectKeyBytes + 1, 'p'),
  };
  for (const std::string& prefix : prefixes) {
    EXPECT_EQ(ValidateObjectPrefix(prefix).code(), StatusCode::kInvalidArgument) << prefix;
  }
}

}  // namespace
}  // namespace lakehouse
