// The remote commands of a chat, each a short chain of SDK calls that follows the links the
// previous answer gave. A chain ends with done(ok) exactly once, unless the chat was
// forgotten meanwhile (then nobody is waiting for it).
#include <algorithm>

#include <boost/json/object.hpp>

#include "helpdesk/desk.hpp"
#include "helpdesk/texts.hpp"

namespace carebridge::helpdesk {

template <class T>
std::function<void(sdk::Result<T>)> Desk::step(const std::string& id, const char* what,
                                               std::function<void(bool)> done,
                                               std::function<void(Live&, T&)> next) {
    return [this, alive = alive_, id, what, done = std::move(done), next = std::move(next)](sdk::Result<T> r) {
        if (!*alive) return;
        Live* chat = find(id);
        if (!chat) return;
        if (!r) {
            log_("chat " + id + ": " + what + " failed: " + r.error().describe());
            return done(false);
        }
        next(*chat, *r);
    };
}

void Desk::execute(const std::string& id, Live& chat, const Command& c, std::function<void(bool)> done) {
    switch (c.what) {
        case Do::start_meeting:
            return start_meeting(id, chat, c.op, std::move(done));
        case Do::bridge:
            return bridge(id, chat, std::move(done));
        case Do::add_bridged:
            return add_bridged(id, 0, std::move(done));
        case Do::say:  // step 12, and the queue's messages
            return sa_.send_message(chat.messaging, c.text, c.op,
                                    step<std::string>(id, "sendMessage", done, [done](Live&, std::string&) { done(true); }));
        case Do::invite:  // step 14
            log_("chat " + id + ": inviting " + c.agent);
            return sa_.add_participant(chat.meeting, c.agent, c.op,
                                       step<sdk::Resource>(id, "addParticipant", done,
                                                           [done](Live&, sdk::Resource&) { done(true); }));
        case Do::terminate: {  // step 22; before the bridge, also decline the visitor's invitation
            auto decline = [this, alive = alive_, id, done](sdk::Result<sdk::Done> r) {
                if (!*alive) return;
                if (!r) log_("chat " + id + ": terminate failed: " + r.error().describe());
                Live* chat = find(id);
                if (!chat || chat->bridged) return done(true);
                sa_.decline(chat->invitation, [done](sdk::Result<sdk::Done>) { done(true); });
            };
            if (chat.meeting.link("self")) return sa_.terminate(chat.meeting, std::move(decline));
            return decline(sdk::Done{});
        }
        default:
            return done(false);
    }
}

// Step 8: start the meeting, then join its messaging (GET the meeting for its messaging link,
// GET messaging for addMessaging, POST it, GET messaging again for sendMessage).
void Desk::start_meeting(const std::string& id, Live& chat, const std::string& op, std::function<void(bool)> done) {
    const std::string callback = settings_.public_url + "/callback";
    auto joined = step<sdk::Resource>(id, "GET messaging", done, [done](Live& c, sdk::Resource& messaging) {
        c.messaging = messaging;
        done(true);
    });
    auto added = step<sdk::Resource>(id, "addMessaging", done, [this, joined](Live& c, sdk::Resource& inv) {
        sa_.get(inv.link("messaging").value_or(c.messaging.link("self").value_or("")), joined);
    });
    auto messaging = step<sdk::Resource>(id, "GET messaging", done, [this, op, added](Live& c, sdk::Resource& m) {
        c.messaging = m;
        sa_.add_messaging(m, op + "-messaging", added);
    });
    auto meeting = step<sdk::Resource>(id, "GET meeting", done, [this, done, messaging](Live& c, sdk::Resource& m) {
        c.meeting = m;
        auto href = m.link("messaging");
        if (!href) return done(false);
        sa_.get(*href, messaging);
    });
    sa_.start_adhoc_meeting(chat.invitation, settings_.meeting_subject, callback, op,
                            step<sdk::MeetingStarted>(id, "startAdhocMeeting", done,
                                                      [this, id, meeting](Live& c, sdk::MeetingStarted& m) {
        c.meeting_uri = m.online_meeting_uri;
        index(m.conversation_href, id);
        // Until the GET answers, the link we were given is enough to terminate the meeting.
        c.meeting = sdk::Resource(boost::json::object{
            {"_links", boost::json::object{{"self", boost::json::object{{"href", m.conversation_href}}}}}});
        sa_.get(m.conversation_href, meeting);
    }));
}

// Steps 9-10: accept and bridge, then GET the meeting again for its conversationBridge link.
void Desk::bridge(const std::string& id, Live& chat, std::function<void(bool)> done) {
    auto got_bridge = step<sdk::Resource>(id, "GET conversationBridge", done, [done](Live& c, sdk::Resource& b) {
        c.bridge = b;
        done(true);
    });
    auto got_meeting = step<sdk::Resource>(id, "GET meeting", done, [this, done, got_bridge](Live& c, sdk::Resource& m) {
        c.meeting = m;
        auto href = m.link("conversationBridge");
        if (!href) return done(false);
        sa_.get(*href, got_bridge);
    });
    sa_.accept_and_bridge(chat.invitation, chat.meeting_uri, settings_.impersonated_name,
                          step<sdk::Resource>(id, "acceptAndBridge", done, [this, got_meeting](Live& c, sdk::Resource&) {
                              c.bridged = true;
                              sa_.get(c.meeting.link("self").value_or(""), got_meeting);
                          }));
}

// Step 11: every agent of the chat's queue becomes a bridged participant, so the visitor sees
// them under the configured name and messageFilterState. One at a time; a failure is logged
// and the next goes on.
void Desk::add_bridged(const std::string& id, std::size_t next, std::function<void(bool)> done) {
    Live* chat = find(id);
    if (!chat) return;
    const auto& agents = settings_.agents;
    const auto& queue = chat->machine.info().queue;
    while (next < agents.size() &&
           std::find(agents[next].queues.begin(), agents[next].queues.end(), queue) == agents[next].queues.end())
        ++next;
    if (next == agents.size()) return done(true);
    const auto& agent = agents[next];
    sdk::BridgedParticipantRequest who{fill(settings_.bridged_display_name, {{"agent", agent.display_name}}),
                                       agent.uri, settings_.message_filter};
    sa_.add_bridged_participant(chat->bridge, who, [this, alive = alive_, id, next, done](sdk::Result<sdk::Resource> r) {
        if (!*alive) return;
        if (!r) log_("chat " + id + ": bridgedParticipants failed: " + r.error().describe());
        add_bridged(id, next + 1, done);
    });
}

}  // namespace carebridge::helpdesk
