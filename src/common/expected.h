// Errors as values: every fallible step returns Expected<T> (or Status for no value).
// An Error's message names the file, symbol, section or relocation and the reason.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace hotswap {

struct Error {
  std::string message;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : failed_(true), message_(std::move(error.message)) {}
  static Status success() { return Status(); }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& message() const { return message_; }
  Error error() const { return Error{message_}; }

 private:
  bool failed_ = false;
  std::string message_;
};

// Propagates a failed Expected/Status out of the calling function.
#define HOTSWAP_TRY(expr)                                      \
  do {                                                         \
    auto&& hotswap_try_result_ = (expr);                       \
    if (!hotswap_try_result_) return hotswap_try_result_.error(); \
  } while (0)

}  // namespace hotswap
