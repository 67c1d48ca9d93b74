#pragma once
// Reads an HTTP/1.1 response off the wire into a net::ClientResult: Beast's parser (syntax,
// limits, chunked decoding are its own) writing straight into our result, as RequestParser
// does for requests. http::response_parser built a basic_fields (an allocation per field)
// that was then copied field by field, once per callback.
#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string>

#include "net/http_client.hpp"

namespace carebridge::net::detail {

class ResponseParser final : public boost::beast::http::basic_parser<false> {
public:
    ResponseParser() { result_.headers.reserve(8); }

    // The response read so far (all of it once is_done()): status, headers, body.
    ClientResult& result() { return result_; }

private:
    using string_view = boost::core::string_view;
    using error_code = boost::system::error_code;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override { result_.status = code; }
    void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override {
        result_.headers.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        // The base class has already held the length to body_limit.
        if (length) result_.body.reserve(static_cast<std::size_t>(*length));
    }
    std::size_t on_body_impl(string_view body, error_code&) override {
        result_.body.append(body.data(), body.size());
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
        result_.body.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    ClientResult result_;
};

}  // namespace carebridge::net::detail
