// Errors as values at module borders.
//
// Every fallible call that crosses a module border returns Result<T>: either a value or an
// Error with a stable, machine-readable code (what scripts and receipt systems match on) and a
// human message. Exceptions stay inside a module.
#pragma once

#include <boost/system/result.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

namespace madoguchi {

struct Error {
  // Not an aggregate on purpose: a Result<std::string> must not mistake a string for an Error.
  Error() = default;
  Error(std::string c, std::string m) : code(std::move(c)), message(std::move(m)) {}

  std::string code;     // stable, dotted: "insurer_number.check_digit"
  std::string message;  // English, for logs and developers; never contains personal data

  friend bool operator==(const Error&, const Error&) = default;
};

// Thrown only by Result<T>::value() on an error: a programming mistake, not a control path.
class BadResultAccess : public std::runtime_error {
 public:
  explicit BadResultAccess(const Error& e) : std::runtime_error(e.code + ": " + e.message) {}
};

[[noreturn]] inline void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw BadResultAccess(e);
}

template <class T>
using Result = boost::system::result<T, Error>;

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

// How an asynchronous port call completes: called exactly once, from any thread, with the value
// or the error. Ports that complete this way keep Asio (and every other event loop) out of their
// headers.
template <class T>
using Completion = std::function<void(Result<T>)>;

}  // namespace madoguchi
