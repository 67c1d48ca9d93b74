#pragma once
// The SDK's connection to the Trusted Application API: discovery from one URL, the OAuth
// client-credentials token (refreshed before it expires), and authenticated calls to hrefs the
// platform handed out. Every call has a timeout; calls that are safe to repeat are retried with
// exponential backoff and jitter; a 401 refreshes the token and retries once.
//
// Why callbacks rather than Asio coroutines: the SDK sits on net::HttpSender and
// net::Scheduler, the same injected interfaces the platform uses, so it needs no Asio in its
// headers, runs on any io thread the application already has, and is tested with a fake clock
// and a recording sender. The helpdesk sequences the call flow with an explicit state machine,
// which is where that state belongs (and which stays testable), not in coroutine frames.
//
// Threading: single-threaded; call it and receive its callbacks on the scheduler's thread.
// Lifetime: callbacks are never invoked after the Client is destroyed.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "net/http_client.hpp"
#include "net/scheduler.hpp"
#include "sdk/error.hpp"
#include "sdk/resource.hpp"

namespace carebridge::sdk {

template <class T>
using Callback = std::function<void(Result<T>)>;

struct ClientOptions {
    std::string discover_url;   // the one URL known in advance (.../platformservice/discover)
    std::string client_id;
    std::string client_secret;
    std::string endpoint;       // sip URI acted for; empty: the application's default endpoint
    std::string token_url;      // empty: <origin of discover_url>/oauth2/token
    std::chrono::milliseconds timeout{10'000};  // per attempt
    int max_attempts = 4;                       // per call, for calls that may be retried
    std::chrono::milliseconds initial_backoff{200};
    std::chrono::milliseconds max_backoff{5'000};
    std::chrono::seconds refresh_margin{60};    // refresh the token this long before expiry
    std::function<void(const std::string&)> log;  // retries and refresh failures; may be empty
};

// Whether a call may be sent again after an unclear failure (timeout, connection lost,
// 502/503/504/429). GET and DELETE are, and so are the POSTs the platform deduplicates by
// operationId (startAdhocMeeting, addMessaging, sendMessage, addParticipant); other POSTs are
// not. Any call is retried when it provably never left (connect or resolve failed) or was
// refused with 401.
enum class Retry { safe, unsafe };

struct HttpReply {
    int status = 0;
    net::HeaderList headers;
    std::string body;
    std::optional<std::string> header(std::string_view name) const;
};

class Client {
public:
    Client(net::Scheduler& scheduler, net::HttpSender& http, ClientOptions options);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Steps 1-2: discovery, the token, the application resource. May be called again after a
    // failure (the caller decides when).
    void connect(Callback<Resource> done);
    bool connected() const;
    const Resource& application() const;
    const std::string& application_id() const;  // the audience of callback tokens
    // scheme://host[:port] of the API (from discovery): base of host-relative hrefs and the
    // issuer of callback tokens.
    const std::string& platform_url() const;
    const std::string& discover_url() const;
    std::string resolve(std::string_view href) const;

    // Authenticated JSON call; an empty 2xx body yields an empty Resource.
    void call(std::string method, std::string href, std::optional<boost::json::object> body, Retry retry,
              Callback<Resource> done);
    // Authenticated call with any body (sendMessage takes text/plain); the 2xx reply as is.
    void send(std::string method, std::string href, std::string body, std::string content_type, Retry retry,
              Callback<HttpReply> done);
    // Unauthenticated GET of an absolute URL, retried (discovery, the JWK set).
    void get_public(std::string url, Callback<HttpReply> done);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace carebridge::sdk
