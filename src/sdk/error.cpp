#include "sdk/error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace carebridge::sdk {

namespace {
std::string field(const boost::json::object& o, const char* name) {
    if (const auto* v = o.if_contains(name); v && v->is_string()) return std::string(v->get_string());
    return {};
}
}  // namespace

std::string Error::describe() const {
    std::string out;
    switch (kind) {
        case ErrorKind::platform: out = "platform " + std::to_string(status) + " " + code; break;
        case ErrorKind::transport: out = "transport"; break;
        case ErrorKind::timeout: out = "timeout"; break;
        case ErrorKind::protocol: out = "protocol"; break;
    }
    if (!subcode.empty()) out += "/" + subcode;
    if (!message.empty()) out += ": " + message;
    return out;
}

Error protocol_error(std::string message) {
    return Error{ErrorKind::protocol, 0, "", "", std::move(message)};
}

Error platform_error(int status, std::string_view body) {
    Error e{ErrorKind::platform, status, "", "", ""};
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    if (!ec && v.is_object()) {
        const auto& o = v.get_object();
        e.code = field(o, "code");
        e.subcode = field(o, "subcode");
        e.message = field(o, "message");
        if (e.code.empty()) {  // the token endpoint speaks OAuth 2.0, not UCWA
            e.code = field(o, "error");
            e.message = field(o, "error_description");
        }
    }
    if (e.code.empty()) e.code = "HTTP" + std::to_string(status);
    if (e.message.empty()) e.message = std::string(body.substr(0, 200));
    return e;
}

}  // namespace carebridge::sdk
