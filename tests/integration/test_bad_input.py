"""Bad input at every step of the call flow: malformed, mistyped and incomplete bodies, wrong
content types, oversized bodies and malformed HTTP, unknown paths and methods, requests in the
wrong state, bad event-channel parameters, a failing callback receiver, CallbackContext, and
bad configuration files. Each refusal is checked for its exact status and protocol error body;
the server must never answer 5xx and must still be alive (and exit cleanly) afterwards.
Auth, origins, expiry and cross-application isolation: test_auth_and_origin.py."""
import http.client
import json
import os
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import cbtest
from cbtest import (HELPDESK, ORIGIN, Agent, Chat, PlatformTestCase, ServiceApp, Visitor, assert_error,
                    default_config, embedded, flatten, is_event, link, to_toml)

JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def split_href(href):
    """("/path", "query") of a host-relative href."""
    path, _, query = href.partition("?")
    return path, query


def sub_href(href, suffix):
    """href with `suffix` appended to its path, query kept (for links the server only offers
    in another state: the point of these tests is to call them anyway)."""
    path, query = split_href(href)
    return path + suffix + ("?" + query if query else "")


def with_query(href, **params):
    path, _ = split_href(href)
    return path + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def raw_request(platform, method, href, body=None, headers=None, timeout=10):
    """(status, headers, body bytes): for answers that might not be valid UTF-8."""
    url = urllib.parse.urlsplit(platform.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(method, href, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def raw_exchange(platform, data, timeout=10):
    """Sends raw bytes on a new connection; returns the parsed response (status, headers, body)."""
    url = urllib.parse.urlsplit(platform.url)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        sock.sendall(data)
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        body = resp.read().decode()
        return cbtest.Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)


class BodyTest(PlatformTestCase):
    def test_malformed_and_mistyped_json(self):
        p = self.platform
        sa = ServiceApp(p)
        href = link(sa.app, "ms:rtc:saas:anonApplicationTokens")
        good = '{"applicationSessionId": "s", "allowedOrigins": "%s"}' % ORIGIN
        cases = [
            ("{", "MalformedJson"), (good[:-1], "MalformedJson"), (good[:-1] + ",}", "MalformedJson"),
            ("[]", "MalformedJson"), ("[" + good + "]", "MalformedJson"), ('"text"', "MalformedJson"),
            ("null", "MalformedJson"), ("42", "MalformedJson"), ("[" * 5000 + "]" * 5000, "MalformedJson"),
            (good.replace('"s"', '"\xff\xfe"').encode("latin-1"), "MalformedJson"),  # not UTF-8
            ("{'applicationSessionId': 's'}", "MalformedJson"),
            ('{"applicationSessionId": 5, "allowedOrigins": "%s"}' % ORIGIN, "InvalidParameter"),
            ('{"applicationSessionId": "s", "allowedOrigins": ["%s"]}' % ORIGIN, "InvalidParameter"),
            ('{"applicationSessionId": {"a": 1}, "allowedOrigins": "%s"}' % ORIGIN, "InvalidParameter"),
            ('{"applicationSessionId": true, "allowedOrigins": "%s"}' % ORIGIN, "InvalidParameter"),
            ('{"applicationSessionId": "s"}', "MissingParameter"),
            ('{"applicationSessionId": "s", "allowedOrigins": null}', "MissingParameter"),
            ('{"allowedOrigins": "%s"}' % ORIGIN, "MissingParameter"),
            ("{}", "MissingParameter"),
            ('{"applicationSessionId": "", "allowedOrigins": "%s"}' % ORIGIN, "InvalidParameter"),
            ('{"applicationSessionId": "%s", "allowedOrigins": "%s"}' % ("x" * 257, ORIGIN), "InvalidParameter"),
            ("", "MissingBody"),
        ]
        for body, subcode in cases:
            with self.subTest(body=body[:60]):
                assert_error(p.call("POST", href, body, dict(sa.auth, **JSON)), 400, "BadRequest", subcode)
        # A JSON body labelled as something else.
        for ctype in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]:
            with self.subTest(ctype=ctype):
                assert_error(p.call("POST", href, good, dict(sa.auth, **{"Content-Type": ctype})),
                             415, "UnsupportedMediaType")
        # The visitor's application.
        tok = sa.anon_token()
        vh = {"Authorization": "Bearer " + tok["token"], "Origin": ORIGIN}
        anon = "/ucwa/psanon/v1/applications"
        for body, subcode in [("{", "MalformedJson"), ("[]", "MalformedJson"), ("", "MissingBody"),
                              ('{"anonymousDisplayName": 5}', "InvalidParameter"),
                              ('{"anonymousDisplayName": ["Jan"]}', "InvalidParameter"),
                              ('{"userAgent": "x"}', "MissingParameter"),
                              ('{"anonymousDisplayName": ""}', "InvalidParameter"),
                              ('{"anonymousDisplayName": "%s"}' % ("J" * 129), "InvalidParameter")]:
            with self.subTest(visitor=body):
                assert_error(p.call("POST", anon, body, dict(vh, **JSON)), 400, "BadRequest", subcode)
        assert_error(p.call("POST", anon, '{"anonymousDisplayName": "Jan"}', dict(vh, **TEXT)), 415, "UnsupportedMediaType")
        # The agent's application.
        alice = Agent(p, "alice", "alice-pass")
        apps = split_href(link(alice.app, "self"))[0].rsplit("/", 1)[0]
        for body, subcode in [("{", "MalformedJson"), ("[1]", "MalformedJson"),
                              ('{"EndpointId": 5}', "InvalidParameter"), ('{"endpointId": ""}', "InvalidParameter"),
                              ('{"EndpointId": "%s"}' % ("e" * 129), "InvalidParameter")]:
            with self.subTest(agent=body):
                assert_error(p.call("POST", apps, body, dict(alice.headers, **JSON)), 400, "BadRequest", subcode)
        me = alice.app["_embedded"]["me"]
        assert_error(alice.call("POST", link(me, "makeMeAvailable"), "[1]", JSON), 400, "BadRequest", "MalformedJson")
        assert_error(alice.call("POST", link(me, "makeMeAvailable"), '{"SupportedModalities": ["Messaging"]}', TEXT),
                     415, "UnsupportedMediaType")
        presence = sub_href(link(me, "self"), "/presence")
        assert_error(alice.call("POST", presence, {"availability": "Sleeping"}), 400, "BadRequest", "InvalidParameter")
        assert_error(alice.call("POST", presence, {"availability": 1}), 400, "BadRequest", "InvalidParameter")
        assert_error(alice.call("POST", presence, {}), 400, "BadRequest", "MissingParameter")
        # After all that, everything still works.
        self.assertEqual(p.call("POST", href, good, dict(sa.auth, **JSON)).status, 200)
        Visitor(p, sa.anon_token(session="after"))

    def test_media_types_are_case_insensitive(self):
        # RFC 9110, 8.3.1: type, subtype and charset names are case-insensitive.
        p = self.platform
        sa = ServiceApp(p)
        href = link(sa.app, "ms:rtc:saas:anonApplicationTokens")
        body = '{"applicationSessionId": "s", "allowedOrigins": "%s"}' % ORIGIN
        for ctype in ["Application/JSON", "APPLICATION/JSON; Charset=UTF-8"]:
            with self.subTest(ctype=ctype):
                r = p.call("POST", href, body, dict(sa.auth, **{"Content-Type": ctype}))
                self.assertEqual(r.status, 200, r)
        r = p.call("POST", "/oauth2/token", "grant_type=client_credentials&client_id=helpdesk&client_secret=helpdesk-secret",
                   {"Content-Type": "Application/X-WWW-Form-URLEncoded; charset=UTF-8"})
        self.assertEqual(r.status, 200, r)
        visitor = Visitor(p, sa.anon_token())
        chat = Chat(sa, visitor, self.callbacks).open()
        r = visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), "Hi", {"Content-Type": "Text/Plain; Charset=UTF-8"})
        self.assertEqual(r.status, 201, r)

    def test_invalid_utf8_in_a_query_is_never_echoed(self):
        # operationId arrives percent-encoded in sendMessage's query; bytes that are not UTF-8
        # must be refused (or replaced), never copied into JSON answers, events or callbacks.
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        chat = Chat(sa, visitor, self.callbacks).open()
        events_from = visitor.events.poll(timeout=0) and visitor.events.next

        def utf8_json(raw, what):
            try:
                return json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as e:
                problem = f"{what} is not UTF-8: {e}: ...{raw[max(0, e.start - 40):e.start + 10]!r}..."
            self.fail(problem)

        for href, headers in [(link(chat.messaging, "ms:rtc:saas:sendMessage") + "&operationId=%FF%FEop", sa.auth),
                              (link(chat.visitor_messaging, "sendMessage") + "?operationId=%C0%AF", visitor.headers)]:
            with self.subTest(href=href):
                status, rh, body = raw_request(p, "POST", href, "hi", dict(headers, **TEXT))
                self.assertTrue(status == 400 or 200 <= status < 300, (status, body))
                if body:
                    utf8_json(body, f"the {status} answer")
                if status == 400:
                    assert_error(cbtest.Response(status, rh, body.decode()), 400, "BadRequest")
        # A marker after them; everything up to it must be UTF-8 JSON, on both channels.
        sa.post(link(chat.messaging, "ms:rtc:saas:sendMessage") + "&operationId=marker", "marker", headers=TEXT,
                expect=(201,))
        with self.subTest(channel="visitor events"):
            status, _, body = raw_request(p, "GET", events_from + "&timeout=5", None, visitor.headers)
            self.assertEqual(status, 200)
            self.assertIn("marker", repr(utf8_json(body, "the visitor's event channel")))
        deadline = time.monotonic() + 10
        with self.callbacks.cond:
            while not self.callbacks.malformed and time.monotonic() < deadline and not any(
                    is_event("ms:rtc:saas:message", "completed")(s, e) and embedded(e).get("operationId") == "marker"
                    for _, _, s, e in self.callbacks._flat()):
                self.callbacks.cond.wait(0.2)
            malformed = [(path, raw[:200]) for path, raw in self.callbacks.malformed]
        self.assertEqual(malformed, [], "callbacks that are not UTF-8 JSON")

    def test_call_flow_requests_validate_their_bodies(self):
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        alice = Agent(p, "alice", "alice-pass")
        alice.make_available()

        # Step 6: the visitor's invitation.
        start = link(visitor.app["_embedded"]["communication"], "startMessaging")
        for body, status, code, subcode in [
                ({}, 400, "BadRequest", "MissingParameter"),
                ({"subject": "help"}, 400, "BadRequest", "MissingParameter"),
                ({"to": 5}, 400, "BadRequest", "InvalidParameter"),
                ({"to": HELPDESK, "subject": 5}, 400, "BadRequest", "InvalidParameter"),
                ({"to": HELPDESK, "customContent": {"a": 1}}, 400, "BadRequest", "InvalidParameter"),
                ({"to": HELPDESK, "subject": "s" * 257}, 400, "BadRequest", "InvalidParameter"),
                ({"to": HELPDESK, "customContent": "c" * 4097}, 400, "BadRequest", "InvalidParameter"),
                ([{"to": HELPDESK}], 400, "BadRequest", "MalformedJson"),
                ({"to": "sip:nobody@contoso.com"}, 403, "Forbidden", "InvalidDestination"),
                ({"to": "helpdesk@contoso.com"}, 403, "Forbidden", "InvalidDestination")]:
            with self.subTest(invite=body):
                assert_error(visitor.call("POST", start, body), status, code, subcode)
        assert_error(visitor.call("POST", start, '{"to": "%s"' % HELPDESK, JSON), 400, "BadRequest", "MalformedJson")
        assert_error(visitor.call("POST", start, '{"to": "%s"}' % HELPDESK, TEXT), 415, "UnsupportedMediaType")
        chat = Chat(sa, visitor, self.callbacks)
        inv = chat.invitation

        # Step 8: the meeting.
        adhoc = link(inv, "ms:rtc:saas:startAdhocMeeting")
        for body, subcode in [({"callbackUrl": "ftp://127.0.0.1/cb"}, "InvalidParameter"),
                              ({"callbackUrl": "http://example.com/cb"}, "InvalidParameter"),
                              ({"callbackUrl": "not a url"}, "InvalidParameter"),
                              ({"callbackUrl": "/relative"}, "InvalidParameter"),
                              ({"callbackUrl": 5}, "InvalidParameter"), ({"subject": 5}, "InvalidParameter"),
                              ({"operationId": ["x"]}, "InvalidParameter"), ("{", "MalformedJson"),
                              ("[]", "MalformedJson"), ("", "MissingBody")]:
            with self.subTest(adhoc=body):
                assert_error(p.call("POST", adhoc, body, dict(sa.auth, **JSON)), 400, "BadRequest", subcode)
        chat.start_meeting()
        add_messaging = link(chat.messaging, "ms:rtc:saas:addMessaging")
        meeting_id = chat.meeting["threadId"]
        chat_id = inv["threadId"]
        for body, subcode in [("{", "MalformedJson"), ("[]", "MalformedJson"), ('{"operationId": 5}', "InvalidParameter")]:
            assert_error(sa.p.call("POST", add_messaging, body, dict(sa.auth, **JSON)), 400, "BadRequest", subcode)
        base = with_query(add_messaging, endpointId=HELPDESK)
        assert_error(sa.p.call("POST", base, {}, sa.auth), 400, "BadRequest", "MissingParameter")
        assert_error(sa.p.call("POST", base + "&conversationId=0000000000000000", {}, sa.auth), 404, "NotFound")
        assert_error(sa.p.call("POST", base + "&conversationId=" + chat_id, {}, sa.auth), 409, "Conflict", "InvalidState")
        chat.add_messaging()

        # Step 9: acceptAndBridge.
        accept = link(inv, "ms:rtc:saas:acceptAndBridge")
        for body, status, subcode in [({}, 400, "MissingParameter"),
                                      ({"impersonatedDisplayName": "x"}, 400, "MissingParameter"),
                                      ({"onlineMeetingUri": 5}, 400, "InvalidParameter"),
                                      ({"onlineMeetingUri": chat.meeting_uri, "impersonatedDisplayName": 5}, 400, "InvalidParameter"),
                                      ([chat.meeting_uri], 400, "MalformedJson")]:
            with self.subTest(accept=body):
                assert_error(sa.p.call("POST", accept, body, sa.auth), status, "BadRequest", subcode)
        assert_error(sa.p.call("POST", accept, {"onlineMeetingUri": "sip:nope@contoso.com"}, sa.auth), 404, "NotFound")
        assert_error(sa.p.call("POST", accept, '{"onlineMeetingUri": "%s"}' % chat.meeting_uri, dict(sa.auth, **TEXT)),
                     415, "UnsupportedMediaType")
        chat.accept_and_bridge()

        # Step 11: bridged participants.
        bps = link(chat.bridge, "ms:rtc:saas:bridgedParticipants")
        for body, subcode in [
                ({"displayName": "john", "participantUri": "sip:alice@contoso.com", "messageFilterState": "Maybe"}, "InvalidParameter"),
                ({"displayName": "john", "participantUri": "sip:alice@contoso.com", "messageFilterState": True}, "InvalidParameter"),
                ({"displayName": "john", "participantUri": "alice@contoso.com"}, "InvalidParameter"),
                ({"displayName": "john", "participantUri": 7}, "InvalidParameter"),
                ({"displayName": "john"}, "MissingParameter"),
                ({"participantUri": "sip:alice@contoso.com"}, "MissingParameter")]:
            with self.subTest(bridged=body):
                assert_error(sa.p.call("POST", bps, body, sa.auth), 400, "BadRequest", subcode)
        self.assertEqual(sa.get(bps)["_embedded"]["ms:rtc:saas:bridgedParticipant"], [])

        # Step 14: addParticipant.
        add = link(chat.meeting, "ms:rtc:saas:addParticipant")
        for body, subcode in [({"to": "alice@contoso.com"}, "InvalidParameter"), ({"to": "sip:alice"}, "InvalidParameter"),
                              ({"to": "tel:+15550100"}, "InvalidParameter"), ({"to": 5}, "InvalidParameter"),
                              ({}, "MissingParameter"), ({"operationId": "x"}, "MissingParameter"),
                              ("{", "MalformedJson"), ("", "MissingBody")]:
            with self.subTest(add=body):
                assert_error(sa.p.call("POST", add, body, dict(sa.auth, **JSON)), 400, "BadRequest", subcode)
        add_base = with_query(add, endpointId=HELPDESK)
        assert_error(sa.p.call("POST", add_base, {"to": alice.uri}, sa.auth), 400, "BadRequest", "MissingParameter")
        assert_error(sa.p.call("POST", add_base + "&conversationId=" + chat_id, {"to": alice.uri}, sa.auth),
                     409, "Conflict", "InvalidState")
        self.assertEqual(alice.events.poll(timeout=0)["sender"], [], "a refused addParticipant invited the agent")

        # Step 12: message bodies, both sides.
        send = link(chat.messaging, "ms:rtc:saas:sendMessage")
        vsend = link(chat.visitor_messaging, "sendMessage")
        for href, headers in [(send, sa.auth), (vsend, visitor.headers)]:
            assert_error(p.call("POST", href, "", dict(headers, **TEXT)), 400, "BadRequest", "MissingBody")
            assert_error(p.call("POST", href, None, dict(headers, **TEXT)), 400, "BadRequest", "MissingBody")
            for ctype in ["application/json", "image/png", "text/xml", "multipart/mixed; boundary=x"]:
                with self.subTest(ctype=ctype, href=href):
                    assert_error(p.call("POST", href, '{"text": "hi"}', dict(headers, **{"Content-Type": ctype})),
                                 415, "UnsupportedMediaType")
        # The chat still works.
        r = sa.post(send + "&operationId=ok", "Welcome", headers=TEXT, expect=(201,))
        e = visitor.events.wait_for("message", "completed")
        self.assertEqual(link(embedded(e), "plainMessage"), "data:text/plain;charset=utf-8,Welcome")


class SizeLimitTest(PlatformTestCase):
    LIMIT = 2048

    def config(self, callback_url):
        cfg = default_config(callback_url)
        cfg["limits"] = {"body_limit": self.LIMIT}
        return cfg

    def test_oversized_bodies(self):
        # 413, with the UCWA code for it ("EntityTooLarge": the README asks for codes from the
        # UCWA set, ErrorCode_ref.md).
        p = self.platform
        sa = ServiceApp(p)
        href = link(sa.app, "ms:rtc:saas:anonApplicationTokens")

        def body_of(size):
            head = '{"allowedOrigins": "%s", "applicationSessionId": "' % ORIGIN
            return head + "x" * (size - len(head) - 2) + '"}'

        def too_large(what, r):
            with self.subTest(what):
                assert_error(r, 413, "EntityTooLarge")

        # At the limit the body is read (and refused for its content); one byte over, 413.
        assert_error(p.call("POST", href, body_of(self.LIMIT), dict(sa.auth, **JSON)), 400, "BadRequest", "InvalidParameter")
        for size in [self.LIMIT + 1, 10 * self.LIMIT]:
            too_large(f"{size} bytes", p.call("POST", href, body_of(size), dict(sa.auth, **JSON)))
        # Anywhere: unknown path, no token, a message body.
        too_large("unknown path", p.call("POST", "/nowhere", "x" * 5000, TEXT))
        visitor = Visitor(p, sa.anon_token())
        chat = Chat(sa, visitor, self.callbacks).open()
        too_large("message", visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), "y" * 5000, TEXT))
        # Chunked, without a Content-Length.
        url = urllib.parse.urlsplit(p.url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("POST", href, body=iter([b"{" + b" " * 1000] * 5 + [b"}"]),
                     headers=dict(sa.auth, **JSON), encode_chunked=True)
        resp = conn.getresponse()
        r = cbtest.Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode())
        conn.close()
        too_large("chunked", r)
        # A message that fits is delivered.
        r = visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), "z" * 1000, TEXT)
        self.assertEqual(r.status, 201, r)
        visitor.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Outgoing")


class HttpTest(PlatformTestCase):
    def test_unknown_paths(self):
        p = self.platform
        sa = ServiceApp(p)
        for path in ["/", "/nope", "/platformservice", "/platformservice/v1", "/platformservice/discover/x",
                     "/platformservice/v1/applications/1627259584/bogus",
                     "/platformservice/v1/applications/1627259584/communication/conversations/x/messaging/bogus",
                     "/ucwa/psanon/v1", "/ucwa/psanon/v1/bogus", "/ucwa/v1/applications/x/y/z/w",
                     "/.well-known/other", "/oauth2/token/x", "/%00", "/a%2Fb", "/" + "a/" * 200]:
            with self.subTest(path=path):
                for headers in [{}, sa.auth]:
                    assert_error(p.call("GET", path, headers=headers), 404, "NotFound")
        assert_error(p.call("POST", "/nope", {"a": 1}, sa.auth), 404, "NotFound")

    def test_wrong_methods(self):
        p = self.platform
        sa = ServiceApp(p)
        for method, path in [("DELETE", "/platformservice/discover"), ("POST", "/platformservice/discover"),
                             ("PUT", "/oauth2/token"), ("GET", "/oauth2/token"), ("DELETE", "/oauth2/token"),
                             ("GET", "/ucwa/psanon/v1/applications"), ("PATCH", "/platformservice/v1/applications"),
                             ("POST", "/platformservice/v1/applications"), ("DELETE", "/healthz"),
                             ("POST", "/.well-known/jwks.json"), ("PUT", link(sa.app, "self")),
                             ("GET", link(sa.app, "ms:rtc:saas:anonApplicationTokens")),
                             ("DELETE", link(sa.app, "ms:rtc:saas:anonApplicationTokens"))]:
            with self.subTest(method=method, path=path):
                assert_error(p.call(method, path, headers=sa.auth), 405, "MethodNotAllowed")

    def test_405_names_the_allowed_methods(self):
        # RFC 9110, 15.5.6: a 405 response MUST carry Allow with the resource's methods.
        p = self.platform
        for method, path, allowed in [("DELETE", "/platformservice/discover", "GET"),
                                      ("GET", "/oauth2/token", "POST"),
                                      ("GET", "/ucwa/psanon/v1/applications", "POST")]:
            with self.subTest(method=method, path=path):
                r = p.call(method, path)
                assert_error(r, 405, "MethodNotAllowed")
                self.assertIn(allowed, [m.strip() for m in (r.header("allow") or "").split(",")], r.headers)

    def test_head_is_answered_like_get(self):
        # RFC 9110, 9.1: general-purpose servers MUST support HEAD wherever GET is supported.
        p = self.platform
        for path in ["/healthz", "/platformservice/discover", "/.well-known/jwks.json"]:
            with self.subTest(path=path):
                r = p.call("HEAD", path)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.raw, "")

    def test_malformed_http(self):
        p = self.platform
        for data in [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                     b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"]:
            with self.subTest(data=data):
                assert_error(raw_exchange(p, data), 400, "BadRequest")
        r = raw_exchange(p, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
        with self.subTest("header too large"):
            assert_error(r, 431, "EntityTooLarge")  # the UCWA code for "the request is too large"
        # A connection that sends half a request and goes away does no harm.
        url = urllib.parse.urlsplit(p.url)
        with socket.create_connection((url.hostname, url.port), timeout=5) as s:
            s.sendall(b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")


class StateTest(PlatformTestCase):
    def failed_invitation(self, to):
        _, _, _, e = self.callbacks.wait_for(
            lambda s, e: is_event("ms:rtc:saas:participantInvitation", "completed")(s, e) and embedded(e)["to"] == to,
            what="participantInvitation completed for " + to)
        self.assertEqual(e["status"], "Failure", e)
        self.assertTrue(e["reason"]["code"] and e["reason"]["message"], e)
        self.assertIn("subcode", e["reason"])
        return e

    def test_wrong_state(self):
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        alice, bob = Agent(p, "alice", "alice-pass"), Agent(p, "bob", "bob-pass")
        bob.make_available()  # Alice is signed in but not available; Carol is not signed in.
        chat = Chat(sa, visitor, self.callbacks).start_meeting()
        inv = chat.invitation

        # Before the bridge, the visitor cannot talk or type.
        vmsg = visitor.call("GET", link(chat.visitor_invitation, "messaging")).json
        self.assertEqual(vmsg["state"], "Disconnected")
        self.assertNotIn("sendMessage", vmsg["_links"])
        vsend, vtyping = sub_href(link(vmsg, "self"), "/messages"), sub_href(link(vmsg, "self"), "/typing")
        assert_error(visitor.call("POST", vsend, "hello?", TEXT), 409, "Conflict", "InvalidState")
        assert_error(visitor.call("POST", vtyping), 409, "Conflict", "InvalidState")
        # A second chat while this one is live.
        r = visitor.call("POST", link(visitor.app["_embedded"]["communication"], "startMessaging"), {"to": HELPDESK})
        assert_error(r, 409, "Conflict", "ConversationExists")
        # Before addMessaging, the application cannot send.
        self.assertNotIn("ms:rtc:saas:sendMessage", chat.messaging["_links"])
        send = sub_href(link(chat.messaging, "self"), "/messages")
        assert_error(sa.p.call("POST", send, "too early", dict(sa.auth, **TEXT)), 409, "Conflict", "InvalidState")
        add_messaging = link(chat.messaging, "ms:rtc:saas:addMessaging")
        chat.add_messaging()
        assert_error(sa.p.call("POST", add_messaging, {}, sa.auth), 409, "Conflict", "InvalidState")
        self.assertEqual(send, link(chat.messaging, "ms:rtc:saas:sendMessage"))

        # acceptAndBridge twice; decline after accepting; a second meeting cannot take the chat.
        chat.accept_and_bridge()
        body = {"onlineMeetingUri": chat.meeting_uri}
        assert_error(sa.p.call("POST", link(inv, "ms:rtc:saas:acceptAndBridge"), body, sa.auth), 409, "Conflict", "InvalidState")
        assert_error(sa.p.call("POST", link(inv, "ms:rtc:saas:decline"), None, sa.auth), 409, "Conflict", "InvalidState")
        other = sa.post(link(sa.app["_embedded"]["ms:rtc:saas:communication"], "ms:rtc:saas:startAdhocMeeting"),
                        {"subject": "other"}, expect=(201,)).json
        r = sa.p.call("POST", link(inv, "ms:rtc:saas:acceptAndBridge"), {"onlineMeetingUri": other["onlineMeetingUri"]}, sa.auth)
        assert_error(r, 409, "Conflict", "InvalidState")
        # The same bridged participant twice.
        bps = link(chat.bridge, "ms:rtc:saas:bridgedParticipants")
        bp = {"displayName": "john", "participantUri": "sip:bob@contoso.com", "messageFilterState": "Disabled"}
        sa.post(bps, bp, expect=(201,))
        assert_error(sa.p.call("POST", bps, bp, sa.auth), 409, "Conflict", "AlreadyExists")

        # Agents who cannot take the invitation: 201, then a failed participantInvitation.
        add = link(chat.meeting, "ms:rtc:saas:addParticipant")
        for to in ["sip:carol@contoso.com", alice.uri, "sip:nobody@contoso.com"]:
            with self.subTest(add=to):
                r = sa.post(add, {"operationId": "op-" + to, "to": to}, expect=(201,))
                e = self.failed_invitation(to)
                self.assertEqual(embedded(e)["operationId"], "op-" + to)
                self.assertEqual(sa.get(link(r.json, "self"))["state"], "Failed")
        self.assertEqual(alice.events.poll(timeout=0)["sender"], [], "an unavailable agent was invited")

        # Bob joins; inviting him again, accepting again, declining after accepting and joining
        # messaging twice are refused.
        bob_messaging = chat.join_agent(bob, "op-bob")
        bob_inv = chat.agent_invitations[bob.uri]
        assert_error(sa.p.call("POST", add, {"to": bob.uri}, sa.auth), 409, "Conflict", "AlreadyExists")
        assert_error(bob.call("POST", link(bob_inv, "accept")), 409, "Conflict", "InvalidState")
        assert_error(bob.call("POST", link(bob_inv, "decline")), 409, "Conflict", "InvalidState")
        bob_conv = link(bob_messaging, "conversation")
        assert_error(bob.call("POST", sub_href(link(bob_messaging, "self"), "/messagingInvitations")),
                     409, "Conflict", "InvalidState")

        # The application ends the meeting: everything of it is gone, for everyone.
        vmsg = chat.visitor_messaging
        self.assertEqual(sa.p.call("DELETE", link(chat.meeting, "self"), headers=sa.auth).status, 204)
        assert_error(sa.p.call("DELETE", link(chat.meeting, "self"), headers=sa.auth), 404, "NotFound")
        assert_error(sa.p.call("POST", send, "too late", dict(sa.auth, **TEXT)), 404, "NotFound")
        assert_error(sa.p.call("POST", bps, dict(bp, participantUri="sip:carol@contoso.com"), sa.auth), 404, "NotFound")
        assert_error(sa.p.call("POST", add, {"to": bob.uri}, sa.auth), 404, "NotFound")
        assert_error(sa.p.call("POST", add_messaging, {}, sa.auth), 404, "NotFound")
        assert_error(sa.p.call("POST", link(inv, "ms:rtc:saas:acceptAndBridge"), body, sa.auth), 404, "NotFound")
        assert_error(sa.p.call("POST", link(inv, "ms:rtc:saas:decline"), None, sa.auth), 404, "NotFound")
        assert_error(bob.call("POST", link(bob_messaging, "sendMessage"), "bye", TEXT), 404, "NotFound")
        assert_error(bob.call("POST", link(bob_messaging, "setIsTyping")), 404, "NotFound")
        assert_error(bob.call("DELETE", bob_conv), 404, "NotFound")
        assert_error(visitor.call("POST", link(vmsg, "sendMessage"), "anyone?", TEXT), 404, "NotFound")
        assert_error(visitor.call("POST", link(vmsg, "setIsTyping")), 404, "NotFound")
        assert_error(visitor.call("POST", link(vmsg, "stopMessaging")), 404, "NotFound")

    def test_a_declined_chat_cannot_be_bridged(self):
        p = self.platform
        sa = ServiceApp(p)
        v2 = Visitor(p, sa.anon_token(session="two"))
        chat2 = Chat(sa, v2, self.callbacks).start_meeting().add_messaging()
        sa.post(link(chat2.invitation, "ms:rtc:saas:decline"), None, expect=(204,))
        e = v2.events.wait_for("messagingInvitation", "completed")
        self.assertEqual(e["status"], "Failure")
        self.assertEqual(e["reason"]["subcode"], "Declined")
        r = sa.p.call("POST", link(chat2.invitation, "ms:rtc:saas:acceptAndBridge"),
                      {"onlineMeetingUri": chat2.meeting_uri}, sa.auth)
        self.assertIn(r.status, (404, 409), r)
        assert_error(r, r.status, "NotFound" if r.status == 404 else "Conflict")

    def test_links_in_answers_resolve(self):
        # Every self link and Location the platform hands out can be read by its owner.
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        alice = Agent(p, "alice", "alice-pass")
        chat = Chat(sa, visitor, self.callbacks).start_meeting()
        r = sa.post(link(chat.messaging, "ms:rtc:saas:addMessaging"), {"operationId": "am"}, expect=(201,))
        for href in [r.header("location"), link(r.json, "self")]:
            with self.subTest(href=href):
                self.assertEqual(p.call("GET", href, headers=sa.auth).status, 200, href)
        for rel, l in alice.app["_embedded"]["me"]["_links"].items():
            with self.subTest(rel=rel):
                r = alice.call("GET" if rel == "self" else "POST", l["href"], None if rel == "self" else {})
                self.assertNotIn(r.status, (404, 405), (l["href"], r))


class EventChannelTest(PlatformTestCase):
    def test_bad_parameters(self):
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        alice = Agent(p, "alice", "alice-pass")
        Chat(sa, visitor, self.callbacks)  # some events on every channel but Alice's
        for name, href, headers in [("application", link(sa.app, "ms:rtc:saas:events"), sa.auth),
                                    ("visitor", link(visitor.app, "events"), visitor.headers),
                                    ("agent", link(alice.app, "events"), alice.headers)]:
            path, query = split_href(href)
            extra = "endpointId=" + HELPDESK + "&" if "endpointId=" in query else ""
            r = p.call("GET", f"{path}?{extra}ack=1&timeout=0", headers=headers)
            self.assertEqual(r.status, 200, r)
            end = int(link(r.json, "next").split("ack=")[1])
            for params in ["ack=0", "ack=abc", "ack=-1", "ack=1.5", "ack=", "ack=0x10", "ack=%201",
                           f"ack={end + 1}", f"ack={end + 1000}", "ack=99999999999999999999999",
                           "ack=1&timeout=-1", "ack=1&timeout=abc", "ack=1&timeout=1.5", "ack=1&timeout=",
                           "ack=1&timeout=99999999999999999999999"]:
                with self.subTest(channel=name, params=params):
                    assert_error(p.call("GET", f"{path}?{extra}{params}", headers=headers), 400, "BadRequest",
                                 "InvalidParameter")
            # The end itself is a valid position.
            r = p.call("GET", f"{path}?{extra}ack={end}&timeout=0", headers=headers)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json.get("sender", []), [])

    def test_idle_long_poll_returns_an_empty_batch(self):
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        visitor.events.poll(timeout=0)  # whatever is there already
        start = visitor.events.next
        t0 = time.monotonic()
        batch = visitor.events.poll(timeout=1)
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 4)
        self.assertEqual(batch.get("sender", []), [])
        self.assertEqual(link(batch, "next"), link(batch, "self"))
        self.assertEqual(split_href(link(batch, "self"))[1], split_href(start)[1])
        # The application's channel, likewise.
        r = p.call("GET", link(sa.app, "ms:rtc:saas:events") + "&timeout=1", headers=sa.auth)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json.get("sender", []), [])
        self.assertEqual(link(r.json, "next"), link(r.json, "self"))
        # Re-reading a position gives the same batch.
        Chat(sa, visitor, self.callbacks)
        first = visitor.call("GET", start + "&timeout=5")
        again = visitor.call("GET", start + "&timeout=5")
        self.assertEqual(first.status, 200, first)
        self.assertTrue(first.json["sender"])
        self.assertEqual(flatten(first.json), flatten(again.json))
        self.assertEqual(link(first.json, "next"), link(again.json, "next"))


    def test_dropped_long_polls(self):
        # Clients that park a poll and vanish, three at a time, do no harm.
        p = self.platform
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        visitor.events.poll(timeout=0)
        url = urllib.parse.urlsplit(p.url)

        def park(timeout):
            s = socket.create_connection((url.hostname, url.port), timeout=10)
            s.sendall((f"GET {visitor.events.next}&timeout={timeout} HTTP/1.1\r\nHost: x\r\n"
                       f"Authorization: {visitor.headers['Authorization']}\r\nOrigin: {ORIGIN}\r\n\r\n").encode())
            return s

        socks = [park(5) for _ in range(3)]
        p.assert_alive()
        for s in socks:
            s.close()
        Chat(sa, visitor, self.callbacks)
        visitor.events.wait_for("messagingInvitation", "started")
        visitor.events.poll(timeout=0)
        # Deleting the application answers a poll parked on it at once: with the chat's last
        # events, or 404 (the channel is gone).
        parked = park(30)
        p.assert_alive()
        app = link(visitor.app, "self")
        self.assertEqual(visitor.call("DELETE", app).status, 204)
        with parked:
            resp = http.client.HTTPResponse(parked)
            resp.begin()  # times out (socket timeout 10 s) if the poll was left hanging
            body = resp.read().decode()
        r = cbtest.Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        if r.status == 200:
            self.assertIn(("conversation", "deleted"), [(e["link"]["rel"], e["type"]) for _, _, e in flatten(r.json)])
        else:
            assert_error(r, 404, "NotFound")
        assert_error(visitor.call("DELETE", app), 404, "NotFound")
        assert_error(visitor.call("GET", visitor.events.next + "&timeout=0"), 404, "NotFound")


class CallbackTest(PlatformTestCase):
    def posts_with(self, pred):
        """(path, first, last) of every callback POST holding an event that matches pred."""
        out = []
        with self.callbacks.cond:
            for path, headers, env in self.callbacks.received:
                if any(pred(rel, e) for rel, _, e in flatten(env)):
                    first, last = map(int, headers["X-Carebridge-Event-Positions"].split("-"))
                    out.append((path, first, last))
        return out

    def test_failing_receiver_gets_every_callback_once_in_order(self):
        p = self.platform
        self.callbacks.fail_next = 3
        sa = ServiceApp(p)
        visitor = Visitor(p, sa.anon_token())
        chat = Chat(sa, visitor, self.callbacks)
        meeting_url = self.callbacks.url + "/meeting"  # the meeting's own callback URL
        chat.open(callback_url=meeting_url)
        self.callbacks.fail_next = 3
        sa.post(link(chat.messaging, "ms:rtc:saas:sendMessage") + "&operationId=w", "Welcome", headers=TEXT, expect=(201,))
        visitor.events.wait_for("message", "completed")
        r = visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), "Thanks", TEXT)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(p.call("DELETE", link(chat.meeting, "self"), headers=sa.auth).status, 204)
        # Everything the application's event stream holds must arrive by callback.
        r = p.call("GET", link(sa.app, "ms:rtc:saas:events") + "&timeout=0", headers=sa.auth)
        stream = flatten(r.json)
        total = len(stream)
        self.assertEqual(link(r.json, "next").split("ack=")[1], str(total + 1))
        deadline = time.monotonic() + 20
        with self.callbacks.cond:
            while sum(len(flatten(env)) for _, _, env in self.callbacks.received) < total:
                left = deadline - time.monotonic()
                self.assertGreater(left, 0, "callbacks missing")
                self.callbacks.cond.wait(left)
            received = list(self.callbacks.received)
        positions, by_path = [], {}
        for path, headers, env in received:
            first, last = map(int, headers["X-Carebridge-Event-Positions"].split("-"))
            events = flatten(env)
            self.assertEqual(len(events), last - first + 1, headers)
            self.assertEqual(link(env, "self").split("ack=")[1], str(first))
            self.assertEqual(link(env, "next").split("ack=")[1], str(last + 1))
            self.assertEqual(events, stream[first - 1:last], "callback differs from the event stream")
            positions += range(first, last + 1)
            by_path.setdefault(urllib.parse.urlsplit(path).path, []).append((first, last))
        self.assertEqual(sorted(positions), list(range(1, total + 1)), "an event was lost or delivered twice")
        self.assertEqual(set(by_path), {"/callback", "/callback/meeting"})
        for path, ranges in by_path.items():
            for (f1, l1), (f2, l2) in zip(ranges, ranges[1:]):
                self.assertLess(l1, f2, f"{path}: out of order {ranges}")
        # Each conversation went to its own URL.
        meeting_href = link(chat.meeting, "self")
        for path, headers, env in received:
            hrefs = [e["link"]["href"] for _, _, e in flatten(env)]
            if any(h.startswith(split_href(meeting_href)[0]) for h in hrefs):
                self.assertEqual(urllib.parse.urlsplit(path).path, "/callback/meeting", hrefs)

    def settle(self):
        """Every callback so far answered, and one round trip to the platform after that: it has
        read the answers (and the CallbackContext in them), the queues are idle."""
        self.callbacks.wait_answered()
        self.platform.assert_alive()

    def test_callback_context(self):
        p = self.platform
        sa = ServiceApp(p)
        # The receiver answers the first callback of the chat with a context ...
        self.callbacks.context = "ctx1"
        v1 = Visitor(p, sa.anon_token(session="one"))
        chat1 = Chat(sa, v1, self.callbacks)
        self.settle()
        sa.post(link(chat1.invitation, "ms:rtc:saas:decline"), None, expect=(204,))
        chat1_conv = link(chat1.invitation, "ms:rtc:saas:conversation")
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:conversation", "deleted")(s, e)
                                and e["link"]["href"] == chat1_conv)
        started = self.posts_with(lambda s, e: is_event("ms:rtc:saas:messagingInvitation", "started")(s, e)
                                  and embedded(e)["operationId"] == chat1.op)
        self.assertEqual([x[0] for x in started], ["/callback"])
        # ... and the later ones of that conversation, to its very end, carry it.
        later = self.posts_with(lambda s, e: e["link"]["href"] == chat1_conv or
                                (e["link"]["rel"] == "ms:rtc:saas:messagingInvitation" and e["type"] == "completed"))
        self.assertTrue(later)
        with self.subTest("the declined chat's last callbacks"):
            for path, first, last in later:
                self.assertEqual(path, "/callback?callbackContext=ctx1", f"events {first}-{last}")

        # A new conversation starts without a context; one with reserved characters is encoded;
        # a callbackUrl that has a query keeps it; the meeting's last callback carries it too.
        self.callbacks.context = "a b&c=d/é"
        v2 = Visitor(p, sa.anon_token(session="two"))
        chat2 = Chat(sa, v2, self.callbacks)
        self.assertEqual([x[0] for x in self.posts_with(
            lambda s, e: is_event("ms:rtc:saas:messagingInvitation", "started")(s, e)
            and embedded(e)["operationId"] == chat2.op)], ["/callback"])
        chat2.start_meeting(callback_url=self.callbacks.url + "?tenant=7").add_messaging()
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:messagingInvitation", "completed")(s, e)
                                and embedded(e).get("operationId") == chat2.op + "-addmsg")
        self.settle()
        meeting = link(chat2.meeting, "self")
        self.assertEqual(p.call("DELETE", meeting, headers=sa.auth).status, 204)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:conversation", "deleted")(s, e)
                                and e["link"]["href"] == meeting)
        meeting_posts = self.posts_with(lambda s, e: chat2.meeting["threadId"] in e["link"]["href"]
                                        or embedded(e) and chat2.meeting["threadId"] in str(embedded(e)))
        self.assertGreaterEqual(len(meeting_posts), 3, meeting_posts)
        self.assertEqual(meeting_posts[0][0], "/callback?tenant=7")
        with self.subTest("the meeting's callbacks, to the last"):
            for path, first, last in meeting_posts[1:]:
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
                self.assertEqual(query, {"tenant": ["7"], "callbackContext": ["a b&c=d/é"]},
                                 f"{path} events {first}-{last}")


class ConfigTest(unittest.TestCase):
    def run_with(self, text):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "platform.toml")
            with open(path, "w") as f:
                f.write(text)
            proc = subprocess.Popen([cbtest.BINARY, "platform", "--config", path],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                out, err = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                self.fail("the platform started with a bad config: " + out)
            return proc.returncode, out, err

    def test_bad_config_files(self):
        def cfg(edit):
            c = default_config("http://127.0.0.1:9/callback")
            edit(c)
            return to_toml(c)

        cases = [
            ("applications[0].client_secret", cfg(lambda c: c["applications"][0].update(client_secret="short"))),
            ("applications[1].callback_url", cfg(lambda c: c["applications"][1].update(callback_url="http://example.com/cb"))),
            ("applications[1].client_id", cfg(lambda c: c["applications"][1].update(client_id="helpdesk"))),
            ("applications[0].endpoints[0]", cfg(lambda c: c["applications"][0].update(endpoints=["helpdesk"]))),
            ("agents[0].uri", cfg(lambda c: c["agents"][0].update(uri="alice@contoso.com"))),
            ("agents[1].password", cfg(lambda c: c["agents"][1].pop("password"))),
            ("limits.body_limit", cfg(lambda c: c.update(limits={"body_limit": 100}))),
            ("tokens.access_token_ttl", cfg(lambda c: c["tokens"].update(access_token_ttl=0))),
            ("events.long_poll_timeout", cfg(lambda c: c["events"].update(long_poll_timeout="5"))),
            ("security.allow_http_callbacks", cfg(lambda c: c["security"].update(allow_http_callbacks="yes"))),
            ("listen", cfg(lambda c: c.update(listen="localhost:80"))),
            ("colour", cfg(lambda c: c.update(colour="blue"))),
            ("applications", cfg(lambda c: c.update(applications=[]))),
            ("line", "listen = \"127.0.0.1:0\"\n[tokens\n"),
        ]
        for key, text in cases:
            with self.subTest(key=key):
                code, out, err = self.run_with(text)
                self.assertNotIn(code, (0, None), err)
                self.assertNotIn("listening", out)
                self.assertIn(key, err)
                self.assertNotIn("Sanitizer", err)
        # A missing file.
        proc = subprocess.run([cbtest.BINARY, "platform", "--config", "/nonexistent/platform.toml"],
                              capture_output=True, text=True, timeout=15)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("/nonexistent/platform.toml", proc.stderr)


if __name__ == "__main__":
    cbtest.main()
