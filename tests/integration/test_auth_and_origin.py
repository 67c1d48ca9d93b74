"""Who may call what: bearer tokens of the three kinds (and their expiry), the OAuth token
endpoint's errors, Origin checks and CORS on the anonymous side, and isolation between two
trusted applications, two visitors and two agents. Every refusal is checked for its exact
status and protocol error body, and the server must never answer 5xx."""
import base64
import datetime
import json
import time

import cbtest
from cbtest import (HELPDESK, ORIGIN, Agent, Chat, ServiceApp, Visitor, assert_error, default_config, embedded,
                    is_event, link)

HELPDESK_ID, LITWARE_ID = "1627259584", "2000000001"
LITWARE = "sip:desk@litware.com"
CONTOSO = "https://contoso.com"
FOREIGN = "https://evil.example"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def as_litware(href):
    """The same resource path under the second application and its endpoint."""
    href = href.replace("/applications/" + HELPDESK_ID, "/applications/" + LITWARE_ID)
    return href.replace("endpointId=" + HELPDESK, "endpointId=" + LITWARE)


def bearer(token):
    return {"Authorization": "Bearer " + token}


class PlatformTestCase(cbtest.PlatformTestCase):
    def assert_unauthorized(self, r, subcode=None):
        assert_error(r, 401, "Unauthorized", subcode)
        self.assertIn("Bearer", r.header("www-authenticate") or "", r)
        if subcode in ("InvalidToken", "TokenExpired"):
            self.assertIn('error="invalid_token"', r.header("www-authenticate"))

    def assert_no_cors(self, r):
        self.assertIsNone(r.header("access-control-allow-origin"), r.headers)

    def assert_cors(self, r, origin):
        self.assertEqual(r.header("access-control-allow-origin"), origin, r.headers)
        self.assertIn("origin", [v.strip().lower() for v in (r.header("vary") or "").split(",")], r.headers)


class TokenTest(PlatformTestCase):
    def test_missing_and_garbage_tokens(self):
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        alice = Agent(p, "alice", "alice-pass")
        sa_targets = [("GET", link(sa.app, "self")),
                      ("GET", "/platformservice/v1/applications"),
                      ("POST", link(sa.app, "ms:rtc:saas:anonApplicationTokens")),
                      ("GET", link(sa.app, "ms:rtc:saas:events"))]
        ucwa_targets = [("GET", link(visitor.app, "self")), ("GET", link(visitor.app, "events")),
                        ("GET", link(alice.app, "self")), ("GET", link(alice.app, "events"))]
        body = {"applicationSessionId": "s", "allowedOrigins": ORIGIN}
        for method, href in sa_targets + ucwa_targets:
            with self.subTest(method=method, href=href):
                base = {"Origin": ORIGIN} if "/psanon/" in href else {}
                send = body if method == "POST" else None
                self.assert_unauthorized(p.call(method, href, send, base), "MissingToken")
                self.assert_unauthorized(p.call(method, href, send, dict(base, Authorization="Basic YTpi")))
                self.assert_unauthorized(p.call(method, href, send, dict(base, Authorization="Bearer ")))
                for garbage in ["garbage", "a.b.c", "psat=garbage", "eyJhbGciOiJub25lIn0.e30."]:
                    self.assert_unauthorized(p.call(method, href, send, dict(base, **bearer(garbage))),
                                             "InvalidToken")
        # Creating a visitor application needs a token too.
        self.assert_unauthorized(p.call("POST", "/ucwa/psanon/v1/applications", {"anonymousDisplayName": "x"},
                                        {"Origin": ORIGIN}), "MissingToken")
        # The agents' user resource challenges with MsRtcOAuth (and Bearer).
        user = "/autodiscover/autodiscoverservice.svc/root/oauth/user"
        for headers in [{}, bearer("garbage")]:
            r = p.call("GET", user, headers=headers)
            assert_error(r, 401, "Unauthorized")
            self.assertIn('MsRtcOAuth href="', r.header("www-authenticate"))
            self.assertIn("grant_type=\"password\"", r.header("www-authenticate"))

    def test_tampered_and_forged_tokens(self):
        p = self.platform
        sa = ServiceApp(p)
        head, payload, sig = sa.token.split(".")
        # A flipped signature byte.
        flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
        self.assert_unauthorized(p.call("GET", link(sa.app, "self"), headers=bearer(f"{head}.{payload}.{flipped}")),
                                 "InvalidToken")
        # The same claims for the other application, with the original signature.
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["sub"] = LITWARE_ID
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        self.assert_unauthorized(p.call("GET", "/platformservice/v1/applications", headers=bearer(f"{head}.{forged}.{sig}")),
                                 "InvalidToken")
        # alg "none", no signature.
        none = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
        self.assert_unauthorized(p.call("GET", "/platformservice/v1/applications", headers=bearer(f"{none}.{payload}.")),
                                 "InvalidToken")

    def test_a_token_of_one_kind_is_refused_elsewhere(self):
        p = self.platform
        sa = ServiceApp(p)
        tok = sa.anon_token()
        visitor = Visitor(p, tok)
        alice = Agent(p, "alice", "alice-pass")
        psat = tok["token"]                       # "psat=<jwt>"
        user_token = alice.headers["Authorization"][7:]
        # The visitor's token on the Service Application side, with and without "psat=".
        for token in [psat, psat[5:]]:
            self.assert_unauthorized(p.call("GET", "/platformservice/v1/applications", headers=bearer(token)),
                                     "InvalidToken")
            self.assert_unauthorized(p.call("POST", link(sa.app, "ms:rtc:saas:anonApplicationTokens"),
                                            {"applicationSessionId": "s", "allowedOrigins": ORIGIN}, bearer(token)),
                                     "InvalidToken")
        # An agent's user token as an application token, and on the visitor side.
        self.assert_unauthorized(p.call("GET", "/platformservice/v1/applications", headers=bearer(user_token)),
                                 "InvalidToken")
        self.assert_unauthorized(p.call("GET", link(visitor.app, "self"), headers=dict(bearer(user_token), Origin=ORIGIN)),
                                 "InvalidToken")
        # The application's token on the visitor and agent sides and at the user resource.
        self.assert_unauthorized(p.call("GET", link(visitor.app, "self"), headers=dict(sa.auth, Origin=ORIGIN)),
                                 "InvalidToken")
        self.assert_unauthorized(p.call("POST", "/ucwa/psanon/v1/applications", {"anonymousDisplayName": "x"},
                                        dict(sa.auth, Origin=ORIGIN)), "InvalidToken")
        self.assert_unauthorized(p.call("GET", link(alice.app, "self"), headers=sa.auth), "InvalidToken")
        r = p.call("GET", "/autodiscover/autodiscoverservice.svc/root/oauth/user", headers=sa.auth)
        assert_error(r, 401, "Unauthorized")
        # The visitor's token on the agent side; the application's token as a discover context.
        self.assert_unauthorized(p.call("GET", link(alice.app, "self"), headers=bearer(psat)), "InvalidToken")
        r = p.call("GET", "/platformservice/discover?anonymousContext=" + sa.token, headers={"Origin": ORIGIN})
        self.assert_unauthorized(r, "InvalidToken")
        # The token the platform signs its callbacks with is not an application token either.
        Chat(sa, visitor, self.callbacks)
        callback_auth = self.callbacks.received[0][1]["Authorization"]
        self.assertTrue(callback_auth.startswith("Bearer "))
        self.assert_unauthorized(p.call("GET", "/platformservice/v1/applications",
                                        headers={"Authorization": callback_auth}), "InvalidToken")
        # Each token still works where it belongs.
        self.assertEqual(p.call("GET", link(visitor.app, "self"), headers=visitor.headers).status, 200)
        self.assertEqual(p.call("GET", link(alice.app, "self"), headers=alice.headers).status, 200)

    def test_oauth_token_endpoint_errors(self):
        p = self.platform

        def token(body, headers=FORM):
            return p.call("POST", "/oauth2/token", body, headers)

        def oauth_error(r, status, error):
            self.assertEqual(r.status, status, r)
            self.assertTrue(r.header("content-type").startswith("application/json"), r.headers)
            self.assertEqual(r.json["error"], error, r)

        oauth_error(token("grant_type=client_credentials&client_id=helpdesk&client_secret=wrong-secret"),
                    401, "invalid_client")
        oauth_error(token("grant_type=client_credentials&client_id=helpdesk&client_secret=litware-secret"),
                    401, "invalid_client")
        oauth_error(token("grant_type=client_credentials&client_id=nobody&client_secret=helpdesk-secret"),
                    401, "invalid_client")
        oauth_error(token("grant_type=client_credentials&client_id=helpdesk"), 401, "invalid_client")
        oauth_error(token("grant_type=authorization_code&code=abc"), 400, "unsupported_grant_type")
        oauth_error(token("grant_type=password&username=alice&password=wrong"), 400, "invalid_grant")
        oauth_error(token("grant_type=password&username=mallory&password=alice-pass"), 400, "invalid_grant")
        oauth_error(token("grant_type=password&username=alice"), 400, "invalid_grant")
        oauth_error(token("client_id=helpdesk&client_secret=helpdesk-secret"), 400, "invalid_request")
        oauth_error(token(""), 400, "invalid_request")
        # Not form-encoded.
        oauth_error(token({"grant_type": "client_credentials", "client_id": "helpdesk",
                           "client_secret": "helpdesk-secret"}, {}), 400, "invalid_request")
        oauth_error(token("grant_type=client_credentials&client_id=helpdesk&client_secret=helpdesk-secret",
                          {"Content-Type": "text/plain"}), 400, "invalid_request")
        oauth_error(token("grant_type=client_credentials&client_id=helpdesk&client_secret=helpdesk-secret", {}),
                    400, "invalid_request")
        # Only POST.
        assert_error(p.call("GET", "/oauth2/token"), 405, "MethodNotAllowed")
        # And the right credentials still work; the answer must not be cached.
        r = token("grant_type=client_credentials&client_id=litware&client_secret=litware-secret")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["token_type"], "Bearer")
        self.assertIn("no-store", r.header("cache-control"))
        r = token("grant_type=password&username=alice&password=alice-pass")
        self.assertEqual(r.status, 200, r)


def parse_iso(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


class ExpiryTest(PlatformTestCase):
    def config(self, callback_url):
        cfg = default_config(callback_url)
        cfg["tokens"] = {"access_token_ttl": 1, "anon_token_ttl": 1, "user_token_ttl": 1}
        return cfg

    def test_expired_tokens(self):
        p = self.platform
        # Issued in this order, the anonymous token expires last.
        alice = Agent(p, "alice", "alice-pass")
        sa = ServiceApp(p)
        tok = sa.anon_token()
        visitor = Visitor(p, tok)
        # Expiry has second granularity and no leeway: "exp" = issue second + 1, refused from
        # the second after that on.
        wait = parse_iso(tok["expiryTime"]) + 1.05 - time.time()
        self.assertLess(wait, 3)
        time.sleep(max(0, wait))

        self.assert_unauthorized(p.call("GET", link(sa.app, "self"), headers=sa.auth), "TokenExpired")
        self.assert_unauthorized(p.call("GET", "/platformservice/v1/applications", headers=sa.auth), "TokenExpired")
        self.assert_unauthorized(p.call("POST", link(sa.app, "ms:rtc:saas:anonApplicationTokens"),
                                        {"applicationSessionId": "s", "allowedOrigins": ORIGIN}, sa.auth),
                                 "TokenExpired")
        self.assert_unauthorized(p.call("GET", link(sa.app, "ms:rtc:saas:events") + "&timeout=0", headers=sa.auth),
                                 "TokenExpired")
        # The visitor: its application, its events, a new application, the discover link.
        self.assert_unauthorized(visitor.call("GET", link(visitor.app, "self")), "TokenExpired")
        self.assert_unauthorized(visitor.call("GET", link(visitor.app, "events") + "&timeout=0"), "TokenExpired")
        self.assert_unauthorized(visitor.call("POST", link(visitor.app["_embedded"]["communication"], "startMessaging"),
                                              {"to": HELPDESK}), "TokenExpired")
        self.assert_unauthorized(visitor.call("POST", "/ucwa/psanon/v1/applications", {"anonymousDisplayName": "x"}),
                                 "TokenExpired")
        self.assert_unauthorized(p.call("GET", link(tok, "ms:rtc:saas:discover"), headers={"Origin": ORIGIN}),
                                 "TokenExpired")
        # The agent.
        self.assert_unauthorized(alice.call("GET", link(alice.app, "self")), "TokenExpired")
        r = alice.call("GET", "/autodiscover/autodiscoverservice.svc/root/oauth/user")
        assert_error(r, 401, "Unauthorized", "TokenExpired")
        self.assertIn("MsRtcOAuth", r.header("www-authenticate"))
        # New tokens work again.
        sa2 = ServiceApp(p)
        self.assertEqual(sa2.app["id"], HELPDESK_ID)


    def test_expired_anonymous_token_answers_are_readable_by_the_page(self):
        # A visitor page must be able to read "TokenExpired" to know it needs a new token: the
        # refusal carries CORS for the origin the (expired, but authentic) token allowed.
        p = self.platform
        sa = ServiceApp(p)
        tok = sa.anon_token()
        visitor = Visitor(p, tok)
        time.sleep(max(0, parse_iso(tok["expiryTime"]) + 1.05 - time.time()))
        for what, method, href, body, headers in [
                ("application", "GET", link(visitor.app, "self"), None, visitor.headers),
                ("new application", "POST", "/ucwa/psanon/v1/applications", {"anonymousDisplayName": "x"}, visitor.headers),
                ("discover link", "GET", link(tok, "ms:rtc:saas:discover"), None, {"Origin": ORIGIN})]:
            with self.subTest(what):
                r = p.call(method, href, body, headers)
                self.assert_unauthorized(r, "TokenExpired")
                self.assert_cors(r, ORIGIN)


class OriginTest(PlatformTestCase):
    def test_discover_link_origins(self):
        p = self.platform
        sa = ServiceApp(p)
        tok = sa.anon_token(origins=ORIGIN + ";" + CONTOSO)
        discover = link(tok, "ms:rtc:saas:discover")
        for headers in [{"Origin": FOREIGN}, {}, {"Origin": "null"}, {"Origin": "http://127.0.0.1:8091"},
                        {"Origin": "https://contoso.com.evil.example"}, {"Origin": "http://contoso.com"}]:
            with self.subTest(headers=headers):
                r = p.call("GET", discover, headers=headers)
                assert_error(r, 403, "Forbidden", "InvalidOrigin")
                self.assert_no_cors(r)
        for origin in [ORIGIN, CONTOSO]:
            r = p.call("GET", discover, headers={"Origin": origin})
            self.assertEqual(r.status, 200, r)
            self.assert_cors(r, origin)
        # A discover context that is not a token.
        self.assert_unauthorized(p.call("GET", "/platformservice/discover?anonymousContext=psat%3dnope",
                                        headers={"Origin": ORIGIN}), "InvalidToken")

    def test_allowed_origins_are_validated(self):
        p = self.platform
        sa = ServiceApp(p)
        href = link(sa.app, "ms:rtc:saas:anonApplicationTokens")
        for origins in ["http://contoso.com", "https://contoso.com/chat", "https://contoso.com/chat/",
                        "https://contoso.com?x=1", "https://contoso.com#top", "*", "contoso.com",
                        "ftp://contoso.com", "https://user@contoso.com", "https://contoso.com:port",
                        ORIGIN + ";http://litware.com", "javascript:alert(1)"]:
            with self.subTest(origins=origins):
                assert_error(p.call("POST", href, {"applicationSessionId": "s", "allowedOrigins": origins}, sa.auth),
                             400, "BadRequest", "InvalidOrigin")
        for origins in ["", ";", " ; ", ";".join(f"https://site{i}.example" for i in range(33))]:
            with self.subTest(origins=origins):
                assert_error(p.call("POST", href, {"applicationSessionId": "s", "allowedOrigins": origins}, sa.auth),
                             400, "BadRequest")
        # Loopback http is allowed by this test configuration, https anywhere.
        for origins in [ORIGIN, "https://contoso.com;https://www.litware.com:8443", "http://localhost:3000"]:
            r = p.call("POST", href, {"applicationSessionId": "s", "allowedOrigins": origins}, sa.auth)
            self.assertEqual(r.status, 200, (origins, r))

    def test_cors_on_the_anonymous_side(self):
        p = self.platform
        sa = ServiceApp(p)
        tok = sa.anon_token(origins=ORIGIN + ";" + CONTOSO)
        auth = bearer(tok["token"])
        anon = "/ucwa/psanon/v1/applications"
        # Creating the application from the second allowed origin: that origin, exactly.
        r = p.call("POST", anon, {"anonymousDisplayName": "Janardhan"}, dict(auth, Origin=CONTOSO))
        self.assertEqual(r.status, 201, r)
        self.assert_cors(r, CONTOSO)
        app = r.json
        for origin in [ORIGIN, CONTOSO]:
            r = p.call("GET", link(app, "self"), headers=dict(auth, Origin=origin))
            self.assertEqual(r.status, 200, r)
            self.assert_cors(r, origin)
        # Errors are readable by the page too.
        r = p.call("GET", link(app, "self") + "/communication/conversations/0000", headers=dict(auth, Origin=CONTOSO))
        assert_error(r, 404, "NotFound")
        self.assert_cors(r, CONTOSO)
        # Preflights: the collection (no token yet) and a sub-resource of the application.
        preflight = {"Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization, content-type"}
        for href in [anon, link(app["_embedded"]["communication"], "startMessaging"), link(app, "events")]:
            with self.subTest(preflight=href):
                r = p.call("OPTIONS", href, headers=dict(preflight, Origin=CONTOSO))
                self.assertIn(r.status, (200, 204), r)
                self.assert_cors(r, CONTOSO)
                self.assertIn("POST", r.header("access-control-allow-methods"))
                allowed = (r.header("access-control-allow-headers") or "").lower()
                self.assertIn("authorization", allowed)
                self.assertIn("content-type", allowed)
                # A foreign origin gets a 403 and no CORS headers.
                r = p.call("OPTIONS", href, headers=dict(preflight, Origin=FOREIGN))
                assert_error(r, 403, "Forbidden", "InvalidOrigin")
                self.assert_no_cors(r)
        # Preflight for an application that does not exist.
        r = p.call("OPTIONS", anon + "/0123456789abcdef/events", headers=dict(preflight, Origin=CONTOSO))
        assert_error(r, 403, "Forbidden", "InvalidOrigin")
        self.assert_no_cors(r)
        # Real requests from a foreign origin: refused, no CORS.
        r = p.call("POST", anon, {"anonymousDisplayName": "Mallory"}, dict(auth, Origin=FOREIGN))
        assert_error(r, 403, "Forbidden", "InvalidOrigin")
        self.assert_no_cors(r)
        for href in [link(app, "self"), link(app, "events") + "&timeout=0"]:
            r = p.call("GET", href, headers=dict(auth, Origin=FOREIGN))
            assert_error(r, 403, "Forbidden", "InvalidOrigin")
            self.assert_no_cors(r)
        r = p.call("POST", link(app["_embedded"]["communication"], "startMessaging"), {"to": HELPDESK},
                   dict(auth, Origin=FOREIGN))
        assert_error(r, 403, "Forbidden", "InvalidOrigin")
        self.assert_no_cors(r)
        # Nothing was started by the refused requests.
        r = p.call("GET", link(app, "events") + "&timeout=0", headers=dict(auth, Origin=CONTOSO))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["sender"], [])


class IsolationTest(PlatformTestCase):
    def test_second_application_cannot_touch_the_first_ones(self):
        p = self.platform
        sa = ServiceApp(p)
        litware = ServiceApp(p, "litware", "litware-secret")
        self.assertEqual(litware.app["id"], LITWARE_ID)
        visitor = Visitor(p, sa.anon_token())
        # A helpdesk visitor cannot invite litware's endpoint.
        r = visitor.call("POST", link(visitor.app["_embedded"]["communication"], "startMessaging"),
                         {"operationId": "x", "to": LITWARE})
        assert_error(r, 403, "Forbidden", "InvalidDestination")
        chat = Chat(sa, visitor, self.callbacks).start_meeting().add_messaging()
        inv = chat.invitation
        # Litware's own meeting: helpdesk cannot bridge its visitor into it.
        lit_meeting = litware.post(link(litware.app["_embedded"]["ms:rtc:saas:communication"],
                                        "ms:rtc:saas:startAdhocMeeting"), {"subject": "litware"}, expect=(201,)).json
        r = p.call("POST", link(inv, "ms:rtc:saas:acceptAndBridge"),
                   {"onlineMeetingUri": lit_meeting["onlineMeetingUri"]}, sa.auth)
        assert_error(r, 404, "NotFound")
        # With the first application's id in the path: 403.
        for href in [link(sa.app, "self"), link(inv, "self"), link(chat.meeting, "self"),
                     link(chat.messaging, "self"), link(sa.app, "ms:rtc:saas:events")]:
            with self.subTest(href=href):
                assert_error(p.call("GET", href, headers=litware.auth), 403, "Forbidden")
        for href, body in [(link(inv, "ms:rtc:saas:acceptAndBridge"), {"onlineMeetingUri": chat.meeting_uri}),
                           (link(inv, "ms:rtc:saas:decline"), None),
                           (link(sa.app, "ms:rtc:saas:anonApplicationTokens"),
                            {"applicationSessionId": "s", "allowedOrigins": ORIGIN})]:
            assert_error(p.call("POST", href, body, litware.auth), 403, "Forbidden")
        assert_error(p.call("DELETE", link(chat.meeting, "self"), headers=litware.auth), 403, "Forbidden")
        # Its own application id, the first one's endpoint: 403.
        for href in [link(litware.app, "self").replace("endpointId=" + LITWARE, "endpointId=" + HELPDESK),
                     "/platformservice/v1/applications/" + LITWARE_ID + "?endpointId=" + HELPDESK]:
            assert_error(p.call("GET", href, headers=litware.auth), 403, "Forbidden", "EndpointMismatch")
        with self.subTest("events with another application's endpointId"):
            assert_error(p.call("GET", link(litware.app, "ms:rtc:saas:events").replace("endpointId=" + LITWARE,
                                                                                      "endpointId=" + HELPDESK)
                                + "&timeout=0", headers=litware.auth), 403, "Forbidden", "EndpointMismatch")
        assert_error(p.call("POST", "/platformservice/v1/applications/" + LITWARE_ID +
                            "/anonApplicationTokens?endpointId=" + HELPDESK,
                            {"applicationSessionId": "s", "allowedOrigins": ORIGIN}, litware.auth),
                     403, "Forbidden", "EndpointMismatch")
        # Its own path, the first one's ids: 404, as if they did not exist.
        meeting_id = chat.meeting["threadId"]
        for href in [link(inv, "self"), link(inv, "ms:rtc:saas:conversation"), link(chat.meeting, "self"),
                     link(chat.messaging, "self"), link(chat.meeting, "ms:rtc:saas:participants"),
                     link(chat.meeting, "ms:rtc:saas:onlineMeeting")]:
            with self.subTest(href=as_litware(href)):
                assert_error(p.call("GET", as_litware(href), headers=litware.auth), 404, "NotFound")
        for href, body in [(link(inv, "ms:rtc:saas:acceptAndBridge"), {"onlineMeetingUri": lit_meeting["onlineMeetingUri"]}),
                           (link(inv, "ms:rtc:saas:decline"), None),
                           (link(chat.meeting, "ms:rtc:saas:addParticipant"), {"to": "sip:alice@contoso.com"}),
                           ("/platformservice/v1/applications/" + HELPDESK_ID + "/communication/messagingInvitations"
                            "?endpointId=" + HELPDESK + "&conversationId=" + meeting_id, {})]:
            with self.subTest(post=as_litware(href)):
                assert_error(p.call("POST", as_litware(href), body, litware.auth), 404, "NotFound")
        r = p.call("POST", as_litware(link(chat.messaging, "ms:rtc:saas:sendMessage")), "hello",
                   dict(litware.auth, **{"Content-Type": "text/plain"}))
        assert_error(r, 404, "NotFound")
        assert_error(p.call("DELETE", as_litware(link(chat.meeting, "self")), headers=litware.auth), 404, "NotFound")
        # Now bridge, and try the bridge and a participant invitation too.
        chat.accept_and_bridge()
        pinv = sa.post(link(chat.meeting, "ms:rtc:saas:addParticipant"), {"to": "sip:carol@contoso.com"},
                       expect=(201,)).json
        for href in [link(chat.bridge, "self"), link(chat.bridge, "ms:rtc:saas:bridgedParticipants"), link(pinv, "self")]:
            with self.subTest(href=as_litware(href)):
                assert_error(p.call("GET", as_litware(href), headers=litware.auth), 404, "NotFound")
        r = p.call("POST", as_litware(link(chat.bridge, "ms:rtc:saas:bridgedParticipants")),
                   {"displayName": "x", "participantUri": "sip:bob@contoso.com"}, litware.auth)
        assert_error(r, 404, "NotFound")
        # Litware's own event stream holds nothing of the first application's.
        r = p.call("GET", link(litware.app, "ms:rtc:saas:events") + "&timeout=0", headers=litware.auth)
        self.assertEqual(r.status, 200, r)
        self.assertNotIn(HELPDESK_ID, r.raw)
        self.assertNotIn(meeting_id, r.raw)
        # None of this disturbed the chat.
        self.assertEqual(sa.get(link(chat.meeting, "self"))["state"], "Conferenced")
        sa.post(link(chat.messaging, "ms:rtc:saas:sendMessage"), "still here", headers={"Content-Type": "text/plain"},
                expect=(201,))
        visitor.events.wait_for("message", "completed", lambda e: "still%20here" in link(embedded(e), "plainMessage"))

    def test_a_visitor_cannot_reach_another_visitors_resources(self):
        p = self.platform
        sa = ServiceApp(p)
        first = Visitor(p, sa.anon_token(session="one"))
        second = Visitor(p, sa.anon_token(session="two"), name="Mallory")
        self.assertNotEqual(first.app["id"], second.app["id"])
        chat = Chat(sa, first, self.callbacks).open()
        conv = link(chat.visitor_invitation, "conversation")
        mine = lambda href: href.replace(first.app["id"], second.app["id"])
        # The first visitor's hrefs, and the same ids under the second visitor's application.
        for href in [link(first.app, "self"), link(first.app, "events") + "&timeout=0",
                     link(first.app["_embedded"]["communication"], "self"),
                     link(chat.visitor_invitation, "self"), conv, link(chat.visitor_messaging, "self"),
                     mine(link(chat.visitor_invitation, "self")), mine(conv), mine(link(chat.visitor_messaging, "self")),
                     mine(link(chat.visitor_messaging, "typingParticipants")), mine(conv + "/participants")]:
            with self.subTest(href=href):
                assert_error(second.call("GET", href), 404, "NotFound")
        for href in [link(chat.visitor_messaging, "sendMessage"), mine(link(chat.visitor_messaging, "sendMessage"))]:
            assert_error(second.call("POST", href, "hi", {"Content-Type": "text/plain"}), 404, "NotFound")
        for href in [link(chat.visitor_messaging, "setIsTyping"), mine(link(chat.visitor_messaging, "setIsTyping")),
                     link(chat.visitor_messaging, "stopMessaging"), mine(link(chat.visitor_messaging, "stopMessaging"))]:
            assert_error(second.call("POST", href), 404, "NotFound")
        for href in [conv, mine(conv), link(first.app, "self")]:
            assert_error(second.call("DELETE", href), 404, "NotFound")
        # The first visitor's chat is intact.
        r = first.call("POST", link(chat.visitor_messaging, "sendMessage"), "still mine", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                and "still%20mine" in str(embedded(e)["_links"].get("plainMessage")))

    def test_an_agent_cannot_accept_another_agents_invitation(self):
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        alice, bob = Agent(p, "alice", "alice-pass"), Agent(p, "bob", "bob-pass")
        alice.make_available()
        bob.make_available()
        chat = Chat(sa, visitor, self.callbacks).open()
        sa.post(link(chat.meeting, "ms:rtc:saas:addParticipant"), {"operationId": "for-alice", "to": alice.uri},
                expect=(201,))
        inv = embedded(alice.events.wait_for("onlineMeetingInvitation", "started"))
        as_bob = lambda href: href.replace(alice.app["id"], bob.app["id"])
        for href in [link(inv, "self"), as_bob(link(inv, "self")), link(inv, "conversation"), as_bob(link(inv, "conversation"))]:
            with self.subTest(href=href):
                assert_error(bob.call("GET", href), 404, "NotFound")
        for href in [link(inv, "accept"), as_bob(link(inv, "accept")), link(inv, "decline"), as_bob(link(inv, "decline"))]:
            with self.subTest(post=href):
                assert_error(bob.call("POST", href), 404, "NotFound")
        # Alice's invitation is still pending and hers to accept; Bob never joined.
        self.assertEqual(alice.call("POST", link(inv, "accept")).status, 204)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:participant", "added")(s, e)
                                and embedded(e)["uri"] == alice.uri)
        participants = sa.get(link(chat.meeting, "ms:rtc:saas:participants"))
        uris = [x["uri"] for x in participants["_embedded"]["ms:rtc:saas:participant"]]
        self.assertIn(alice.uri, uris)
        self.assertNotIn(bob.uri, uris)
        # Bob cannot reach the meeting conversation through his application either.
        assert_error(bob.call("GET", as_bob(link(inv, "conversation"))), 404, "NotFound")
        assert_error(bob.call("POST", as_bob(link(inv, "conversation")) + "/messaging/messages", "hi",
                              {"Content-Type": "text/plain"}), 404, "NotFound")


if __name__ == "__main__":
    cbtest.main()
