#include "sdk/service_application.hpp"

#include "sdk/url.hpp"

namespace carebridge::sdk {

namespace json = boost::json;

namespace {
// The link or an immediate error: every operation starts by finding its relation.
bool follow(const Resource& on, std::string_view rel, std::string& href, const auto& done) {
    auto link = on.require_link(rel);
    if (!link) {
        done(link.error());
        return false;
    }
    href = std::move(*link);
    return true;
}
}  // namespace

void ServiceApplication::anon_application_token(const std::string& session_id, const std::string& allowed_origins,
                                                Callback<AnonToken> done) {
    std::string href;
    if (!follow(client_.application(), "anonApplicationTokens", href, done)) return;
    json::object body{{"applicationSessionId", session_id}, {"allowedOrigins", allowed_origins}};
    // Safe to repeat: a second token for the same session harms nothing.
    client_.call("POST", href, std::move(body), Retry::safe, [done = std::move(done)](Result<Resource> r) {
        if (!r) return done(r.error());
        AnonToken t{r->str("token"), r->str("expiryTime"), r->link("discover").value_or("")};
        if (t.token.empty() || t.discover_url.empty())
            return done(protocol_error("the anonApplicationToken has no token or discover link"));
        done(std::move(t));
    });
}

namespace {
// The platform answers a repeated operationId with what the first request did (no second
// meeting, invitation or message), so such a POST is as safe to repeat as a GET.
Retry by_operation(const std::string& operation_id) { return operation_id.empty() ? Retry::unsafe : Retry::safe; }
}  // namespace

void ServiceApplication::start_adhoc_meeting(const Resource& invitation, const std::string& subject,
                                             const std::string& callback_url, const std::string& operation_id,
                                             Callback<MeetingStarted> done) {
    std::string href;
    if (!follow(invitation, "startAdhocMeeting", href, done)) return;
    json::object body{{"subject", subject}, {"operationId", operation_id}};
    if (!callback_url.empty()) body["callbackUrl"] = callback_url;
    client_.call("POST", href, std::move(body), by_operation(operation_id), [done = std::move(done)](Result<Resource> r) {
        if (!r) return done(r.error());
        MeetingStarted m{r->str("onlineMeetingUri"), r->link("conversation").value_or(""), *r};
        if (m.online_meeting_uri.empty() || m.conversation_href.empty())
            return done(protocol_error("the onlineMeetingInvitation has no onlineMeetingUri or conversation"));
        done(std::move(m));
    });
}

void ServiceApplication::add_messaging(const Resource& messaging, const std::string& operation_id,
                                       Callback<Resource> done) {
    std::string href;
    if (!follow(messaging, "addMessaging", href, done)) return;
    client_.call("POST", href, json::object{{"operationId", operation_id}}, by_operation(operation_id), std::move(done));
}

void ServiceApplication::accept_and_bridge(const Resource& invitation, const std::string& online_meeting_uri,
                                           const std::string& display_name, Callback<Resource> done) {
    std::string href;
    if (!follow(invitation, "acceptAndBridge", href, done)) return;
    json::object body{{"onlineMeetingUri", online_meeting_uri}};
    if (!display_name.empty()) body["impersonatedDisplayName"] = display_name;
    client_.call("POST", href, std::move(body), Retry::unsafe, std::move(done));
}

void ServiceApplication::decline(const Resource& invitation, Callback<Done> done) {
    std::string href;
    if (!follow(invitation, "decline", href, done)) return;
    client_.call("POST", href, std::nullopt, Retry::unsafe, [done = std::move(done)](Result<Resource> r) {
        if (!r) return done(r.error());
        done(Done{});
    });
}

void ServiceApplication::add_bridged_participant(const Resource& bridge, const BridgedParticipantRequest& who,
                                                 Callback<Resource> done) {
    std::string href;
    if (!follow(bridge, "bridgedParticipants", href, done)) return;
    json::object body{{"displayName", who.display_name},
                      {"participantUri", who.participant_uri},
                      {"messageFilterState", who.message_filter ? "Enabled" : "Disabled"}};
    client_.call("POST", href, std::move(body), Retry::unsafe, std::move(done));
}

void ServiceApplication::send_message(const Resource& messaging, const std::string& text,
                                      const std::string& operation_id, Callback<std::string> done) {
    std::string href;
    if (!follow(messaging, "sendMessage", href, done)) return;
    // sendMessage takes its operationId as a query parameter (the body is the message).
    if (!operation_id.empty()) href = with_query(href, "operationId", operation_id);
    client_.send("POST", href, text, "text/plain; charset=utf-8", by_operation(operation_id),
                 [done = std::move(done)](Result<HttpReply> r) {
                     if (!r) return done(r.error());
                     done(r->header("Location").value_or(""));
                 });
}

void ServiceApplication::add_participant(const Resource& meeting, const std::string& to,
                                         const std::string& operation_id, Callback<Resource> done) {
    std::string href;
    if (!follow(meeting, "addParticipant", href, done)) return;
    client_.call("POST", href, json::object{{"to", to}, {"operationId", operation_id}}, by_operation(operation_id),
                 std::move(done));
}

void ServiceApplication::terminate(const Resource& meeting, Callback<Done> done) {
    std::string href;
    if (!follow(meeting, "self", href, done)) return;
    client_.call("DELETE", href, std::nullopt, Retry::safe, [done = std::move(done)](Result<Resource> r) {
        if (!r && !(r.error().kind == ErrorKind::platform && r.error().status == 404)) return done(r.error());
        done(Done{});
    });
}

void ServiceApplication::get(const std::string& href, Callback<Resource> done) {
    client_.call("GET", href, std::nullopt, Retry::safe, std::move(done));
}

}  // namespace carebridge::sdk
