#include "helpdesk/chat.hpp"

#include "helpdesk/texts.hpp"

namespace carebridge::helpdesk {

const char* to_string(Phase p) {
    switch (p) {
        case Phase::starting: return "starting";
        case Phase::bridging: return "bridging";
        case Phase::adding_agents: return "adding_agents";
        case Phase::welcoming: return "welcoming";
        case Phase::waiting: return "waiting";
        case Phase::inviting: return "inviting";
        case Phase::connected: return "connected";
        case Phase::closing: return "closing";
        case Phase::closed: return "closed";
    }
    return "unknown";
}

Chat::Chat(ChatInfo info, const Settings& settings) : info_(std::move(info)), settings_(settings) {}

std::string Chat::next_op() { return info_.id + "." + std::to_string(++seq_); }

std::string Chat::render(const std::string& text, int position) const {
    return fill(text, {{"visitor", info_.visitor},
                       {"queue", info_.queue_display},
                       {"subject", info_.subject},
                       {"position", std::to_string(position)}});
}

std::vector<Command> Chat::run(Phase next, Do what, std::string text, std::string agent) {
    phase_ = next;
    pending_ = next_op();
    return {Command{what, pending_, std::move(text), std::move(agent)}};
}

std::optional<TimePoint> Chat::deadline() const {
    if (phase_ != Phase::waiting) return std::nullopt;
    return waiting_since_ + settings_.no_agent_timeout;
}

std::vector<Command> Chat::start(TimePoint) { return run(Phase::starting, Do::start_meeting); }

std::vector<Command> Chat::on(const Input& in) {
    if (phase_ == Phase::closed) return {};
    const bool setting_up = phase_ == Phase::starting || phase_ == Phase::bridging ||
                            phase_ == Phase::adding_agents || phase_ == Phase::welcoming;
    switch (in.kind) {
        case Input::Kind::finished:
            return finished(in);
        case Input::Kind::visitor_left:
            if (visitor_gone_) return {};
            visitor_gone_ = true;
            // Mid-set-up, the step in flight ends first; then finished() tears down.
            return setting_up || phase_ == Phase::closing ? std::vector<Command>{} : close();
        case Input::Kind::meeting_ended:
            return ended();
        case Input::Kind::invite_failed:
            if (phase_ != Phase::inviting || in.op != pending_) return {};  // stale or repeated
            return drop_agent(in.now, true);
        case Input::Kind::agent_joined:  // served: out of the queue
            if (phase_ != Phase::inviting || in.agent != agent_) return {};
            phase_ = Phase::connected;
            return {Command{Do::stop_waiting, "", "", ""}};
        case Input::Kind::agent_left: {
            if ((phase_ != Phase::inviting && phase_ != Phase::connected) || in.agent != agent_) return {};
            left_.insert(agent_);
            auto out = drop_agent(in.now, false);
            if (phase_ == Phase::waiting) {  // tell the visitor before the queue position
                out.insert(out.begin(), Command{Do::say, next_op(), render(settings_.texts.agent_left), ""});
            }
            return out;
        }
        case Input::Kind::offered:
            if (phase_ != Phase::waiting) return {Command{Do::release, "", "", in.agent}};
            agent_ = in.agent;
            return run(Phase::inviting, Do::invite, "", in.agent);
        case Input::Kind::position:
            if (phase_ != Phase::waiting || in.position <= 0 || in.position == announced_) return {};
            announced_ = in.position;
            return {Command{Do::say, next_op(), render(settings_.texts.queue_position, in.position), ""}};
        case Input::Kind::transfer: {  // the agent is out, the chat waits in the other queue
            const bool live = phase_ == Phase::waiting || phase_ == Phase::inviting || phase_ == Phase::connected;
            if (!live || in.queue.empty() || in.queue == info_.queue) return {};
            std::vector<Command> out;
            if (!agent_.empty()) {
                out.push_back({Do::release, "", "", agent_});
                left_.insert(agent_);  // not offered back to the agent who passed it on
                agent_.clear();
            }
            pending_.clear();
            info_.queue = in.queue;
            info_.queue_display = in.queue_display;
            announced_ = 0;
            out.push_back({Do::say, next_op(), render(settings_.texts.transfer), ""});
            for (auto& c : wait(in.now, true)) out.push_back(std::move(c));
            return out;
        }
        case Input::Kind::tick:
            if (phase_ != Phase::waiting || in.now - waiting_since_ < settings_.no_agent_timeout) return {};
            // Closing politely: the message first; the Desk runs remote commands in order.
            auto out = std::vector<Command>{{Do::say, next_op(), render(settings_.texts.no_agent), ""}};
            for (auto& c : close()) out.push_back(std::move(c));
            return out;
    }
    return {};
}

std::vector<Command> Chat::finished(const Input& in) {
    if (in.op != pending_) return {};  // a message sent on the side, or a stale answer
    pending_.clear();
    switch (phase_) {
        case Phase::starting:
            if (!in.ok || visitor_gone_) return close();
            return run(Phase::bridging, Do::bridge);
        case Phase::bridging:
            if (!in.ok || visitor_gone_) return close();
            return run(Phase::adding_agents, Do::add_bridged);
        case Phase::adding_agents:  // a failed alias is not worth losing the chat: go on
            if (visitor_gone_) return close();
            return run(Phase::welcoming, Do::say, render(settings_.texts.welcome));
        case Phase::welcoming:
            if (visitor_gone_) return close();
            return wait(in.now, true);
        case Phase::inviting:
            if (in.ok) {  // the invitation is out; the join or its failure comes as a callback
                pending_ = in.op;
                return {};
            }
            return drop_agent(in.now, true);
        case Phase::closing:
            return ended();
        default:
            return {};
    }
}

std::vector<Command> Chat::wait(TimePoint now, bool new_window) {
    phase_ = Phase::waiting;
    if (new_window) waiting_since_ = now;
    return {Command{Do::wait, "", "", ""}};
}

// The offered or connected agent is out of this chat: free the slot, maybe skip the agent for
// a while, and wait for the next one (the wait window goes on unless the agent had joined).
std::vector<Command> Chat::drop_agent(TimePoint now, bool away) {
    std::vector<Command> out{{Do::release, "", "", agent_}};
    if (away) out.push_back({Do::mark_away, "", "", agent_});
    const bool had_joined = phase_ == Phase::connected;
    if (had_joined) announced_ = 0;  // back in the queue after a conversation: say the place again
    agent_.clear();
    pending_.clear();
    if (visitor_gone_) {
        for (auto& c : close()) out.push_back(std::move(c));
        return out;
    }
    for (auto& c : wait(now, had_joined)) out.push_back(std::move(c));
    return out;
}

std::vector<Command> Chat::close() {
    std::vector<Command> out{{Do::stop_waiting, "", "", ""}};
    if (!agent_.empty()) out.push_back({Do::release, "", "", agent_});
    agent_.clear();
    for (auto& c : run(Phase::closing, Do::terminate)) out.push_back(std::move(c));
    return out;
}

// The meeting is gone (our terminate answered, or its deletion was called back): nothing is
// left to undo.
std::vector<Command> Chat::ended() {
    std::vector<Command> out{{Do::stop_waiting, "", "", ""}};
    if (!agent_.empty()) out.push_back({Do::release, "", "", agent_});
    agent_.clear();
    pending_.clear();
    phase_ = Phase::closed;
    out.push_back({Do::forget, "", "", ""});
    return out;
}

}  // namespace carebridge::helpdesk
