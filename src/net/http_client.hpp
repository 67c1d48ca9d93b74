#pragma once
// Outbound HTTP(S) client used for callbacks: keep-alive connections pooled per origin,
// a timeout on every request. Beast/Asio stay inside http_client.cpp.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "net/address_policy.hpp"
#include "net/http_types.hpp"

namespace boost::asio {
class io_context;
}

namespace carebridge::net {

struct ClientResult {
    std::string error;  // empty on success (a response was received, any status)
    int status = 0;
    HeaderList headers;
    std::string body;
    bool ok() const { return error.empty(); }
};

class HttpSender {
public:
    virtual ~HttpSender() = default;
    // Sends a request to an absolute http:// or https:// URL; done is called exactly once,
    // on the io thread.
    virtual void send(std::string method, std::string url, HeaderList headers, std::string body,
                      std::chrono::milliseconds timeout,
                      std::function<void(ClientResult)> done) = 0;
};

class HttpClient final : public HttpSender {
public:
    explicit HttpClient(boost::asio::io_context& ioc);
    ~HttpClient() override;
    void send(std::string method, std::string url, HeaderList headers, std::string body,
              std::chrono::milliseconds timeout, std::function<void(ClientResult)> done) override;
    // From now on, connect only to resolved addresses the policy allows (callbacks: SSRF and
    // DNS rebinding defence). Without it every address is allowed (the sdk's client).
    void restrict_addresses(AddressPolicy policy);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace carebridge::net
