// The UCWA side, for visitors (/ucwa/psanon/v1, anonymous token) and agents (/ucwa/v1, user
// token): the application, its event channel, invitations, and messaging (steps 5-6, 13-20).
#include <algorithm>
#include <charconv>
#include <cstdint>

#include <boost/json.hpp>

#include "platform/api/http_util.hpp"
#include "platform/api/platform_api.hpp"

namespace carebridge::platform::api {

namespace json = boost::json;

namespace {
View view_of(const UcwaApp& a) {
    return a.kind == UcwaKind::visitor ? View::visitor(a.id) : View::agent(a.id);
}
Actor actor_of(UcwaApp& a) {
    return {a.kind == UcwaKind::visitor ? Actor::Kind::visitor : Actor::Kind::agent, a.uri,
            a.display_name, &a};
}
// UCWA clients spell body fields either way ("EndpointId" / "endpointId").
const json::value* field_any_case(const json::object& o, std::string_view upper, std::string_view lower) {
    if (auto* v = o.if_contains(upper)) return v;
    return o.if_contains(lower);
}
}  // namespace

void PlatformApi::add_ucwa_routes(Side side) {
    const bool visitor_side = side == Side::visitor;
    const std::string A = visitor_side ? "/ucwa/psanon/v1/applications" : "/ucwa/v1/applications";

    // Step 5: create the application (the same token / EndpointId gets the same one back).
    router_.add("POST", A, [this, visitor_side](net::Request& req, const Params&, net::Responder& respond) {
        CB_TRY(body, json_body(req, !visitor_side));
        const std::string_view token = bearer_token(req);
        if (token.empty()) return respond(error_response(unauthorized("MissingToken", "a bearer token is required")));
        UcwaApp* app = nullptr;
        bool created = true;
        if (visitor_side) {
            CB_TRY(grant, tokens_.verify_anon_token(token, now_s()));
            if (auto origin = req.header("Origin"); origin && !origin_allowed(grant.origins, *origin))
                return respond(error_response(forbidden("InvalidOrigin", "this Origin is not allowed for the token")));
            CB_TRY(name, string_field(body, "anonymousDisplayName", true));
            if (name->empty() || name->size() > 128)
                return respond(error_response(bad_request("InvalidParameter", "'anonymousDisplayName' must be 1-128 characters")));
            app = &platform_.create_visitor_app(grant, *name);
        } else {
            CB_TRY(uri, tokens_.verify_user_token(token, now_s()));
            const auto* agent = platform_.agent_by_uri(uri);
            if (!agent) return respond(error_response(unauthorized("InvalidToken", "no such user")));
            const json::value* ep = field_any_case(body, "EndpointId", "endpointId");
            if (ep && !ep->is_string())
                return respond(error_response(bad_request("InvalidParameter", "'EndpointId' must be a string")));
            const std::string endpoint_id = ep ? std::string(ep->as_string()) : "default";
            if (endpoint_id.empty() || endpoint_id.size() > 128)
                return respond(error_response(bad_request("InvalidParameter", "'EndpointId' must be 1-128 characters")));
            app = &platform_.create_agent_app(*agent, endpoint_id, created);
        }
        const View v = view_of(*app);
        auto res = json_response(created ? 201 : 200, render_ucwa_application(v, *app));
        res.set_header("Location", v.href(""));
        respond(std::move(res));
    });

    // Resolves the caller's application, then calls then(app, view).
    auto with_app = [this, side](net::Request& req, const Params& p, net::Responder& respond, auto&& then) {
        CB_TRY(app, ucwa_caller(req, side, p[0]));
        then(*app, view_of(*app));
    };
    auto with_conv = [this, with_app](net::Request& req, const Params& p, net::Responder& respond, auto&& then) {
        with_app(req, p, respond, [&](UcwaApp& app, const View& v) {
            CB_TRY(conv, visible_conversation(app, p[1]));
            then(app, v, *conv);
        });
    };

    router_.add("GET", A + "/{}", [with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp& app, const View& v) { respond(json_response(200, render_ucwa_application(v, app))); });
    });
    router_.add("DELETE", A + "/{}", [this, with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp& app, const View&) {
            platform_.delete_ucwa_app(app);
            respond(empty_response(204));
        });
    });
    router_.add("GET", A + "/{}/me", [with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp& app, const View& v) { respond(json_response(200, render_me(v, app))); });
    });
    router_.add("GET", A + "/{}/communication", [with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp& app, const View& v) { respond(json_response(200, render_ucwa_communication(v, app))); });
    });
    // Step 13 and every later event: the long-poll channel.
    router_.add("GET", A + "/{}/events", [this, with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp& app, const View& v) {
            // The client holds everything before the ack it asks for (compaction bound).
            if (auto a = req.query_param("ack")) {
                std::uint64_t ack = 0;
                auto [ptr, ec] = std::from_chars(a->data(), a->data() + a->size(), ack);
                if (ec == std::errc{} && ack <= app.events.visible_end()) platform_.events_read(app, ack);
            }
            if (auto m = req.query_param("medium")) {
                std::int64_t seconds = 0;
                auto [ptr, ec] = std::from_chars(m->data(), m->data() + m->size(), seconds);
                if (ec != std::errc{} || ptr != m->data() + m->size() || seconds < 0)
                    return respond(error_response(bad_request("InvalidParameter", "'medium' must be a non-negative integer")));
                app.medium_hold_s = std::clamp<std::int64_t>(seconds, 5, 1800);  // UCWA's bounds
            }
            const std::string id = app.id;
            net::Responder answer = std::move(respond);
            if (app.kind == UcwaKind::visitor) {
                // Inactivity: a visitor channel nobody polls means the visitor has gone.
                platform_.visitor_channel_used(id, +1);
                answer = [this, id, respond = std::move(answer)](net::Response res) {
                    if (platform_.ucwa_app(id)) platform_.visitor_channel_used(id, -1);
                    respond(std::move(res));
                };
            }
            serve_events(req, v.href("/events"), [this, id]() -> EventStream* {
                UcwaApp* a = platform_.ucwa_app(id);
                return a ? &a->events : nullptr;
            }, std::move(answer), "", app.medium_hold_s);
        });
    });
    router_.add("GET", A + "/{}/communication/conversations", [this, with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp& app, const View& v) {
            json::array items;
            for (const auto& id : app.conversations)
                if (Conversation* c = platform_.conversation(id))
                    items.push_back(render_conversation(v, *c, c->kind == ConversationKind::meeting ? "Conferenced"
                                                                : c->invitation_state == InvitationState::connected ? "Connected" : "Connecting"));
            json::object links, embedded, o;
            add_link(links, "self", v.href("/communication/conversations"));
            embedded["conversation"] = std::move(items);
            o["_links"] = std::move(links);
            o["_embedded"] = std::move(embedded);
            o["rel"] = "conversations";
            respond(json_response(200, o));
        });
    });
    router_.add("GET", A + "/{}/communication/conversations/{}", [with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp&, const View& v, Conversation& c) {
            const char* state = c.kind == ConversationKind::meeting ? "Conferenced"
                                : c.invitation_state == InvitationState::connected ? "Connected" : "Connecting";
            respond(json_response(200, render_conversation(v, c, state)));
        });
    });
    // Step 20: the visitor ends the chat (an agent leaves the meeting); stopMessaging too.
    auto leave = [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp& app, const View&, Conversation& c) {
            Status s = app.kind == UcwaKind::visitor ? platform_.end_chat(c, "visitor") : platform_.agent_leave(app, c);
            if (!s) return respond(error_response(s.error()));
            respond(empty_response(204));
        });
    };
    router_.add("DELETE", A + "/{}/communication/conversations/{}", leave);
    router_.add("POST", A + "/{}/communication/conversations/{}/messaging/terminate", leave);

    router_.add("GET", A + "/{}/communication/conversations/{}/messaging", [with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp& app, const View& v, Conversation& c) {
            bool connected = c.kind == ConversationKind::visitor_chat
                                 ? c.invitation_state == InvitationState::connected
                                 : (c.participant(app.uri) && c.participant(app.uri)->messaging);
            respond(json_response(200, render_messaging(v, c, connected)));
        });
    });
    router_.add("POST", A + "/{}/communication/conversations/{}/messaging/messages", [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp& app, const View& v, Conversation& c) {
            CB_TRY(type, message_content_type(req));
            auto op = req.query_param("operationId");
            CB_TRY(msg, platform_.send_message(actor_of(app), c, {type, req.body, op ? std::string(*op) : ""}));
            auto res = empty_response(201);
            res.set_header("Location", v.href(messaging_path(c.id) + "/messages/" + std::to_string(msg.number)));
            respond(std::move(res));
        });
    });
    router_.add("GET", A + "/{}/communication/conversations/{}/messaging/messages/{}", [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp& app, const View& v, Conversation& c) {
            Conversation* room = platform_.room_of(c);
            if (room)
                for (const auto& m : room->transcript)
                    if (std::to_string(m.number) == p[2])
                        return respond(json_response(200, render_message(v, c.id, m, m.sender_uri == app.uri, m.sender_name)));
            respond(error_response(not_found("no such message")));
        });
    });
    // Steps 16 and 18: "is typing".
    router_.add("POST", A + "/{}/communication/conversations/{}/messaging/typing", [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp& app, const View&, Conversation& c) {
            CB_TRY(done, platform_.set_typing(actor_of(app), c));
            (void)done;
            respond(empty_response(204));
        });
    });
    router_.add("GET", A + "/{}/communication/conversations/{}/messaging/typingParticipants", [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp& app, const View& v, Conversation& c) {
            Conversation* room = platform_.room_of(c);
            std::vector<Typing> none;
            respond(json_response(200, render_typing_participants(v, c.id, room ? room->typing : none, app.uri, platform_.now_ms())));
        });
    });
    auto participants = [this, with_conv, side](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp&, const View& v, Conversation& c) {
            json::array items;
            for (const auto& [uri, name] : platform_.participants(c, side)) {
                if (p.size() > 2 && participant_key(uri) != p[2]) continue;
                if (p.size() > 2) return respond(json_response(200, render_participant(v, c.id, uri, name)));
                items.push_back(render_participant(v, c.id, uri, name));
            }
            if (p.size() > 2) return respond(error_response(not_found("no such participant")));
            json::object links, embedded, o;
            add_link(links, "self", v.href(conversation_path(c.id) + "/participants"));
            embedded["participant"] = std::move(items);
            o["_links"] = std::move(links);
            o["_embedded"] = std::move(embedded);
            o["rel"] = "participants";
            respond(json_response(200, o));
        });
    };
    router_.add("GET", A + "/{}/communication/conversations/{}/participants", participants);
    router_.add("GET", A + "/{}/communication/conversations/{}/participants/{}", participants);

    if (visitor_side) {
        // Step 6: the messaging invitation to the helpdesk endpoint.
        router_.add("POST", A + "/{}/communication/messagingInvitations", [this, with_app](net::Request& req, const Params& p, net::Responder& respond) {
            with_app(req, p, respond, [&](UcwaApp& app, const View& v) {
                CB_TRY(body, json_body(req));
                CB_TRY(to, string_field(body, "to", true));
                CB_TRY(subject, string_field(body, "subject", false));
                CB_TRY(op, string_field(body, "operationId", false));
                CB_TRY(custom, string_field(body, "customContent", false));
                if (subject.value_or("").size() > 256 || custom.value_or("").size() > 4096 || op.value_or("").size() > 256)
                    return respond(error_response(bad_request("InvalidParameter", "subject, operationId or customContent is too long")));
                CB_TRY(chat, platform_.start_messaging(app, *to, subject.value_or(""), custom.value_or(""), op.value_or("")));
                auto* tapp = platform_.trusted_app(chat->trusted_app_id);
                auto res = json_response(201, render_outgoing_invitation(v, *chat, tapp ? tapp->config.name : ""));
                res.set_header("Location", v.href("/communication/messagingInvitations/" + chat->invitation_id));
                respond(std::move(res));
            });
        });
        router_.add("GET", A + "/{}/communication/messagingInvitations/{}", [this, with_app](net::Request& req, const Params& p, net::Responder& respond) {
            with_app(req, p, respond, [&](UcwaApp& app, const View& v) {
                Conversation* chat = platform_.chat_by_invitation(p[1]);
                if (!chat || chat->visitor_app_id != app.id) return respond(error_response(not_found("no such invitation")));
                Conversation* room = platform_.room_of(*chat);
                respond(json_response(200, render_outgoing_invitation(v, *chat, room ? room->impersonated_name : "")));
            });
        });
        return;
    }

    // Agents: availability, the meeting invitation (accept / decline) and joining messaging.
    router_.add("POST", A + "/{}/me/makeMeAvailable", [this, with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp& app, const View&) {
            CB_TRY(body, json_body(req, true));
            (void)body;
            platform_.set_available(app, true);
            respond(empty_response(204));
        });
    });
    // UCWA keeps an agent "active" with reportMyActivity; availability is what routing uses.
    router_.add("POST", A + "/{}/me/reportMyActivity", [with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp&, const View&) { respond(empty_response(204)); });
    });
    router_.add("POST", A + "/{}/me/presence", [this, with_app](net::Request& req, const Params& p, net::Responder& respond) {
        with_app(req, p, respond, [&](UcwaApp& app, const View&) {
            CB_TRY(body, json_body(req));
            CB_TRY(availability, string_field(body, "availability", true));
            if (*availability != "Online" && *availability != "Away" && *availability != "Offline" && *availability != "Busy")
                return respond(error_response(bad_request("InvalidParameter", "'availability' is Online, Busy, Away or Offline")));
            platform_.set_available(app, *availability == "Online");
            respond(empty_response(204));
        });
    });
    auto with_invitation = [this, with_app](net::Request& req, const Params& p, net::Responder& respond, auto&& then) {
        with_app(req, p, respond, [&](UcwaApp& app, const View& v) {
            ParticipantInvitation* inv = platform_.participant_invitation(p[1]);
            if (!inv || inv->agent_app_id != app.id) return respond(error_response(not_found("no such invitation")));
            then(app, v, *inv);
        });
    };
    router_.add("GET", A + "/{}/communication/onlineMeetingInvitations/{}", [this, with_invitation](net::Request& req, const Params& p, net::Responder& respond) {
        with_invitation(req, p, respond, [&](UcwaApp&, const View& v, ParticipantInvitation& inv) {
            Conversation* m = platform_.conversation(inv.meeting_id);
            if (!m) return respond(error_response(not_found("the meeting has ended")));
            respond(json_response(200, render_agent_invitation(v, inv, *m, m->impersonated_name)));
        });
    });
    router_.add("POST", A + "/{}/communication/onlineMeetingInvitations/{}/accept", [this, with_invitation](net::Request& req, const Params& p, net::Responder& respond) {
        with_invitation(req, p, respond, [&](UcwaApp& app, const View&, ParticipantInvitation& inv) {
            CB_TRY(done, platform_.accept_invitation(app, inv));
            (void)done;
            respond(empty_response(204));
        });
    });
    router_.add("POST", A + "/{}/communication/onlineMeetingInvitations/{}/decline", [this, with_invitation](net::Request& req, const Params& p, net::Responder& respond) {
        with_invitation(req, p, respond, [&](UcwaApp& app, const View&, ParticipantInvitation& inv) {
            CB_TRY(done, platform_.decline_invitation(app, inv));
            (void)done;
            respond(empty_response(204));
        });
    });
    router_.add("POST", A + "/{}/communication/conversations/{}/messaging/messagingInvitations", [this, with_conv](net::Request& req, const Params& p, net::Responder& respond) {
        with_conv(req, p, respond, [&](UcwaApp& app, const View&, Conversation& c) {
            CB_TRY(done, platform_.agent_add_messaging(app, c));
            (void)done;
            respond(empty_response(204));
        });
    });
}

}  // namespace carebridge::platform::api
