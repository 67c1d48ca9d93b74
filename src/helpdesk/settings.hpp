#pragma once
// The helpdesk's settings as plain data (loaded from TOML by src/app/helpdesk_config.cpp).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sdk/client.hpp"

namespace carebridge::helpdesk {

struct AgentSettings {
    std::string uri;           // sip URI the platform knows the agent by
    std::string display_name;  // for {agent} in texts
    int max_chats = 2;         // simultaneous chats
    std::vector<std::string> queues;
};

struct QueueSettings {
    std::string name;          // what customContent "queue=<name>" selects
    std::string display_name;  // for {queue} in texts
};

// Texts sent to the visitor. Placeholders: {visitor}, {queue}, {subject}, {position}, {agent}.
struct Texts {
    std::string welcome = "Hello {visitor}, welcome to the {queue} desk. An agent will be with you shortly.";
    std::string queue_position = "All our agents are busy. You are number {position} in the queue.";
    std::string no_agent = "Sorry, no agent is available right now. Please try again later. Goodbye!";
    std::string agent_left = "Your agent had to leave; we are finding you another one.";
    std::string transfer = "You are being transferred to the {queue} desk. Please hold on.";
};

struct Settings {
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 8081;  // 0: any free port (tests)
    std::string public_url;            // how the platform and pages reach us; default: bound URL
    std::string data_dir;              // live chats saved in <data_dir>/helpdesk.db; empty: memory only
    std::vector<std::string> allowed_origins;  // pages that may ask for a token; default: public URL

    sdk::ClientOptions platform;       // discover URL, client id/secret, endpoint

    std::string meeting_subject = "helpcustomermeeting";
    std::string impersonated_name;     // acceptAndBridge display name; empty: the application's
    std::string bridged_display_name = "{agent}";  // how an agent appears to the visitor
    bool message_filter = false;       // messageFilterState of bridged agents
    Texts texts;
    std::chrono::seconds no_agent_timeout{120};  // a waiting chat is closed after this
    std::chrono::seconds away_backoff{15};  // an agent who did not take a chat is skipped this long
    std::chrono::seconds recheck{5};   // how often waiting chats are offered again

    int max_chats_per_agent = 2;       // for agents that do not say (and agents `up` derives)
    std::vector<QueueSettings> queues;  // the first is the default queue
    std::vector<AgentSettings> agents;
};

}  // namespace carebridge::helpdesk
