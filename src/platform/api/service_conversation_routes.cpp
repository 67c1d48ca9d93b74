// The Service Application's view of a conversation (the meeting, or the visitor's chat):
// messaging and sendMessage (step 12), participants, the bridge (steps 10-11), tear-down (22).
#include <boost/json.hpp>

#include "platform/api/http_util.hpp"
#include "platform/api/platform_api.hpp"

namespace carebridge::platform::api {

namespace json = boost::json;

void PlatformApi::add_service_conversation_routes() {
    const std::string C = "/platformservice/v1/applications/{}/communication/conversations/{}";

    // Resolves app, endpoint and the conversation, then calls then(view, conversation).
    auto with_conv = [this](net::Request& req, const Params& p, net::Responder& respond, auto&& then) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        CB_TRY(conv, owned_conversation(*app, p[1]));
        then(View::service(app->config.id, ep), *conv);
    };
    auto meeting_only = [](Conversation& c, net::Responder& respond) {
        if (c.kind == ConversationKind::meeting) return true;
        respond(error_response(not_found("this conversation is not a meeting")));
        return false;
    };

    router_.add("GET", C, [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](const View& v, Conversation& c) {
            const char* state = c.kind == ConversationKind::meeting ? "Conferenced"
                                : c.invitation_state == InvitationState::connected ? "Connected" : "Incoming";
            respond(json_response(200, render_conversation(v, c, state)));
        });
    });
    // Step 22 (meeting) or the application ending the visitor's chat.
    router_.add("DELETE", C, [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](const View&, Conversation& c) {
            Status s = c.kind == ConversationKind::meeting ? platform_.terminate_meeting(c)
                                                           : platform_.end_chat(c, "application");
            if (!s) return respond(error_response(s.error()));
            respond(empty_response(204));
        });
    });
    router_.add("GET", C + "/messaging", [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](const View& v, Conversation& c) {
            const bool connected = c.kind == ConversationKind::meeting
                                       ? c.app_messaging
                                       : c.invitation_state == InvitationState::connected;
            respond(json_response(200, render_messaging(v, c, connected)));
        });
    });
    // Step 12: sendMessage, body text/plain or text/html, operationId in the query.
    router_.add("POST", C + "/messaging/messages", [this, with_conv, meeting_only](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](const View& v, Conversation& c) {
            if (!meeting_only(c, respond)) return;
            CB_TRY(type, message_content_type(req));
            auto* app = platform_.trusted_app(c.trusted_app_id);
            Actor actor{Actor::Kind::application, c.endpoint, app->config.name, nullptr};
            auto op = req.query_param("operationId");
            CB_TRY(msg, platform_.send_message(actor, c, {type, req.body, op ? std::string(*op) : ""}));
            auto res = json_response(201, render_message(v, c.id, msg, true, actor.name));
            res.set_header("Location", v.href(messaging_path(c.id) + "/messages/" + std::to_string(msg.number)));
            respond(std::move(res));
        });
    });
    router_.add("GET", C + "/messaging/messages/{}", [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](const View& v, Conversation& c) {
            Conversation* room = platform_.room_of(c);
            for (const auto& m : room ? room->transcript : std::vector<Message>{})
                if (std::to_string(m.number) == p[2])
                    return respond(json_response(200, render_message(v, c.id, m, m.sender_uri == c.endpoint, m.sender_name)));
            respond(error_response(not_found("no such message")));
        });
    });
    auto participants = [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](const View& v, Conversation& c) {
            json::array items;
            for (const auto& [uri, name] : platform_.participants(c, Side::service_app)) {
                if (p.size() > 2 && participant_key(uri) != p[2]) continue;
                if (p.size() > 2) return respond(json_response(200, render_participant(v, c.id, uri, name)));
                items.push_back(render_participant(v, c.id, uri, name));
            }
            if (p.size() > 2) return respond(error_response(not_found("no such participant")));
            json::object links, embedded, o;
            add_link(links, "self", v.href(conversation_path(c.id) + "/participants"));
            embedded[v.rel("participant")] = std::move(items);
            o["_links"] = std::move(links);
            o["_embedded"] = std::move(embedded);
            o["rel"] = v.rel("participants");
            respond(json_response(200, o));
        });
    };
    router_.add("GET", C + "/participants", participants);
    router_.add("GET", C + "/participants/{}", participants);
    router_.add("GET", C + "/onlineMeeting", [with_conv, meeting_only](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](const View& v, Conversation& c) {
            if (meeting_only(c, respond)) respond(json_response(200, render_online_meeting(v, c)));
        });
    });

    // carebridge extension: the transcript of a meeting, kept after it ends (retention), and
    // deletable on request (privacy).
    auto with_transcript = [this](net::Request& req, const Params& p, net::Responder& respond, auto&& then) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        const auto* info = platform_.transcript_info(p[1]);
        if (!info || info->trusted_app_id != app->config.id) return respond(error_response(not_found("no such transcript")));
        then(View::service(app->config.id, ep), *info);
    };
    router_.add("GET", C + "/transcript", [this, with_transcript](net::Request& req, const Params& p, net::Responder& respond) {
        with_transcript(req, p, respond, [&](const View& v, const Platform::TranscriptInfo& info) {
            json::array messages;
            for (const auto& m : platform_.transcript_messages(info.meeting_id))
                messages.push_back(json::object{{"number", m.number}, {"timeStamp", iso8601(m.time)},
                                                {"from", json::object{{"uri", m.sender_uri}, {"name", m.sender_name}}},
                                                {"contentType", m.content_type}, {"text", m.text}});
            json::object links, o;
            add_link(links, "self", v.href(conversation_path(info.meeting_id) + "/transcript"));
            o["subject"] = info.subject;
            o["created"] = iso8601(info.created);
            if (info.ended) o["ended"] = iso8601(info.ended);
            o["messages"] = std::move(messages);
            o["_links"] = std::move(links);
            o["rel"] = v.rel("transcript");
            respond(json_response(200, o));
        });
    });
    router_.add("DELETE", C + "/transcript", [this, with_transcript](net::Request& req, const Params& p, net::Responder& respond) {
        with_transcript(req, p, respond, [&](const View&, const Platform::TranscriptInfo& info) {
            platform_.delete_transcript(std::string(info.meeting_id));
            respond(empty_response(204));
        });
    });

    // Steps 10-11: the conversation bridge and its bridged participants.
    auto with_bridge = [with_conv, meeting_only](net::Request& req, const Params& p, net::Responder& respond, auto&& then) {
        with_conv(req, p, respond, [&](const View& v, Conversation& c) {
            if (!meeting_only(c, respond)) return;
            if (c.bridged_chat_id.empty()) return respond(error_response(not_found("the meeting has no conversation bridge")));
            then(v, c);
        });
    };
    router_.add("GET", C + "/conversationBridge", [with_bridge](net::Request& req, const Params& p, net::Responder& respond) {
        with_bridge(req, p, respond, [&](const View& v, Conversation& c) { respond(json_response(200, render_bridge(v, c))); });
    });
    router_.add("GET", C + "/conversationBridge/bridgedParticipants", [with_bridge](net::Request& req, const Params& p, net::Responder& respond) {
        with_bridge(req, p, respond, [&](const View& v, Conversation& c) {
            respond(json_response(200, render_bridged_participants(v, c)));
        });
    });
    router_.add("GET", C + "/conversationBridge/bridgedParticipants/{}", [with_bridge](net::Request& req, const Params& p, net::Responder& respond) {
        with_bridge(req, p, respond, [&](const View& v, Conversation& c) {
            for (const auto& bp : c.bridged_participants)
                if (bp.id == p[2]) return respond(json_response(200, render_bridged_participant(v, c, bp)));
            respond(error_response(not_found("no such bridged participant")));
        });
    });
    router_.add("POST", C + "/conversationBridge/bridgedParticipants", [this, with_bridge](net::Request& req, const Params& p, net::Responder& respond) {
        with_bridge(req, p, respond, [&](const View& v, Conversation& c) {
            CB_TRY(body, json_body(req));
            CB_TRY(name, string_field(body, "displayName", true));
            CB_TRY(uri, string_field(body, "participantUri", true));
            CB_TRY(filter, string_field(body, "messageFilterState", false));
            const std::string f = filter.value_or("Disabled");
            if (f != "Enabled" && f != "Disabled")
                return respond(error_response(bad_request("InvalidParameter", "'messageFilterState' is Enabled or Disabled")));
            if (uri->rfind("sip:", 0) != 0)
                return respond(error_response(bad_request("InvalidParameter", "'participantUri' must be a sip URI")));
            CB_TRY(bp, platform_.add_bridged_participant(c, *name, *uri, f == "Enabled"));
            auto res = json_response(201, render_bridged_participant(v, c, *bp));
            res.set_header("Location", v.href(conversation_path(c.id) + "/conversationBridge/bridgedParticipants/" + bp->id));
            respond(std::move(res));
        });
    });
}

}  // namespace carebridge::platform::api
