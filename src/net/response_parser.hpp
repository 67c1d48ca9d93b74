#pragma once
// Reads an HTTP/1.1 response off the wire into a net::ClientResult: Beast's parser (syntax,
// limits, chunked decoding are its own) writing straight into our result, as RequestParser
// does for requests. http::response_parser built a basic_fields (an allocation per field)
// that was then copied field by field, once per callback.
#include <string>

#include "net/body_parser.hpp"
#include "net/http_client.hpp"

namespace carebridge::net::detail {

class ResponseParser final : public BodyParser<false> {
public:
    ResponseParser() { result_.headers.reserve(8); }

    // The response read so far (all of it once is_done()): status, headers, body.
    ClientResult& result() { return result_; }

private:
    std::string& body() override { return result_.body; }
    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override { result_.status = code; }
    void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override {
        result_.headers.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
    }

    ClientResult result_;
};

}  // namespace carebridge::net::detail
