// A live chat built with the engine's own operations (as the unit tests' EngineTest does), so
// every templated route has a real instance to reach.
#include "world.hpp"

#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>

#include "net/http_client.hpp"
#include "platform/auth/jwt.hpp"
#include "platform/auth/tokens.hpp"
#include "platform/engine/platform.hpp"
#include "platform/events/callback_dispatcher.hpp"

namespace carebridge::fuzz {

namespace {

constexpr const char* kHelpdesk = "sip:helpdesk@contoso.com";
constexpr const char* kAlice = "sip:alice@contoso.com";
constexpr std::int64_t kStartMs = 1'466'991'733'094;

// A manual clock; timers fire only in advance().
class ManualScheduler final : public net::Scheduler {
public:
    Clock::time_point now() const override { return now_; }
    net::TimerPtr after(std::chrono::milliseconds delay, std::function<void()> fn) override {
        auto s = std::make_shared<Slot>();
        s->fn = std::move(fn);
        timers_.emplace(now_ + delay, s);
        return std::make_unique<Handle>(s);
    }
    void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }
    void run_posted() {
        while (!posted_.empty()) {
            auto fn = std::move(posted_.front());
            posted_.pop_front();
            fn();
        }
    }
    void advance(std::chrono::milliseconds by) {
        const auto target = now_ + by;
        run_posted();
        while (!timers_.empty() && timers_.begin()->first <= target) {
            auto [when, slot] = *timers_.begin();
            timers_.erase(timers_.begin());
            now_ = std::max(now_, when);
            auto fn = std::move(slot->fn);
            slot->fn = nullptr;
            if (fn) fn();
            run_posted();
        }
        now_ = target;
    }

private:
    struct Slot {
        std::function<void()> fn;
    };
    struct Handle final : net::Timer {
        explicit Handle(std::shared_ptr<Slot> s) : s_(std::move(s)) {}
        ~Handle() override { cancel(); }
        void cancel() override { s_->fn = nullptr; }
        std::shared_ptr<Slot> s_;
    };
    Clock::time_point now_{std::chrono::milliseconds(kStartMs)};
    std::multimap<Clock::time_point, std::shared_ptr<Slot>> timers_;
    std::deque<std::function<void()>> posted_;
};

// Callbacks succeed (the receiver is not what is being fuzzed), answered later as a real
// client would, never from inside send().
class AcceptingSender final : public net::HttpSender {
public:
    explicit AcceptingSender(net::Scheduler& s) : sched_(s) {}
    void send(std::string, std::string, net::HeaderList, std::string, std::chrono::milliseconds,
              std::function<void(net::ClientResult)> done) override {
        sched_.post([done = std::move(done)] {
            net::ClientResult r;
            r.status = 200;
            done(std::move(r));
        });
    }

private:
    net::Scheduler& sched_;
};

const auth::KeyRing& keys() {
    static const auth::KeyRing k(auth::SigningKey::generate());  // RSA keygen: once per process
    return k;
}

void require(bool ok, const char* what) {
    if (ok) return;
    std::cerr << "fuzz world: set-up failed: " << what << "\n";
    std::abort();
}

}  // namespace

struct World::Impl {
    app::PlatformConfig config;
    ManualScheduler sched;
    AcceptingSender http{sched};
    auth::TokenService tokens{keys(), "https://platform.example"};
    platform::CallbackDispatcher callbacks{sched, http, [](const platform::TrustedApp& a) { return "Bearer cb-" + a.config.id; },
                                           "https://platform.example"};
    std::unique_ptr<platform::Platform> engine;
    std::unique_ptr<platform::api::PlatformApi> api;
    std::map<std::string, std::string> vars;  // placeholder -> value
};

World::World() : impl_(std::make_unique<Impl>()) {
    Impl& w = *impl_;
    auto& c = w.config;
    c.public_url = "https://platform.example";
    c.allow_http_loopback_origins = true;
    c.allow_http_callbacks = true;
    c.applications.push_back({"1627259584", "Contoso helpdesk", "helpdesk", "helpdesk-secret", {kHelpdesk},
                              "https://sa.example/cb"});
    c.agents.push_back({kAlice, "Alice", "alice@contoso.com", "pw", "", {"general"}});
    c.agents.push_back({"sip:bob@contoso.com", "Bob", "bob@contoso.com", "pw", "", {"general"}});
    w.engine = std::make_unique<platform::Platform>(c, w.sched, w.callbacks);
    w.callbacks.on_delivered([&w](const std::string& q, std::uint64_t last, const std::string& ctx) {
        w.engine->on_callback_delivered(q, last, ctx);
    });
    w.api = std::make_unique<platform::api::PlatformApi>(*w.engine, w.tokens, w.sched);
    auto& p = *w.engine;
    const std::int64_t now = kStartMs / 1000;

    auth::AnonGrant grant{"1627259584", kHelpdesk, "session-1", {"https://contoso.com"}, "", 0};
    const std::string anon = w.tokens.issue_anon_token(grant, now, 3600);
    platform::UcwaApp& visitor = p.create_visitor_app(grant, "Janardhan");
    auto chat = p.start_messaging(visitor, kHelpdesk, "help", "order 42", "op-visitor");
    require(chat.ok(), "start_messaging");
    platform::TrustedApp& app = *p.trusted_app("1627259584");
    auto meeting = p.start_adhoc_meeting(app, kHelpdesk, "helpcustomermeeting", "", "op-meeting");
    require(meeting.ok(), "start_adhoc_meeting");
    require(p.add_app_messaging(**meeting, "op-msg").ok(), "add_app_messaging");
    require(p.accept_and_bridge(**chat, **meeting, "contoso helpdesk").ok(), "accept_and_bridge");
    bool created = false;
    platform::UcwaApp& agent = p.create_agent_app(*p.agent_by_uri(kAlice), "console-1", created);
    p.set_available(agent, true);
    auto inv = p.add_participant(**meeting, kAlice, "op-add");
    require(inv.ok(), "add_participant");
    require(p.accept_invitation(agent, **inv).ok(), "accept_invitation");
    require(p.agent_add_messaging(agent, **meeting).ok(), "agent_add_messaging");
    w.sched.run_posted();

    w.vars = {
        {"$A", w.tokens.issue_app_token("1627259584", now, 3600)},
        {"$V", "psat=" + anon},
        {"$G", w.tokens.issue_user_token(kAlice, now, 3600)},
        {"$v", visitor.id},
        {"$g", agent.id},
        {"$c", (*chat)->id},
        {"$m", (*meeting)->id},
        {"$i", (*chat)->invitation_id},
        {"$n", (*meeting)->meeting_invitation_id},
        {"$p", (*inv)->id},
        {"$u", (*meeting)->online_meeting_uri},
    };
}

World::~World() = default;

std::string World::expand(std::string_view text) const {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '$' && i + 1 < text.size()) {
            auto it = impl_->vars.find(std::string(text.substr(i, 2)));
            if (it != impl_->vars.end()) {
                out += it->second;
                ++i;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

int World::handle(net::Request&& req) {
    auto status = std::make_shared<int>(0);
    impl_->api->handle(std::move(req), [status](net::Response r) { *status = r.status; });
    impl_->sched.run_posted();
    // No answer and no copy of the Responder kept: the server would have to answer 500.
    if (*status == 0 && status.use_count() == 1) return 500;
    return *status;
}

void World::advance_seconds(int s) { impl_->sched.advance(std::chrono::seconds(s)); }

}  // namespace carebridge::fuzz
