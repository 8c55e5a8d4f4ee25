// Status and Result<T>: how errors cross module boundaries in Lakehouse.
//
// A Status is either OK or an error code with a message that says what went wrong and,
// where possible, what to do next. Result<T> holds a T or a non-OK Status. Both are
// cheap to move and safe to use from any thread (they are plain values).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lakehouse {

//! The kinds of failure a caller can act on. Each maps to one HTTP status in the server.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     //!< the caller's input is wrong (HTTP 400)
  kNotFound,            //!< the thing asked for does not exist (404)
  kAlreadyExists,       //!< a create-only operation met an existing thing (409)
  kPermissionDenied,    //!< not allowed (403)
  kFailedPrecondition,  //!< the system is not in a state that allows this (409)
  kResourceExhausted,   //!< a limit was hit: size, rows, memory, rate (413/429)
  kDeadlineExceeded,    //!< ran out of time (504)
  kUnavailable,         //!< a dependency is down; retrying may help (503)
  kIOError,             //!< the operating system or storage failed (500)
  kInternal,            //!< a bug: an invariant did not hold (500)
};

//! Returns the stable lower_snake_case name of a code, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  //! An OK status.
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return {}; }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) { return {StatusCode::kPermissionDenied, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status DeadlineExceeded(std::string msg) { return {StatusCode::kDeadlineExceeded, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  //! "OK", or "<code name>: <message>".
  std::string ToString() const;

  //! Returns a copy whose message is prefixed with `context: `. OK stays OK.
  Status WithContext(std::string_view context) const;

  bool operator==(const Status& other) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

//! A value of type T, or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "a Result cannot hold an OK status without a value");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  //! The error; OK when a value is held.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }

  //! The value. Must only be called when ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace lakehouse

#define LH_CONCAT_INNER(a, b) a##b
#define LH_CONCAT(a, b) LH_CONCAT_INNER(a, b)

//! Returns from the enclosing function with the status of `expr` if it is not OK.
#define LH_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::lakehouse::Status lh_status_ = (expr); \
    if (!lh_status_.ok()) return lh_status_; \
  } while (false)

//! Evaluates `rexpr` (a Result<T>); on error returns its status, else moves the value into `lhs`.
#define LH_ASSIGN_OR_RETURN(lhs, rexpr) LH_ASSIGN_OR_RETURN_IMPL(LH_CONCAT(lh_result_, __LINE__), lhs, rexpr)
// `lhs` may be a declaration ("auto x"), so it cannot be parenthesised.
#define LH_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                             \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()  // NOLINT(bugprone-macro-parentheses)
