#pragma once
// Reads an HTTP/1.1 request off the wire into a net::Request: Beast's parser (the syntax,
// the header and body limits and chunked decoding are all its own) writing straight into our
// Request. http::request_parser built a basic_fields (an allocation per field) that was then
// copied field by field into the Request (1.2% of the platform's instructions per message).
// Used by the server (server_connection.cpp) and the front-door fuzzer (tests/fuzz/http_api.cpp).
#include <cstdint>
#include <string>
#include <string_view>

#include "net/body_parser.hpp"
#include "net/http_types.hpp"

namespace carebridge::net::detail {

class RequestParser final : public BodyParser<true> {
public:
    RequestParser() { request_.headers.reserve(16); }

    int version() const { return version_; }  // 10 or 11
    bool head_request() const { return head_request_; }
    bool has_transfer_encoding() const { return has_transfer_encoding_; }
    const Request& request() const { return request_; }

    // The parsed request, path decoded and query split, from `remote`; once, when is_done().
    Request take(std::string remote) {
        Request r = std::move(request_);
        std::string_view target = r.target;
        const auto q = target.find('?');
        r.path = percent_decode(target.substr(0, q), false);
        if (q != std::string_view::npos) r.query = parse_query(target.substr(q + 1), true);
        r.remote_address = std::move(remote);
        return r;
    }

private:
    std::string& body() override { return request_.body; }
    void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target, int version,
                         error_code&) override {
        request_.method.assign(method_str.data(), method_str.size());
        request_.target.assign(target.data(), target.size());
        version_ = version;
        head_request_ = method == boost::beast::http::verb::head;
    }
    void on_response_impl(int, string_view, int, error_code&) override {}  // requests only
    void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                       error_code&) override {
        if (name == boost::beast::http::field::transfer_encoding) has_transfer_encoding_ = true;
        request_.headers.emplace_back(std::string(name_string.data(), name_string.size()),
                                      std::string(value.data(), value.size()));
    }

    Request request_;
    int version_ = 0;
    bool head_request_ = false;
    bool has_transfer_encoding_ = false;
};

}  // namespace carebridge::net::detail
