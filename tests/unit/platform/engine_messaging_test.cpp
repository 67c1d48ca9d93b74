// The engine's messaging (steps 12-13, 16-19): messages from each side, messageFilterState
// and typing, as every stream sees them.
#include <algorithm>

#include "engine_fixture.hpp"

namespace carebridge::platform::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Marks every stream of a flow, then reads what each received since.
struct Marks {
    std::vector<std::pair<const EventStream*, std::uint64_t>> m;
    explicit Marks(std::initializer_list<const EventStream*> streams) {
        for (auto* s : streams) m.emplace_back(s, s->next_position());
    }
    Events of(const EventStream& s) const {
        for (const auto& [p, mark] : m)
            if (p == &s) return since(s, mark);
        ADD_FAILURE() << "stream not marked";
        return {};
    }
};

bool sees_participant(const Events& evs, const std::string& uri) {
    for (const auto& e : evs)
        if (e.rel() == "participant" && e.type() == "added" && e.o.contains("_embedded") &&
            e.field("uri") == uri)
            return true;
    return false;
}

TEST_F(EngineTest, ApplicationMessageReachesVisitorAndAgents) {
    auto f = bridged();
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    Marks mk{&sa(), &f.visitor->events, &alice.events};
    auto r = platform.send_message(app_actor(), *f.meeting, text("Welcome customer", "welcomeop"));
    ASSERT_TRUE(r.ok());

    const auto se = mk.of(sa());
    ASSERT_EQ(kinds(se), (std::vector<std::string>{"ms:rtc:saas:message/started",
                                                   "ms:rtc:saas:message/completed"}));
    EXPECT_EQ(se[0].sender_rel, "ms:rtc:saas:conversation");
    EXPECT_EQ(se[0].field("direction"), "Outgoing");
    EXPECT_EQ(se[0].field("operationId"), "welcomeop");
    EXPECT_EQ(se[1].status(), "Success");
    EXPECT_EQ(se[1].field("operationId"), "welcomeop");

    const auto ve = mk.of(f.visitor->events);
    ASSERT_EQ(kinds(ve), (std::vector<std::string>{"message/completed"}));
    EXPECT_EQ(ve[0].sender_rel, "conversation");
    EXPECT_EQ(ve[0].status(), "Success");
    EXPECT_EQ(ve[0].field("direction"), "Incoming");
    EXPECT_EQ(ve[0].link("plainMessage"), "data:text/plain;charset=utf-8,Welcome%20customer");
    EXPECT_EQ(ve[0].link_title("participant"), "contoso helpdesk");

    const auto ae = mk.of(alice.events);
    ASSERT_EQ(kinds(ae), (std::vector<std::string>{"message/completed"}));
    EXPECT_EQ(ae[0].field("direction"), "Incoming");
    EXPECT_EQ(ae[0].link_title("participant"), kAppName);
    EXPECT_EQ(f.meeting->transcript.size(), 1u);
}

TEST_F(EngineTest, VisitorMessageReachesApplicationAndAgents) {
    auto f = bridged();
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    Marks mk{&sa(), &f.visitor->events, &alice.events};
    ASSERT_TRUE(platform.send_message(actor(*f.visitor), *f.chat,
                                      {"text/html", "<b>Hi</b>", "op-v"}).ok());
    // The sender's own message: one "completed", medium urgency (held to ride with the next).
    const auto ve = mk.of(f.visitor->events);
    ASSERT_EQ(kinds(ve), (std::vector<std::string>{"message/completed"}));
    EXPECT_EQ(ve[0].field("direction"), "Outgoing");
    EXPECT_EQ(ve[0].field("operationId"), "op-v");
    EXPECT_EQ(f.visitor->events.at(f.visitor->events.next_position() - 1)->urgency, Urgency::medium);

    const auto se = mk.of(sa());
    ASSERT_EQ(kinds(se), (std::vector<std::string>{"ms:rtc:saas:message/completed"}));
    EXPECT_EQ(se[0].field("direction"), "Incoming");
    EXPECT_EQ(se[0].link_title("ms:rtc:saas:participant"), "Janardhan");
    EXPECT_EQ(se[0].link("htmlMessage"), "data:text/html;charset=utf-8,%3Cb%3EHi%3C%2Fb%3E");

    const auto ae = mk.of(alice.events);
    ASSERT_EQ(kinds(ae), (std::vector<std::string>{"message/completed"}));
    EXPECT_EQ(alice.events.at(alice.events.next_position() - 1)->urgency, Urgency::high);
    EXPECT_EQ(ae[0].link_title("participant"), "Janardhan");
    EXPECT_FALSE(ae[0].link("htmlMessage").empty());
}

TEST_F(EngineTest, AgentMessageReachesEveryoneElse) {
    auto f = bridged();
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    UcwaApp& bob = agent_in(*f.meeting, kBob);
    Marks mk{&sa(), &f.visitor->events, &alice.events, &bob.events};
    ASSERT_TRUE(platform.send_message(actor(alice), *f.meeting, text("I can help")).ok());
    EXPECT_EQ(kinds(mk.of(alice.events)), (std::vector<std::string>{"message/completed"}));
    EXPECT_EQ(alice.events.at(alice.events.next_position() - 1)->urgency, Urgency::medium);
    const auto be = mk.of(bob.events);
    ASSERT_EQ(kinds(be), (std::vector<std::string>{"message/completed"}));
    EXPECT_EQ(bob.events.at(bob.events.next_position() - 1)->urgency, Urgency::high);
    EXPECT_EQ(be[0].link_title("participant"), "Alice");
    const auto ve = mk.of(f.visitor->events);
    ASSERT_EQ(kinds(ve), (std::vector<std::string>{"message/completed"}));
    EXPECT_EQ(ve[0].link_title("participant"), "Alice");
    EXPECT_EQ(ve[0].link("plainMessage"), "data:text/plain;charset=utf-8,I%20can%20help");
    const auto se = mk.of(sa());
    ASSERT_EQ(kinds(se), (std::vector<std::string>{"ms:rtc:saas:message/completed"}));
    EXPECT_EQ(se[0].link_title("ms:rtc:saas:participant"), "Alice");
}

TEST_F(EngineTest, NobodyTalksBeforeJoiningMessaging) {
    UcwaApp& v = visitor();
    Conversation& chat = chat_of(v);
    Conversation& m = meeting();
    auto early = platform.send_message(actor(v), chat, text("hello?"));
    ASSERT_FALSE(early.ok());
    EXPECT_EQ(early.error().http_status, 409);
    auto app_early = platform.send_message(app_actor(), m, text("x"));
    ASSERT_FALSE(app_early.ok());
    EXPECT_EQ(app_early.error().http_status, 409);
    EXPECT_FALSE(platform.set_typing(actor(v), chat).ok());
    UcwaApp& alice = agent_in(m, kAlice, /*messaging=*/false);
    auto agent_early = platform.send_message(actor(alice), m, text("x"));
    ASSERT_FALSE(agent_early.ok());
    EXPECT_EQ(agent_early.error().http_status, 409);
    EXPECT_TRUE(m.transcript.empty());
}

TEST_F(EngineTest, MessageFilterEnabledSeparatesVisitorAndThatAgentOnly) {
    auto f = bridged();
    ASSERT_TRUE(platform.add_bridged_participant(*f.meeting, "john", kAlice, true).ok());
    ASSERT_TRUE(platform.add_bridged_participant(*f.meeting, "Robert", kBob, false).ok());
    Marks joined{&f.visitor->events};
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    UcwaApp& bob = agent_in(*f.meeting, kBob);
    EXPECT_FALSE(sees_participant(joined.of(f.visitor->events), kAlice));
    EXPECT_TRUE(sees_participant(joined.of(f.visitor->events), kBob));
    const auto shown = platform.participants(*f.chat, Side::visitor);
    EXPECT_EQ(std::count_if(shown.begin(), shown.end(), [](auto& p) { return p.first == kAlice; }), 0);
    EXPECT_EQ(std::count(shown.begin(), shown.end(), std::pair<std::string, std::string>(kBob, "Robert")), 1);

    {  // visitor -> everyone but alice
        Marks mk{&sa(), &alice.events, &bob.events};
        ASSERT_TRUE(platform.send_message(actor(*f.visitor), *f.chat, text("secret")).ok());
        EXPECT_TRUE(mk.of(alice.events).empty());
        EXPECT_EQ(count(mk.of(bob.events), "message", "completed"), 1u);
        EXPECT_EQ(count(mk.of(sa()), "ms:rtc:saas:message", "completed"), 1u);
    }
    {  // alice -> everyone but the visitor
        Marks mk{&sa(), &f.visitor->events, &bob.events};
        ASSERT_TRUE(platform.send_message(actor(alice), *f.meeting, text("internal note")).ok());
        EXPECT_TRUE(mk.of(f.visitor->events).empty());
        EXPECT_EQ(count(mk.of(bob.events), "message", "completed"), 1u);
        EXPECT_EQ(count(mk.of(sa()), "ms:rtc:saas:message", "completed"), 1u);
    }
    {  // bob (unfiltered) reaches the visitor under his bridged name; the app reaches alice
        Marks mk{&f.visitor->events, &alice.events};
        ASSERT_TRUE(platform.send_message(actor(bob), *f.meeting, text("hello")).ok());
        const auto ve = mk.of(f.visitor->events);
        ASSERT_EQ(kinds(ve), (std::vector<std::string>{"message/completed"}));
        EXPECT_EQ(ve[0].link_title("participant"), "Robert");
        EXPECT_EQ(count(mk.of(alice.events), "message", "completed"), 1u);
    }
    {  // typing follows the same rule
        Marks mk{&f.visitor->events, &alice.events, &bob.events};
        ASSERT_TRUE(platform.set_typing(actor(*f.visitor), *f.chat).ok());
        ASSERT_TRUE(platform.set_typing(actor(alice), *f.meeting).ok());
        EXPECT_TRUE(mk.of(f.visitor->events).empty()) << "the visitor saw a filtered agent type";
        const auto ae = mk.of(alice.events);
        EXPECT_TRUE(ae.empty()) << "a filtered agent saw the visitor type";
        EXPECT_EQ(count(mk.of(bob.events), "participant", "added"), 2u);
    }
}

TEST_F(EngineTest, TypingIsAddedThenDeletedAfterTheTimeout) {
    auto f = bridged();
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    UcwaApp& bob = agent_in(*f.meeting, kBob);
    Marks mk{&f.visitor->events, &alice.events, &bob.events};
    ASSERT_TRUE(platform.set_typing(actor(*f.visitor), *f.chat).ok());
    EXPECT_TRUE(mk.of(f.visitor->events).empty()) << "the typer is told about itself";
    for (UcwaApp* a : {&alice, &bob}) {
        const auto e = mk.of(a->events);
        ASSERT_EQ(kinds(e), (std::vector<std::string>{"participant/added"})) << a->display_name;
        EXPECT_EQ(e[0].in_rel(), "typingParticipants");
        EXPECT_EQ(e[0].title(), "Janardhan");
        EXPECT_EQ(e[0].sender_rel, "conversation");
    }
    // Typing again within the timeout extends it without a new event.
    sched.advance(seconds(3));
    ASSERT_TRUE(platform.set_typing(actor(*f.visitor), *f.chat).ok());
    EXPECT_EQ(mk.of(alice.events).size(), 1u);
    sched.advance(seconds(config.typing_timeout) - milliseconds(1));
    EXPECT_EQ(mk.of(alice.events).size(), 1u) << "typing ended before its renewed timeout";
    sched.advance(milliseconds(1));
    for (UcwaApp* a : {&alice, &bob}) {
        const auto e = mk.of(a->events);
        ASSERT_EQ(kinds(e), (std::vector<std::string>{"participant/added", "participant/deleted"}));
        EXPECT_EQ(e[1].in_rel(), "typingParticipants");
    }
    EXPECT_TRUE(f.meeting->typing.empty());

    // An agent's typing reaches the visitor (and the other agent), not the typer.
    Marks mk2{&f.visitor->events, &alice.events, &bob.events};
    ASSERT_TRUE(platform.set_typing(actor(alice), *f.meeting).ok());
    const auto ve = mk2.of(f.visitor->events);
    ASSERT_EQ(kinds(ve), (std::vector<std::string>{"participant/added"}));
    EXPECT_EQ(ve[0].in_rel(), "typingParticipants");
    EXPECT_EQ(ve[0].title(), "Alice");
    EXPECT_EQ(kinds(mk2.of(bob.events)), (std::vector<std::string>{"participant/added"}));
    EXPECT_TRUE(mk2.of(alice.events).empty());
}

TEST_F(EngineTest, AMessageClearsTheSendersTyping) {
    auto f = bridged();
    UcwaApp& alice = agent_in(*f.meeting, kAlice);
    ASSERT_TRUE(platform.set_typing(actor(*f.visitor), *f.chat).ok());
    Marks mk{&alice.events};
    ASSERT_TRUE(platform.send_message(actor(*f.visitor), *f.chat, text("done typing")).ok());
    const auto ae = mk.of(alice.events);
    ASSERT_EQ(kinds(ae), (std::vector<std::string>{"participant/deleted", "message/completed"}));
    EXPECT_EQ(ae[0].in_rel(), "typingParticipants");
    EXPECT_TRUE(f.meeting->typing.empty());
    sched.advance(seconds(config.typing_timeout * 2));
    EXPECT_EQ(mk.of(alice.events).size(), 2u) << "a cleared typing was deleted again by its timer";
    EXPECT_EQ(sched.live_timers(), 0u);
}

}  // namespace
}  // namespace carebridge::platform::test
