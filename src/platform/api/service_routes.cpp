// The Service Application's resources (steps 2-3, 8-9, 14): its application, anonymous
// tokens, the incoming invitation's actions, ad-hoc meetings and participant invitations.
#include <boost/json.hpp>

#include "platform/api/http_util.hpp"
#include "platform/api/platform_api.hpp"

namespace carebridge::platform::api {

namespace json = boost::json;

void PlatformApi::add_service_routes() {
    const std::string A = "/platformservice/v1/applications";
    const std::string base_url = platform_.config().public_url;

    // Step 2: the token chooses the application.
    auto application = [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p.empty() ? "" : p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        respond(json_response(200, render_application(*app, View::service(app->config.id, ep))));
    };
    router_.add("GET", A, application);
    router_.add("GET", A + "/{}", application);
    router_.add("GET", A + "/{}/communication", [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        respond(json_response(200, render_sa_communication(View::service(app->config.id, ep))));
    });
    router_.add("GET", A + "/{}/events", [this, base_url](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        (void)ep;
        const std::string id = app->config.id;
        serve_events(req, "/platformservice/v1/applications/" + id + "/events",
                     [this, id]() -> EventStream* {
                         auto* a = platform_.trusted_app(id);
                         return a ? &a->events : nullptr;
                     },
                     std::move(respond), base_url);
    });

    // Step 3: an anonymous token for the visitor's page, bound to its origins.
    router_.add("POST", A + "/{}/anonApplicationTokens", [this, base_url](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        CB_TRY(body, json_body(req));
        CB_TRY(session, string_field(body, "applicationSessionId", true));
        CB_TRY(origins_text, string_field(body, "allowedOrigins", true));
        if (session->empty() || session->size() > 256)
            return respond(error_response(bad_request("InvalidParameter", "'applicationSessionId' must be 1-256 characters")));
        auth::AnonGrant grant;
        grant.app_id = app->config.id;
        grant.endpoint = ep;
        grant.session_id = *session;
        grant.origins = auth::split_origins(*origins_text);
        if (grant.origins.empty() || grant.origins.size() > 32)
            return respond(error_response(bad_request("InvalidParameter", "'allowedOrigins' must name 1-32 origins")));
        for (const auto& o : grant.origins)
            if (!valid_origin(o, platform_.config().allow_http_loopback_origins))
                return respond(error_response(bad_request("InvalidOrigin", "not an allowed origin: " + o)));
        const std::string token = tokens_.issue_anon_token(grant, now_s(), platform_.config().anon_token_ttl);
        for (const auto& o : grant.origins)
            if (known_origins_.size() < 100'000 || known_origins_.count(o))
                known_origins_[o] = std::max(known_origins_[o], grant.expires);
        const View v = View::service(app->config.id, ep);
        json::object links;
        add_link(links, "self", v.href("/anonApplicationTokens"));
        // As the original: '=' of "psat=" encoded twice in the discover link.
        add_link(links, v.rel("discover"), base_url + "/platformservice/discover?anonymousContext=psat%253d" + token);
        json::object o;
        o["token"] = "psat=" + token;
        o["expiryTime"] = iso8601(grant.expires * 1000);
        o["_links"] = std::move(links);
        o["rel"] = v.rel("anonApplicationToken");
        respond(json_response(200, o));
    });

    // Step 7's links: the incoming invitation, and what the application can do with it.
    auto with_invitation = [this](net::Request& req, const Params& p, net::Responder& respond,
                                  auto&& then) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        Conversation* chat = platform_.chat_by_invitation(p[1]);
        if (!chat || chat->trusted_app_id != app->config.id)
            return respond(error_response(not_found("no such invitation")));
        then(*app, ep, *chat);
    };
    router_.add("GET", A + "/{}/communication/messagingInvitations/{}", [this, with_invitation](net::Request& req, const Params& p, net::Responder& respond) {
        // addMessaging's invitation into a meeting shares this collection.
        if (!platform_.chat_by_invitation(p[1]))
            if (Conversation* m = platform_.meeting_by_invitation(p[1]); m && m->app_messaging_invitation_id == p[1]) {
                CB_TRY(app, service_app(req, p[0]));
                CB_TRY(ep, endpoint_of(req, *app));
                if (m->trusted_app_id != app->config.id) return respond(error_response(not_found("no such invitation")));
                return respond(json_response(200, render_add_messaging_invitation(View::service(app->config.id, ep), *m,
                                                                                  InvitationState::connected)));
            }
        with_invitation(req, p, respond, [&](TrustedApp& app, const std::string& ep, Conversation& chat) {
            respond(json_response(200, render_incoming_invitation(View::service(app.config.id, ep), chat,
                                                                  platform_.ucwa_app(chat.visitor_app_id), app)));
        });
    });
    router_.add("POST", A + "/{}/communication/messagingInvitations/{}/acceptAndBridge", [this, with_invitation](net::Request& req, const Params& p, net::Responder& respond) {
        with_invitation(req, p, respond, [&](TrustedApp& app, const std::string& ep, Conversation& chat) {
            CB_TRY(body, json_body(req));
            CB_TRY(uri, string_field(body, "onlineMeetingUri", true));
            CB_TRY(name, string_field(body, "impersonatedDisplayName", false));
            Conversation* meeting = platform_.meeting_by_uri(*uri);
            if (!meeting || meeting->trusted_app_id != app.config.id)
                return respond(error_response(not_found("no meeting with that onlineMeetingUri")));
            CB_TRY(done, platform_.accept_and_bridge(chat, *meeting, name.value_or("")));
            (void)done;
            respond(json_response(200, render_incoming_invitation(View::service(app.config.id, ep), chat,
                                                                  platform_.ucwa_app(chat.visitor_app_id), app)));
        });
    });
    router_.add("POST", A + "/{}/communication/messagingInvitations/{}/decline", [this, with_invitation](net::Request& req, const Params& p, net::Responder& respond) {
        with_invitation(req, p, respond, [&](TrustedApp&, const std::string&, Conversation& chat) {
            CB_TRY(done, platform_.decline(chat));
            (void)done;
            respond(empty_response(204));
        });
    });

    // Step 8: start and join an ad-hoc meeting.
    auto start_meeting = [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        CB_TRY(body, json_body(req));
        CB_TRY(subject, string_field(body, "subject", false));
        CB_TRY(callback, string_field(body, "callbackUrl", false));
        CB_TRY(op, string_field(body, "operationId", false));
        if (callback.has_value() && !valid_callback_url(*callback, platform_.config().allow_http_callbacks))
            return respond(error_response(bad_request("InvalidParameter", "'callbackUrl' must be an https URL")));
        if (callback.has_value() && !valid_callback_url(*callback, true, app::callback_address_policy(platform_.config())))
            return respond(error_response(bad_request("InvalidCallbackAddress",
                "'callbackUrl' must not target a loopback, private, link-local or metadata address")));
        CB_TRY(meeting, platform_.start_adhoc_meeting(*app, ep, subject.value_or(""), callback.value_or(""), op.value_or("")));
        const View v = View::service(app->config.id, ep);
        auto res = json_response(201, render_meeting_invitation(v, *meeting, InvitationState::connected));
        res.set_header("Location", v.href("/communication/onlineMeetingInvitations/" + meeting->meeting_invitation_id));
        respond(std::move(res));
    };
    router_.add("POST", A + "/{}/communication/onlineMeetingInvitations/startAdhocMeeting", start_meeting);
    router_.add("GET", A + "/{}/communication/onlineMeetingInvitations/{}", [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        Conversation* m = platform_.meeting_by_invitation(p[1]);
        if (!m || m->trusted_app_id != app->config.id || m->meeting_invitation_id != p[1])
            return respond(error_response(not_found("no such invitation")));
        respond(json_response(200, render_meeting_invitation(View::service(app->config.id, ep), *m, InvitationState::connected)));
    });

    // Step 8's addMessaging: the application joins the meeting's messaging.
    router_.add("POST", A + "/{}/communication/messagingInvitations", [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        auto conv_id = req.query_param("conversationId");
        if (!conv_id)
            return respond(error_response(bad_request("MissingParameter", "'conversationId' is required (starting new chats is not supported)")));
        CB_TRY(m, owned_conversation(*app, std::string(*conv_id)));
        if (m->kind != ConversationKind::meeting)
            return respond(error_response(conflict("InvalidState", "messaging can only be added to a meeting")));
        CB_TRY(body, json_body(req, true));
        CB_TRY(op, string_field(body, "operationId", false));
        CB_TRY(done, platform_.add_app_messaging(*m, op.value_or("")));
        (void)done;
        const View v = View::service(app->config.id, ep);
        auto res = json_response(201, render_add_messaging_invitation(v, *m, InvitationState::connected));
        res.set_header("Location", v.href("/communication/messagingInvitations/" + m->app_messaging_invitation_id));
        respond(std::move(res));
    });

    // Step 14: invite an agent into the meeting.
    router_.add("POST", A + "/{}/communication/participantInvitations", [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        auto conv_id = req.query_param("conversationId");
        if (!conv_id) return respond(error_response(bad_request("MissingParameter", "'conversationId' is required")));
        CB_TRY(m, owned_conversation(*app, std::string(*conv_id)));
        if (m->kind != ConversationKind::meeting)
            return respond(error_response(conflict("InvalidState", "participants can only be added to a meeting")));
        CB_TRY(body, json_body(req));
        CB_TRY(to, string_field(body, "to", true));
        CB_TRY(op, string_field(body, "operationId", false));
        if (to->rfind("sip:", 0) != 0 || to->find('@') == std::string::npos)
            return respond(error_response(bad_request("InvalidParameter", "'to' must be a sip URI")));
        CB_TRY(inv, platform_.add_participant(*m, *to, op.value_or("")));
        const View v = View::service(app->config.id, ep);
        auto res = json_response(201, render_participant_invitation(v, *inv));
        res.set_header("Location", v.href("/communication/participantInvitations/" + inv->id));
        respond(std::move(res));
    });
    router_.add("GET", A + "/{}/communication/participantInvitations/{}", [this](net::Request& req, const Params& p, net::Responder& respond) {
        CB_TRY(app, service_app(req, p[0]));
        CB_TRY(ep, endpoint_of(req, *app));
        ParticipantInvitation* inv = platform_.participant_invitation(p[1]);
        if (!inv || inv->trusted_app_id != app->config.id) return respond(error_response(not_found("no such invitation")));
        respond(json_response(200, render_participant_invitation(View::service(app->config.id, ep), *inv)));
    });

    add_service_conversation_routes();
}

}  // namespace carebridge::platform::api
