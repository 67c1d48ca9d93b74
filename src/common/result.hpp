#pragma once
// Expected failures as values: an Error carries the protocol's code/subcode/message and the
// HTTP status it maps to. Exceptions are for bugs and start-up failures only.
#include <string>
#include <utility>
#include <variant>

namespace carebridge {

struct Error {
    int http_status = 400;
    std::string code;     // UCWA code: BadRequest, Forbidden, NotFound, Conflict, ...
    std::string subcode;  // refinement: InvalidOrigin, TokenExpired, InvalidState, ...
    std::string message;  // for humans
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}          // NOLINT(implicit)
    Result(Error error) : v_(std::move(error)) {}      // NOLINT(implicit)
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    T* operator->() { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error bad_request(std::string subcode, std::string message) {
    return {400, "BadRequest", std::move(subcode), std::move(message)};
}
inline Error unauthorized(std::string subcode, std::string message) {
    return {401, "Unauthorized", std::move(subcode), std::move(message)};
}
inline Error forbidden(std::string subcode, std::string message) {
    return {403, "Forbidden", std::move(subcode), std::move(message)};
}
inline Error not_found(std::string message) {
    return {404, "NotFound", "", std::move(message)};
}
inline Error conflict(std::string subcode, std::string message) {
    return {409, "Conflict", std::move(subcode), std::move(message)};
}

}  // namespace carebridge
