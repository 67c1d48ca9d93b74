#pragma once
// The call flow as the three real clients play it, over HTTP, following links: the Service
// Application (a pool of connections plus the callback receiver), visitors and agents (a
// request pool and a long-polled event channel each). Single-threaded: everything runs on the
// one io_context thread.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core.hpp"
#include "envelope.hpp"
#include "http.hpp"

namespace bench {

enum class Role { visitor, agent };

struct Chat;

struct Party {
    Party(asio::io_context& ioc, const Target& t) : requests(ioc, t), poll(ioc, t) {}
    Role role = Role::visitor;
    int index = 0;
    std::string uri;          // the agent's sip uri (from its user resource)
    Headers auth;             // Authorization (and Origin for visitors)
    Pool requests;
    Conn poll;                // the event channel's own connection
    std::string events_next;  // the `next` link of the channel
    std::string self;         // an agent's application (deleted at sign-out)
    bool polling = false;
    bool signed_out = false;  // its channel is closed on purpose
    Chat* chat = nullptr;     // a visitor's one chat
};

// One direction of a chat's traffic: per sequence number, what happened to that message.
struct Flow {
    enum : std::uint8_t { sent = 1, failed = 2, received = 4 };
    std::vector<std::uint8_t> seqs;
    std::int64_t max_received = -1;
};

struct Chat {
    Chat(const asio::any_io_executor& ex, int i)
        : index(i), invited(ex), agent_seen(ex), agent_connected(ex), visitor_connected(ex) {}
    int index;
    std::string op;  // operationId of the visitor's invitation, "bench-<index>"
    Party* visitor = nullptr;
    Party* agent = nullptr;
    // Service Application side.
    std::string start_meeting, accept_and_bridge;  // links of the incoming invitation
    std::string meeting_id;
    // Links to send messages with, learned from each side's "messaging updated" event.
    std::string visitor_send, agent_send;
    Signal invited, agent_seen, agent_connected, visitor_connected;
    Micros started = 0, completed = 0;
    bool ok = false;
    std::array<Flow, 2> flows;  // [0] visitor -> agent, [1] agent -> visitor
};

struct Counters {
    std::uint64_t requests = 0, polls = 0, poll_events = 0, callback_events = 0;
    std::map<std::string, std::uint64_t> errors;  // "what: detail" -> count
};

class Bench {
public:
    Bench(asio::io_context& ioc, Options opt);
    asio::io_context& ioc;
    const Options opt;
    const Target target;
    Counters counters;
    std::vector<std::unique_ptr<Party>> agents, visitors;
    std::vector<std::unique_ptr<Chat>> chats;
    bool stopping = false;
    // Idle chats (setup, hold): a visitor's request connection is closed once its chat is
    // open, as a browser's idle keep-alive would be; only the event channels stay open.
    bool close_visitor_requests = false;
    // Called for every incoming message a visitor or an agent receives (talk checks them).
    std::function<void(Chat&, Role receiver, std::string_view text, Micros arrival)> on_message;

    // The Service Application: token, discovery, its application; starts the callback receiver.
    asio::awaitable<bool> start_application();
    // Agents 1..count sign in (password grant), create their application, become available.
    asio::awaitable<bool> sign_in_agents(int count);
    asio::awaitable<bool> sign_in_agent(Party& p);
    // Deletes the agents' applications, so a later run against the same platform does not
    // have its invitations routed to this run's consoles.
    asio::awaitable<void> sign_out_agents();
    // Chats [first, first+count): `concurrency` at a time, started at `rate`/s if > 0.
    asio::awaitable<void> open_chats(int first, int count, int concurrency, double rate);
    // One whole chat: anonymous token .. the visitor sees the agent and both can talk.
    asio::awaitable<bool> open_chat(Chat& chat);
    Chat& new_chat();
    void error(const std::string& what);
    std::uint64_t error_count() const;
    std::uint64_t callback_requests() const;
    std::uint64_t callback_connections() const;
    std::uint64_t connections_opened() const;
    void close_request_connections();  // idle chats: only the event channels stay open
    void shutdown();                   // closes everything; coroutines then end

    // Parameters by value: the coroutine may outlive the caller's temporaries.
    asio::awaitable<Reply> call(Pool& pool, Headers headers, const char* method, std::string href,
                                std::string body = {}, const char* content_type = "application/json");

private:
    asio::awaitable<void> poll_loop(Party& p);
    void on_envelope(Party& p, const Envelope& envelope, Micros arrival);
    void on_agent_event(Party& p, const EnvelopeEvent& e, Micros arrival);
    void on_visitor_event(Party& p, const EnvelopeEvent& e, Micros arrival);
    void on_callback(std::string_view body);
    void start_polling(Party& p);
    asio::awaitable<void> agent_post(Party& p, std::string href, std::string body, std::string what);

    Pool sa_;
    Headers sa_auth_;
    std::string anon_tokens_, endpoint_;
    std::unique_ptr<CallbackServer> callbacks_;
    std::unordered_map<std::string, Chat*> by_op_, by_meeting_;
};

// Links and embedded resources of HAL JSON.
std::string link(const boost::json::value& resource, std::string_view rel);
// The same for a resource held as an object: without it, passing one converted it to a
// json::value, copying the whole resource (a tenth of the generator's work per message).
std::string link(const boost::json::object& resource, std::string_view rel);
const boost::json::object* embedded(const boost::json::object& o);
// With a storage (a monotonic resource), the value must not outlive it.
std::optional<boost::json::value> parse_json(std::string_view text, boost::json::storage_ptr storage = {});
std::string last_segment(std::string_view href);  // ".../conversations/ab12?x=y" -> "ab12"

}  // namespace bench
