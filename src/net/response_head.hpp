#pragma once
// The status line and header block of a server response, written straight into one string
// (the body goes out after it in the same gather write). Beast's message + serializer did the
// same through a tree of fields and a chain of buffer views: measurably more CPU per answer.
#include <string>

#include "net/http_types.hpp"

namespace carebridge::net::detail {

struct ResponseHead {
    std::string head;        // "HTTP/1.1 200 OK\r\n...\r\n\r\n"
    std::string body;        // empty for HEAD, 204 and 304
    bool keep_alive = true;  // false: close after writing
};

// Framing headers (Content-Length, Transfer-Encoding, Connection) are computed here; the
// handler's copies are ignored, except "Connection: close", which ends the connection. Headers
// with CR, LF or NUL are dropped (response splitting). An invalid status becomes a 500.
ResponseHead write_response_head(Response res, unsigned version, bool keep_alive, bool head_request);

}  // namespace carebridge::net::detail
