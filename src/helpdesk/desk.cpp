#include "helpdesk/desk.hpp"

#include <algorithm>

#include "helpdesk/texts.hpp"
#include "platform/auth/jwt.hpp"
#include "sdk/url.hpp"

namespace carebridge::helpdesk {

using sdk::EventType;
using sdk::Subject;

Desk::Desk(const Settings& settings, sdk::ServiceApplication& sa, net::Scheduler& scheduler, Log log,
           store::Store* store)
    : settings_(settings), sa_(sa), scheduler_(scheduler), log_(std::move(log)),
      router_(settings.agents, settings.away_backoff), store_(store) {
    restore();
}

Desk::~Desk() { *alive_ = false; }

Desk::Live* Desk::find(const std::string& id) {
    auto it = chats_.find(id);
    return it == chats_.end() ? nullptr : it->second.get();
}

std::string Desk::chat_of_href(const std::string& href) const {
    auto it = by_path_.find(sdk::href_path(href));
    return it == by_path_.end() ? std::string() : it->second;
}

void Desk::index(const std::string& href, const std::string& id) {
    if (!href.empty()) by_path_[sdk::href_path(href)] = id;
}

void Desk::on_events(std::vector<sdk::Event> events) {
    for (const auto& e : events) on_event(e);
}

// Callback events -> machine inputs. Everything else the platform reports (message echoes,
// bridge and messaging updates) the helpdesk learns from its own calls' answers.
void Desk::on_event(const sdk::Event& e) {
    const auto at = now();
    switch (e.subject) {
        case Subject::messaging_invitation: {  // step 7, or the visitor's invitation failing
            const bool incoming = e.resource && e.resource->str("direction") == "Incoming";
            if (incoming && e.type == EventType::started && chat_of_href(e.href).empty()) return new_chat(e);
            if (incoming && e.type == EventType::completed && e.failed())
                if (auto id = chat_of_href(e.href); !id.empty()) feed(id, {Input::Kind::visitor_left, at});
            return;
        }
        case Subject::conversation: {  // step 21 (the visitor's chat) or 22 (the meeting)
            if (e.type != EventType::deleted) return;
            const auto id = chat_of_href(e.href);
            Live* chat = find(id);
            if (!chat) return;
            const bool meeting = sdk::href_path(chat->meeting.link("self").value_or("")) == sdk::href_path(e.href);
            return feed(id, {meeting ? Input::Kind::meeting_ended : Input::Kind::visitor_left, at});
        }
        case Subject::participant_invitation: {  // step 14's outcome; ops are "<chat>.<n>"
            if (e.type != EventType::completed || !e.failed()) return;
            const auto op = e.operation_id();
            const auto id = op.substr(0, op.find('.'));
            if (find(id)) {
                log_("chat " + id + ": " + (e.resource ? e.resource->str("to") : "agent") + " did not take it (" +
                     (e.reason ? e.reason->subcode : std::string("?")) + ")");
                Input in{Input::Kind::invite_failed, at};
                in.op = op;
                feed(id, std::move(in));
            }
            return;
        }
        case Subject::participant: {  // step 15: an agent joined; or someone left
            const auto id = chat_of_href(e.sender_href);
            Live* chat = find(id);
            if (!chat) return;
            Input in{e.type == EventType::added ? Input::Kind::agent_joined : Input::Kind::agent_left, at};
            if (e.type == EventType::added && e.resource) {
                in.agent = e.resource->str("uri");
                chat->participants[sdk::href_path(e.href)] = in.agent;
            } else if (e.type == EventType::deleted) {
                auto p = chat->participants.find(sdk::href_path(e.href));
                if (p == chat->participants.end()) return;  // the visitor, or never seen
                in.agent = p->second;
            } else {
                return;
            }
            return feed(id, std::move(in));
        }
        default:
            return;
    }
}

void Desk::new_chat(const sdk::Event& e) {
    const sdk::Resource& inv = *e.resource;
    const auto custom = parse_custom_content(sdk::data_uri_text(inv.link("customContent").value_or("")));
    const QueueSettings* queue = settings_.queues.empty() ? nullptr : &settings_.queues.front();
    if (auto q = custom.find("queue"); q != custom.end())
        for (const auto& candidate : settings_.queues)
            if (candidate.name == q->second) queue = &candidate;
    ChatInfo info;
    info.id = auth::random_hex(6);
    info.queue = queue ? queue->name : "";
    info.queue_display = queue ? queue->display_name : "";
    info.visitor = inv.embedded("from").value_or(sdk::Resource()).str("name");
    if (info.visitor.empty()) info.visitor = "there";
    info.subject = inv.str("subject");
    info.order = ++next_order_;
    auto live = std::make_unique<Live>(info, settings_);
    live->invitation = inv;
    index(e.href, info.id);
    index(inv.link("conversation").value_or(""), info.id);
    log_("chat " + info.id + ": " + info.visitor + " asks for queue " + info.queue);
    auto commands = live->machine.start(now());
    chats_.emplace(info.id, std::move(live));
    apply(info.id, std::move(commands));
}

void Desk::feed(const std::string& id, Input in) {
    Live* chat = find(id);
    if (!chat) return;
    apply(id, chat->machine.on(in));
}

void Desk::apply(const std::string& id, std::vector<Command> commands) {
    Live* chat = find(id);
    if (!chat) return;
    bool forget = false, rerun = false;
    for (auto& c : commands) {
        switch (c.what) {
            case Do::wait:
                router_.wait(id, chat->machine.info().queue, chat->machine.info().order, chat->machine.left());
                rerun = true;
                break;
            case Do::stop_waiting: router_.cancel(id); rerun = true; break;
            case Do::release: router_.release(id, c.agent); rerun = true; break;
            case Do::mark_away: router_.mark_away(c.agent, now()); break;
            case Do::forget: forget = true; break;
            default: chat->outbox.push_back(std::move(c)); break;
        }
    }
    save(id);
    if (forget) {
        log_("chat " + id + ": closed");
        std::erase_if(by_path_, [&](const auto& kv) { return kv.second == id; });
        chats_.erase(id);
    } else {
        pump(id);
    }
    if (rerun) dispatch();
}

// Remote commands of one chat run one after another, so "no agent" is said before the
// meeting ends and the welcome before the queue position. Completions are posted, never run
// inline, so apply() is never re-entered from inside pump().
void Desk::pump(const std::string& id) {
    Live* chat = find(id);
    if (!chat || chat->running || chat->outbox.empty()) return;
    chat->running = std::move(chat->outbox.front());
    chat->outbox.pop_front();
    save(id);
    const std::string op = chat->running->op;
    execute(id, *chat, *chat->running, [this, alive = alive_, id, op](bool ok) {
        scheduler_.post([this, alive, id, op, ok] {
            if (!*alive) return;
            Live* chat = find(id);
            if (!chat) return;
            chat->running.reset();
            Input in{Input::Kind::finished, now()};
            in.op = op;
            in.ok = ok;
            feed(id, std::move(in));
            pump(id);
        });
    });
}

// Offers waiting chats to agents and tells the rest their place. Inputs fed here may free or
// take slots again, so it loops until nothing changes.
void Desk::dispatch() {
    if (dispatching_) {
        dispatch_again_ = true;
        return;
    }
    dispatching_ = true;
    do {
        dispatch_again_ = false;
        for (const auto& a : router_.dispatch(now())) {
            log_("chat " + a.chat + ": offered to " + a.agent);
            Input in{Input::Kind::offered, now()};
            in.agent = a.agent;
            feed(a.chat, std::move(in));
        }
        for (const auto& id : router_.waiting()) {
            Input in{Input::Kind::position, now()};
            in.position = router_.position(id);
            feed(id, std::move(in));
        }
    } while (dispatch_again_);
    dispatching_ = false;
    schedule_tick();
}

// While chats wait: wake at the earliest give-up time, or after `recheck` to offer them again
// (agents may have become available; the platform does not say so).
void Desk::schedule_tick() {
    if (router_.waiting().empty()) {
        tick_timer_.reset();
        return;
    }
    auto due = now() + settings_.recheck;
    for (const auto& id : router_.waiting())
        if (Live* chat = find(id); chat && chat->machine.deadline()) due = std::min(due, *chat->machine.deadline());
    const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(due - now());
    tick_timer_ = scheduler_.after(std::max(delay, std::chrono::milliseconds(1)), [this] { tick(); });
}

void Desk::tick() {
    for (const auto& id : router_.waiting()) feed(id, {Input::Kind::tick, now()});
    dispatch();
}

}  // namespace carebridge::helpdesk
