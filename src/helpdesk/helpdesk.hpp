#pragma once
// The helpdesk service: the SDK client, the callback receiver and the Desk, behind one HTTP
// handler. The HTTP server itself belongs to the caller (src/app), which knows the io_context
// and the bound port:
//   GET  /            the demo company page with the visitor widget; /visitor/*, /shared/*:
//                     the widget's files; /agent/: the agent console (web/, web_assets.hpp)
//   GET|POST /token   an anonymous token for the calling page's Origin: {token, discoverUrl, expiryTime}
//   GET  /web-config  what the pages need: {queues: [{name, displayName}], autodiscoverUrl}
//   GET  /api/chat?meeting=<onlineMeetingUri>  for the agent console: the chat behind an
//                     invitation {visitor, queue, queueDisplay, created, messages} (transcript)
//   POST /api/chat/end?meeting=<onlineMeetingUri>  an agent ends the chat for everyone (step 22)
//   POST /callback    the platform's callbacks
//   GET  /healthz     {"status": "ok"|"connecting", "chats": N}
#include <memory>
#include <optional>
#include <string>

#include "helpdesk/desk.hpp"
#include "helpdesk/settings.hpp"
#include "net/http_client.hpp"
#include "net/http_types.hpp"
#include "net/scheduler.hpp"
#include "sdk/callback_receiver.hpp"
#include "sdk/client.hpp"
#include "sdk/service_application.hpp"

namespace carebridge::helpdesk {

class Helpdesk {
public:
    // settings.public_url must be final (the bound URL when listening on port 0).
    // With a store, live chats survive a restart (see Desk).
    Helpdesk(Settings settings, net::Scheduler& scheduler, net::HttpSender& http, Log log,
             store::Store* store = nullptr);
    ~Helpdesk();
    Helpdesk(const Helpdesk&) = delete;
    Helpdesk& operator=(const Helpdesk&) = delete;

    // Connects to the platform, retrying with backoff (up to a minute apart) while it is
    // down; requests that need the platform answer 503 until then.
    void start();
    bool ready() const { return client_.connected(); }
    void handle(net::Request&& request, net::Responder respond);

    const Settings& settings() const { return settings_; }
    const Desk& desk() const { return desk_; }

private:
    void connect();
    void token(const net::Request& request, net::Responder respond);
    void web_config(net::Responder respond);
    // The agent (sip URI) whose platform user token the request carries, or "".
    std::string agent_of(const net::Request& request) const;
    std::optional<net::Response> require_agent(const net::Request& request, std::string& agent);
    void chat_info(const net::Request& request, net::Responder respond);
    void end_chat(const net::Request& request, net::Responder respond);
    void transfer_chat(const net::Request& request, net::Responder respond);
    std::string allowed_origin(const net::Request& request) const;

    Settings settings_;
    net::Scheduler& scheduler_;
    Log log_;
    sdk::Client client_;
    sdk::ServiceApplication sa_;
    Desk desk_;
    sdk::CallbackReceiver receiver_;
    std::chrono::milliseconds backoff_{500};
    net::TimerPtr reconnect_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace carebridge::helpdesk
