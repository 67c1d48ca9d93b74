// Envelope parsing against recorded bodies of the original service, and duplicate dropping.
#include "sdk/events.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"
#include "sdk/duplicate_filter.hpp"

namespace carebridge::sdk {
namespace {

using sdk_test::fixture;

TEST(Envelope, IncomingInvitationIsTypedWithItsLinksAndCustomContent) {
    auto batch = parse_envelope(fixture("Event_IncomingIMCall.json"));
    ASSERT_TRUE(batch) << batch.error().describe();
    EXPECT_EQ(batch->first, 1u);  // from the self link's ack=1
    EXPECT_EQ(batch->baseuri, "https://webpoolbl20r04.infra.lync.com");
    ASSERT_EQ(batch->events.size(), 1u);
    const Event& e = batch->events[0];
    EXPECT_EQ(e.position, 1u);
    EXPECT_EQ(e.sender_rel, "ms:rtc:saas:communication");
    EXPECT_EQ(e.subject, Subject::messaging_invitation);
    EXPECT_EQ(e.type, EventType::started);
    ASSERT_TRUE(e.resource);
    EXPECT_EQ(e.resource->str("direction"), "Incoming");
    EXPECT_EQ(e.operation_id(), "07da2943-dd03-4132-b804-da72dc3ab783");
    // Relations may be named without the ms:rtc:saas: prefix.
    EXPECT_TRUE(e.resource->link("startAdhocMeeting")->find("/startAdhocMeeting?") != std::string::npos);
    EXPECT_TRUE(e.resource->link("ms:rtc:saas:acceptAndBridge"));
    EXPECT_EQ(data_uri_text(*e.resource->link("customContent")), "ThisIsARandomCustomContent");
    EXPECT_EQ(e.resource->embedded("from")->str("name"), "Kumar,Sandeep");
}

TEST(Envelope, SeveralEventsOfOneSenderGetConsecutivePositions) {
    auto batch = parse_envelope(fixture("Event_Participant_MultipleEvents.json"));
    ASSERT_TRUE(batch);
    ASSERT_EQ(batch->events.size(), 3u);
    EXPECT_EQ(batch->events[0].type, EventType::added);
    EXPECT_EQ(batch->events[1].type, EventType::updated);
    EXPECT_EQ(batch->events[2].type, EventType::deleted);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(batch->events[i].subject, Subject::participant);
        EXPECT_EQ(batch->events[i].position, 3 + i);
    }
    EXPECT_NE(batch->events[0].digest, batch->events[2].digest);
}

TEST(Envelope, PositionsFromTheHeaderWin) {
    auto batch = parse_envelope(fixture("Event_ConversationDeleted.json"), 40);
    ASSERT_TRUE(batch);
    ASSERT_EQ(batch->events.size(), 1u);
    EXPECT_EQ(batch->events[0].position, 40u);
    EXPECT_EQ(batch->events[0].subject, Subject::conversation);
    EXPECT_EQ(batch->events[0].type, EventType::deleted);
    EXPECT_FALSE(batch->events[0].resource);
}

TEST(Envelope, CompletedFailureCarriesTheReason) {
    const std::string body = R"({"_links":{"self":{"href":"/e?ack=7"},"next":{"href":"/e?ack=8"}},
      "sender":[{"rel":"ms:rtc:saas:communication","href":"/c","events":[
        {"link":{"rel":"ms:rtc:saas:participantInvitation","href":"/pi/1"},"status":"Failure",
         "reason":{"code":"RemoteFailure","subcode":"TemporarilyUnavailable","message":"away"},
         "_embedded":{"ms:rtc:saas:participantInvitation":{"operationId":"abc.3","to":"sip:a@b.c"}},
         "type":"completed"}]}]})";
    auto batch = parse_envelope(body);
    ASSERT_TRUE(batch);
    const Event& e = batch->events.at(0);
    EXPECT_EQ(e.position, 7u);
    EXPECT_TRUE(e.failed());
    ASSERT_TRUE(e.reason);
    EXPECT_EQ(e.reason->code, "RemoteFailure");
    EXPECT_EQ(e.reason->subcode, "TemporarilyUnavailable");
    EXPECT_EQ(e.operation_id(), "abc.3");
}

TEST(Envelope, EmptyBatchAndOtherRelations) {
    auto empty = parse_envelope(fixture("Event_Empty.json"));
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->events.empty());
    auto message = parse_envelope(fixture("Event_MessageIncoming.json"));
    ASSERT_TRUE(message);
    EXPECT_EQ(message->events.at(0).subject, Subject::message);
    EXPECT_EQ(message->events.at(0).status, "Success");
    EXPECT_EQ(subject_of("bridgedParticipant"), Subject::bridged_participant);
    EXPECT_EQ(subject_of("ms:rtc:saas:somethingNew"), Subject::other);
    EXPECT_EQ(event_type_of("exploded"), EventType::other);
}

TEST(Envelope, MalformedBodiesAreProtocolErrors) {
    for (const char* bad : {"", "[]", "{\"sender\": 3}", "{\"sender\": [{\"events\": 1}]}",
                            "{\"sender\": [{\"rel\": \"x\", \"events\": [{\"type\": \"added\"}]}]}", "{\"sender\": [7]}"}) {
        auto r = parse_envelope(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().kind, ErrorKind::protocol);
    }
}

TEST(Envelope, PositionsHeader) {
    EXPECT_EQ(parse_positions("4-6"), (std::pair<std::uint64_t, std::uint64_t>{4, 6}));
    EXPECT_EQ(parse_positions("9-9"), (std::pair<std::uint64_t, std::uint64_t>{9, 9}));
    for (const char* bad : {"", "4", "6-4", "0-1", "a-b", "1-2x", "-1-2"}) EXPECT_FALSE(parse_positions(bad)) << bad;
    EXPECT_EQ(parse_position_list("4-6"), (std::vector<std::uint64_t>{4, 5, 6}));
    EXPECT_EQ(parse_position_list("2-2,5-6,9-9"), (std::vector<std::uint64_t>{2, 5, 6, 9}));
    for (const char* bad : {"", ",", "1-2,", ",1-2", "1-2,,3-3", "3-4,4-5", "5-5,1-1", "1-2;3-3"})
        EXPECT_FALSE(parse_position_list(bad)) << bad;
    EXPECT_FALSE(parse_position_list("1-4096,5000-5000")) << "more than the bound";
    EXPECT_TRUE(parse_position_list("1-4096"));
    EXPECT_FALSE(parse_position_list("1-18446744073709551615")) << "a range that would not fit";
    EXPECT_EQ(ack_of("/x/events?key=1&ack=12"), 12u);
    EXPECT_EQ(ack_of("/x/events?ack=1x"), 0u);
    EXPECT_EQ(ack_of("/eventsservice"), 0u);
}

TEST(DuplicateFilter, DropsARedeliveredEventButNotANewStreamReusingItsPosition) {
    DuplicateFilter seen;
    EXPECT_TRUE(seen.fresh(5, "a"));
    EXPECT_TRUE(seen.fresh(3, "b"));  // another conversation's earlier event, arriving later
    EXPECT_FALSE(seen.fresh(5, "a"));
    EXPECT_FALSE(seen.fresh(3, "b"));
    EXPECT_TRUE(seen.fresh(5, "c"));  // the platform restarted without its store
    EXPECT_FALSE(seen.fresh(5, "c"));
    EXPECT_TRUE(seen.fresh(0, "x"));  // unknown positions are never dropped
    EXPECT_TRUE(seen.fresh(0, "x"));
}

TEST(DuplicateFilter, IsBounded) {
    DuplicateFilter seen(3);
    for (std::uint64_t p = 1; p <= 10; ++p) EXPECT_TRUE(seen.fresh(p, "d"));
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_FALSE(seen.fresh(10, "d"));
}

TEST(Resource, LinksEmbeddedAndDataUris) {
    auto r = Resource::parse(fixture("AnonApplicationToken.json"));
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_TRUE(r->link("discover"));
    EXPECT_FALSE(r->link("nothing"));
    auto missing = r->require_link("nothing");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("nothing"), std::string::npos);
    EXPECT_EQ(data_uri_text("data:text/plain;charset=utf-8,Hello%20there"), "Hello there");
    EXPECT_EQ(data_uri_text("http://x"), "");
    EXPECT_FALSE(Resource::parse("not json"));
    EXPECT_FALSE(Resource::parse("[1]"));
}

}  // namespace
}  // namespace carebridge::sdk
