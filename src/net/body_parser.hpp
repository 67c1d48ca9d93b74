#pragma once
// The body half of our HTTP parsers (request_parser.hpp, response_parser.hpp): Beast's
// basic_parser appending a body, plain or chunked, to the string the derived parser names.
#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string>

namespace carebridge::net::detail {

template <bool isRequest>
class BodyParser : public boost::beast::http::basic_parser<isRequest> {
protected:
    using string_view = boost::core::string_view;
    using error_code = boost::system::error_code;

    virtual std::string& body() = 0;  // where the body goes

private:
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        // The base class has already held the length to body_limit.
        if (length) body().reserve(static_cast<std::size_t>(*length));
    }
    std::size_t on_body_impl(string_view data, error_code&) override {
        body().append(data.data(), data.size());
        return data.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code&) override {
        body().append(data.data(), data.size());
        return data.size();
    }
    void on_finish_impl(error_code&) override {}
};

}  // namespace carebridge::net::detail
