#pragma once
// A whole Service Application in one class, written only against the carebridge SDK: it takes
// every incoming chat into an ad-hoc meeting (seed steps 8-12), greets the visitor, and ends the
// meeting when the visitor leaves (steps 21-22). docs/SDK.md walks through it.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sdk/callback_receiver.hpp"
#include "sdk/service_application.hpp"
#include "sdk/url.hpp"

namespace example {

using namespace carebridge;

class Greeter {
public:
    using Log = std::function<void(const std::string&)>;

    Greeter(sdk::Client& client, net::Scheduler& scheduler, std::string greeting, Log log = {})
        : sa_(client),
          receiver_(client, scheduler, [this](std::vector<sdk::Event> events) { on_events(events); }),
          greeting_(std::move(greeting)),
          log_(std::move(log)) {}

    // Give it the platform's POSTs to your callback URL.
    void on_callback(net::Request&& request, net::Responder respond) {
        receiver_.handle(std::move(request), std::move(respond));
    }
    sdk::CallbackReceiver& receiver() { return receiver_; }

private:
    void on_events(const std::vector<sdk::Event>& events) {
        for (const auto& e : events) {
            const bool incoming = e.resource && e.resource->str("direction") == "Incoming";
            if (e.subject == sdk::Subject::messaging_invitation && e.type == sdk::EventType::started && incoming)
                greet(*e.resource);
            // The visitor's conversation is gone: end the meeting we made for it.
            if (e.subject == sdk::Subject::conversation && e.type == sdk::EventType::deleted)
                if (auto it = meetings_.find(sdk::href_path(e.href)); it != meetings_.end()) {
                    sa_.terminate(it->second, [this](sdk::Result<sdk::Done> done) {
                        if (!done) return log(done.error());
                        if (log_) log_("the visitor left; meeting ended");
                    });
                    meetings_.erase(it);
                }
        }
    }

    // Steps 8-12, following links only: the meeting, its messaging, accept and bridge, hello.
    // The operation ids tie the platform's callbacks to these requests.
    void greet(sdk::Resource invitation) {
        const std::string op = "greet-" + std::to_string(++chats_);
        sa_.start_adhoc_meeting(invitation, "greeting", "", op, [=, this](sdk::Result<sdk::MeetingStarted> m) {
            if (!m) return log(m.error());
            sa_.get(m->conversation_href, [=, this](sdk::Result<sdk::Resource> meeting) {
                if (!meeting) return log(meeting.error());
                sa_.get(meeting->link("messaging").value_or(""), [=, this](sdk::Result<sdk::Resource> messaging) {
                    if (!messaging) return log(messaging.error());
                    sa_.add_messaging(*messaging, op + "-join", [=, this](sdk::Result<sdk::Resource> joined) {
                        if (!joined) return log(joined.error());
                        sa_.accept_and_bridge(invitation, m->online_meeting_uri, "Greeter",
                                              [=, this](sdk::Result<sdk::Resource> bridged) {
                            if (!bridged) return log(bridged.error());
                            meetings_[sdk::href_path(invitation.link("conversation").value_or(""))] = *meeting;
                            sa_.get(joined->link("messaging").value_or(""), [=, this](sdk::Result<sdk::Resource> live) {
                                if (!live) return log(live.error());
                                sa_.send_message(*live, greeting_, op + "-hello", [this](sdk::Result<std::string> sent) {
                                    if (!sent) log(sent.error());
                                });
                            });
                        });
                    });
                });
            });
        });
    }

    void log(const sdk::Error& e) {
        errors.push_back(e.describe());
        if (log_) log_(e.describe());
    }

    sdk::ServiceApplication sa_;
    sdk::CallbackReceiver receiver_;
    std::string greeting_;
    Log log_;
    int chats_ = 0;
    std::map<std::string, sdk::Resource> meetings_;  // visitor's conversation path -> our meeting

public:
    std::vector<std::string> errors;
};

}  // namespace example
