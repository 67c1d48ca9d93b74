#pragma once
// What can go wrong talking to the platform, as values. A platform error keeps the protocol's
// {code, subcode, message} so a Service Application can branch on it (e.g. Conflict /
// InvalidState); transport failures and timeouts are told apart because only some operations
// may be retried after them.
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace carebridge::sdk {

enum class ErrorKind {
    platform,   // the platform answered 4xx/5xx (code/subcode/message from its body)
    transport,  // no answer: connection refused, reset, DNS, ...
    timeout,    // no answer within the call's timeout
    protocol,   // an answer we cannot use: bad JSON, a missing link, a bad signature
};

struct Error {
    ErrorKind kind = ErrorKind::protocol;
    int status = 0;        // HTTP status when the platform answered, else 0
    std::string code;      // UCWA code (NotFound, Conflict, ...) or OAuth "error"
    std::string subcode;   // InvalidState, TemporarilyUnavailable, ...
    std::string message;

    // "platform 409 Conflict/InvalidState: ..." for logs.
    std::string describe() const;
};

Error protocol_error(std::string message);
// An HTTP error answer: parses {"code","subcode","message"} or OAuth {"error","error_description"}.
Error platform_error(int status, std::string_view body);

// A value or an Error. Small on purpose: the SDK's callbacks take Result<T>.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT(implicit)
    Result(Error error) : v_(std::move(error)) {}  // NOLINT(implicit)
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

struct Done {};
using Status = Result<Done>;

}  // namespace carebridge::sdk
