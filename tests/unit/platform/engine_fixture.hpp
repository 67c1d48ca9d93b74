#pragma once
// A Platform over fakes, one trusted application and two agents, plus helpers that read the
// events a stream received since a mark and step the call flow forward.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "fakes.hpp"
#include "platform/engine/platform.hpp"

namespace carebridge::platform::test {

namespace json = boost::json;
using carebridge::test::FakeScheduler;
using carebridge::test::RecordingSender;

inline constexpr const char* kHelpdesk = "sip:helpdesk@contoso.com";
inline constexpr const char* kAppName = "Contoso helpdesk";
inline constexpr const char* kAlice = "sip:alice@contoso.com";
inline constexpr const char* kBob = "sip:bob@contoso.com";

// One stored event, parsed.
struct Event {
    std::uint64_t position = 0;
    std::string sender_rel, sender_href;
    json::object o;
    std::string rel() const { return std::string(o.at("link").at("rel").as_string()); }
    std::string type() const { return std::string(o.at("type").as_string()); }
    std::string status() const {
        auto* s = o.if_contains("status");
        return s ? std::string(s->as_string()) : std::string();
    }
    std::string title() const {
        auto* t = o.at("link").as_object().if_contains("title");
        return t ? std::string(t->as_string()) : std::string();
    }
    std::string in_rel() const {
        auto* i = o.if_contains("in");
        return i ? std::string(i->at("rel").as_string()) : std::string();
    }
    // The embedded resource (the one object under _embedded).
    const json::object& res() const {
        const auto& e = o.at("_embedded").as_object();
        EXPECT_EQ(e.size(), 1u);
        return e.begin()->value().as_object();
    }
    std::string field(const char* name) const {
        auto* f = res().if_contains(name);
        return f && f->is_string() ? std::string(f->as_string()) : std::string();
    }
    bool has_link(const char* rel) const { return res().at("_links").as_object().contains(rel); }
    std::string link(const char* rel) const {
        auto* l = res().at("_links").as_object().if_contains(rel);
        return l ? std::string(l->at("href").as_string()) : std::string();
    }
    std::string link_title(const char* rel) const {
        auto* l = res().at("_links").as_object().if_contains(rel);
        auto* t = l ? l->as_object().if_contains("title") : nullptr;
        return t ? std::string(t->as_string()) : std::string();
    }
};

using Events = std::vector<Event>;

inline Events since(const EventStream& s, std::uint64_t mark) {
    Events out;
    for (const auto* e : s.read(mark, 100000)) {
        json::value v = json::parse(e->json);
        out.push_back({e->position, e->sender_rel, e->sender_href, v.as_object()});
    }
    return out;
}

// "rel/type" of each event, for whole-sequence assertions.
inline std::vector<std::string> kinds(const Events& evs) {
    std::vector<std::string> out;
    for (const auto& e : evs) out.push_back(e.rel() + "/" + e.type());
    return out;
}

inline const Event* find(const Events& evs, const std::string& rel, const std::string& type) {
    for (const auto& e : evs)
        if (e.rel() == rel && e.type() == type) return &e;
    return nullptr;
}

// The result points into evs: keep the events alive.
const Event* find(const Events&& evs, const std::string& rel, const std::string& type) = delete;

inline std::size_t count(const Events& evs, const std::string& rel, const std::string& type) {
    std::size_t n = 0;
    for (const auto& e : evs) n += e.rel() == rel && e.type() == type;
    return n;
}

inline app::PlatformConfig make_config() {
    app::PlatformConfig c;
    c.public_url = "https://platform.example";
    c.typing_timeout = 5;
    c.invitation_timeout = 60;
    c.applications.push_back({"app1", kAppName, "client1", "secret1", {kHelpdesk},
                              "https://sa.example/cb"});
    c.agents.push_back({kAlice, "Alice", "alice@contoso.com", "pw", "", {"general"}});
    c.agents.push_back({kBob, "Bob", "bob@contoso.com", "pw", "", {"general"}});
    return c;
}

class EngineTest : public ::testing::Test {
protected:
    EngineTest() {
        // As the platform runtime wires them.
        callbacks.on_delivered([this](const std::string& queue, std::uint64_t last, const std::string& ctx) {
            platform.on_callback_delivered(queue, last, ctx);
        });
    }
    TrustedApp& app() { return *platform.trusted_app("app1"); }
    EventStream& sa() { return app().events; }

    auth::AnonGrant grant(std::string jti = "jti-1") {
        return {"app1", kHelpdesk, "session-1", {"https://contoso.com"}, std::move(jti), 0};
    }
    UcwaApp& visitor(std::string jti = "jti-1", std::string name = "Janardhan") {
        return platform.create_visitor_app(grant(std::move(jti)), name);
    }
    Conversation& chat_of(UcwaApp& v) {
        auto r = platform.start_messaging(v, kHelpdesk, "help", "order 42", "op-visitor");
        EXPECT_TRUE(r.ok());
        return **r;
    }
    Conversation& meeting(const std::string& callback_url = "") {
        auto r = platform.start_adhoc_meeting(app(), kHelpdesk, "helpcustomermeeting", callback_url,
                                              "op-meeting");
        EXPECT_TRUE(r.ok());
        return **r;
    }
    // An agent signed in, available, invited into the meeting, joined and (optionally)
    // connected to its messaging.
    UcwaApp& agent_in(Conversation& m, const char* uri, bool messaging = true) {
        bool created = false;
        UcwaApp& a = platform.create_agent_app(*platform.agent_by_uri(uri), "ep-" + std::string(uri),
                                               created);
        platform.set_available(a, true);
        auto inv = platform.add_participant(m, uri, "op-add");
        EXPECT_TRUE(inv.ok());
        EXPECT_TRUE(platform.accept_invitation(a, **inv).ok());
        if (messaging) {
            EXPECT_TRUE(platform.agent_add_messaging(a, m).ok());
        }
        return a;
    }
    // Steps 5-9: a visitor chatting into a meeting the application joined.
    struct Flow {
        UcwaApp* visitor;
        Conversation* chat;
        Conversation* meeting;
    };
    Flow bridged() {
        UcwaApp& v = visitor();
        Conversation& c = chat_of(v);
        Conversation& m = meeting();
        EXPECT_TRUE(platform.add_app_messaging(m, "op-msg").ok());
        EXPECT_TRUE(platform.accept_and_bridge(c, m, "contoso helpdesk").ok());
        return {&v, &c, &m};
    }

    Actor app_actor() { return {Actor::Kind::application, kHelpdesk, kAppName, nullptr}; }
    Actor actor(UcwaApp& a) {
        return {a.kind == UcwaKind::visitor ? Actor::Kind::visitor : Actor::Kind::agent, a.uri,
                a.display_name, &a};
    }
    static MessageInput text(std::string t, std::string op = "") {
        return {"text/plain", std::move(t), std::move(op)};
    }

    app::PlatformConfig config = make_config();
    FakeScheduler sched;
    RecordingSender http;
    CallbackDispatcher callbacks{sched, http,
                                 [](const TrustedApp& a) { return "Bearer cb-" + a.config.id; },
                                 "https://platform.example"};
    Platform platform{config, sched, callbacks};
};

}  // namespace carebridge::platform::test
