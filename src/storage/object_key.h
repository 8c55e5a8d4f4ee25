// Object keys: the one validator every bucket backend and caller uses.
//
// A key names one object in a bucket. Keys are '/'-separated paths so that the local backend
// can map them onto directories and S3 backends onto object names without either backend
// having to escape anything. Validation is pure and thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace lakehouse {

//! The longest key accepted, in bytes (S3's limit).
inline constexpr std::size_t kMaxObjectKeyBytes = 1024;

//! First key segment reserved for a store's own use (in-progress writes of the local backend).
inline constexpr std::string_view kReservedKeySegment = ".lakehouse-tmp";

//! Checks that `key` names an object: 1-1024 bytes of valid UTF-8, split by single '/' into
//! non-empty segments, none of them "." or "..", the first not ".lakehouse-tmp", with no leading
//! or trailing '/', no backslash, no NUL and no other ASCII control character.
//! Returns OK, or InvalidArgument saying what is wrong and what a valid key looks like.
Status ValidateObjectKey(std::string_view key);

//! Checks a List prefix. The empty prefix (the whole bucket) is valid. Otherwise everything up to
//! the last '/' must be a valid key, and what follows it (a partial segment, possibly empty) must
//! obey the same character rules. So "datasets/", "datasets/sal" and "a/b/" are valid; "/x",
//! "a//", "../" and ".lakehouse-tmp/" are not. Returns OK or InvalidArgument.
Status ValidateObjectPrefix(std::string_view prefix);

}  // namespace lakehouse
