#include "storage/object_key.h"

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "common/utf8.h"

namespace lakehouse {
namespace {

constexpr std::string_view kKeyHint =
    "a valid key is 1-1024 bytes of UTF-8 path segments joined by single '/', "
    "e.g. \"datasets/sales/v1/part-0.parquet\"";

// Keys come from users and may hold control bytes or broken UTF-8; an error message must
// not carry those into logs or terminals, and a 100 KB key must not become a 100 KB message.
std::string Printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f && byte != '"' && byte != '\\') {
      out += static_cast<char>(byte);
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  out += '"';
  if (text.size() > kMaxShown) out += fmt::format(" (first {} of {} bytes)", kMaxShown, text.size());
  return out;
}

Status Invalid(std::string_view kind, std::string_view full, std::string_view problem) {
  return Status::InvalidArgument(
      fmt::format("invalid {} {}: {}; {}", kind, Printable(full), problem, kKeyHint));
}

// Character rules shared by keys and prefixes. `text` is a part of `full` starting at `offset`,
// so that positions in messages refer to the string the caller passed.
Status CheckCharacters(std::string_view kind, std::string_view full, std::string_view text,
                       std::size_t offset) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x20 || byte == 0x7f) {
      return Invalid(kind, full,
                     fmt::format("control character 0x{:02x} at byte {} (NUL, tabs, newlines and other "
                                 "control characters are not allowed)",
                                 byte, offset + pos));
    }
    if (byte == '\\') {
      return Invalid(kind, full,
                     fmt::format("backslash at byte {} (use '/' to separate segments)", offset + pos));
    }
    const std::size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) return Invalid(kind, full, fmt::format("invalid UTF-8 at byte {}", offset + pos));
    pos += length;
  }
  return Status::OK();
}

// Segment rules for '/'-separated segments that must all be complete (non-empty).
Status CheckSegments(std::string_view kind, std::string_view full, std::string_view key) {
  if (key.front() == '/')
    return Invalid(kind, full, "it starts with '/' (keys are relative to the bucket root)");
  std::size_t start = 0;
  bool first = true;
  while (start <= key.size()) {
    std::size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view segment = key.substr(start, end - start);
    if (segment.empty()) {
      return Invalid(kind, full, fmt::format("empty segment at byte {} (\"//\" is not allowed)", start));
    }
    if (segment == "." || segment == "..") {
      return Invalid(
          kind, full,
          fmt::format("segment \"{}\" at byte {} (\".\" and \"..\" are not allowed)", segment, start));
    }
    if (first && segment == kReservedKeySegment) {
      return Invalid(
          kind, full,
          fmt::format("the first segment \"{}\" is reserved for the store's own use", kReservedKeySegment));
    }
    first = false;
    start = end + 1;
  }
  return Status::OK();
}

Status CheckLength(std::string_view kind, std::string_view full) {
  if (full.size() > kMaxObjectKeyBytes) {
    return Invalid(kind, full,
                   fmt::format("it is {} bytes long (at most {})", full.size(), kMaxObjectKeyBytes));
  }
  return Status::OK();
}

}  // namespace

Status ValidateObjectKey(std::string_view key) {
  constexpr std::string_view kKind = "object key";
  if (key.empty()) return Invalid(kKind, key, "it is empty");
  LH_RETURN_IF_ERROR(CheckLength(kKind, key));
  LH_RETURN_IF_ERROR(CheckCharacters(kKind, key, key, 0));
  if (key.size() > 1 && key.back() == '/') {
    return Invalid(kKind, key, "it ends with '/' (a key names an object, not a folder)");
  }
  return CheckSegments(kKind, key, key);
}

Status ValidateObjectPrefix(std::string_view prefix) {
  constexpr std::string_view kKind = "list prefix";
  if (prefix.empty()) return Status::OK();
  LH_RETURN_IF_ERROR(CheckLength(kKind, prefix));
  LH_RETURN_IF_ERROR(CheckCharacters(kKind, prefix, prefix, 0));
  const std::size_t last_slash = prefix.rfind('/');
  if (last_slash == std::string_view::npos) return Status::OK();
  // The part before the last '/' names folders that must exist as key segments; the partial
  // segment after it only filters names, so "." or ".." there is harmless ("..x" is a valid key).
  const std::string_view folders = prefix.substr(0, last_slash);
  if (folders.empty())
    return Invalid(kKind, prefix, "it starts with '/' (prefixes are relative to the bucket root)");
  return CheckSegments(kKind, prefix, folders);
}

}  // namespace lakehouse
