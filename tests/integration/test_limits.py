"""Hardening: every configurable limit and rate limit answers with the protocol's error body
and the right status (413, 429 + Retry-After, 431, 503, 409), slow and idle connections are
closed, callback URLs cannot aim at internal addresses, CORS reflects only the exact origin,
text/html messages are sanitised, agent password hashes work, and a normal chat still works.
Each class runs its own platform with small limits so the tests stay fast (see docs/SECURITY.md)."""
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest
import threading
import time
import urllib.parse

import cbtest
from cbtest import (ORIGIN, Agent, Chat, PlatformTestCase, ServiceApp, Visitor, assert_error, default_config,
                    embedded, is_event, link)

TEXT = {"Content-Type": "text/plain; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def with_limits(cfg, limits=None, security=None):
    cfg["limits"] = dict(cfg.get("limits", {}), **(limits or {}))
    cfg["security"] = dict(cfg.get("security", {}), **(security or {}))
    return cfg


def unchecked(platform, method, path, body=None, headers=None):
    """A request that may answer 5xx on purpose (StrictPlatform.call would fail the test)."""
    return cbtest.request(platform.url, method, path, body, headers)


def assert_too_many(r, subcode):
    assert_error(r, 429, "TooManyRequests", subcode)
    retry = int(r.header("retry-after"))
    assert 1 <= retry <= 60, r.headers


def connect(platform):
    url = urllib.parse.urlsplit(platform.url)
    return socket.create_connection((url.hostname, url.port), timeout=10)


def closed_within(sock, seconds):
    """True when the server closes the connection (EOF or reset) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class SizeAndTimeLimits(PlatformTestCase):
    def config(self, callback_url):
        return with_limits(default_config(callback_url), {
            "header_limit": 2048, "body_limit": 4096, "json_body_limit": 1024, "message_limit": 200,
            "header_timeout": 1, "idle_timeout": 1})

    def test_sizes_per_resource(self):
        r = self.platform.call("GET", "/healthz", headers={"X-Big": "a" * 3000})
        assert_error(r, 431, "EntityTooLarge")
        sa = ServiceApp(self.platform)
        href = link(sa.app, "ms:rtc:saas:anonApplicationTokens")
        r = self.platform.call("POST", href, "x" * 5000, dict(sa.auth, **{"Content-Type": "application/json"}))
        assert_error(r, 413, "EntityTooLarge")  # the server's body_limit
        body = {"applicationSessionId": "s" * 200, "allowedOrigins": ORIGIN, "pad": "p" * 1200}
        r = self.platform.call("POST", href, body, sa.auth)
        assert_error(r, 413, "EntityTooLarge", "BodyTooLarge")  # json_body_limit
        # A message has its own limit, checked before anything else.
        visitor = Visitor(self.platform, sa.anon_token())
        chat = Chat(sa, visitor, self.callbacks).open()
        send = link(chat.visitor_messaging, "sendMessage")
        assert_error(visitor.call("POST", send, "m" * 201, TEXT), 413, "EntityTooLarge", "MessageTooLarge")
        self.assertEqual(visitor.call("POST", send, "m" * 200, TEXT).status, 201)

    def test_slow_header_and_idle_connections_are_closed(self):
        started = time.monotonic()
        with connect(self.platform) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes the header
            self.assertTrue(closed_within(slow, 5))
        self.assertLess(time.monotonic() - started, 5)
        with connect(self.platform) as idle:
            idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertIn(b"200", idle.recv(4096))
            self.assertTrue(closed_within(idle, 5))  # keep-alive idle timeout


class ConnectionLimit(PlatformTestCase):
    def config(self, callback_url):
        return with_limits(default_config(callback_url), {"max_connections": 3, "header_timeout": 3})

    def test_connections_beyond_the_limit_get_503(self):
        held = [connect(self.platform) for _ in range(3)]
        try:
            time.sleep(0.3)  # all three accepted
            with connect(self.platform) as extra:
                extra.settimeout(5)
                answer = extra.recv(4096)
                self.assertTrue(answer.startswith(b"HTTP/1.1 503"), answer)
                self.assertIn(b'"code":"ServiceUnavailable"', answer)
        finally:
            for s in held:
                s.close()
        time.sleep(0.3)  # the held ones are gone: service resumes
        self.assertEqual(self.platform.call("GET", "/healthz").status, 200)


class RateLimits(PlatformTestCase):
    def config(self, callback_url):
        return with_limits(default_config(callback_url),
                           {"anon_tokens_per_minute": 3, "anon_apps_per_minute": 2, "messages_per_10s": 3},
                           {"trusted_proxies": ["127.0.0.1"]})

    def test_messages_per_anonymous_token(self):
        sa = ServiceApp(self.platform)
        a = Visitor(self.platform, sa.anon_token(session="a"))
        b = Visitor(self.platform, sa.anon_token(session="b"))
        chat_a = Chat(sa, a, self.callbacks).open()
        chat_b = Chat(sa, b, self.callbacks).open()
        send_a = link(chat_a.visitor_messaging, "sendMessage")
        for i in range(3):
            self.assertEqual(a.call("POST", send_a, f"m{i}", TEXT).status, 201)
        r = a.call("POST", send_a, "one too many", TEXT)
        assert_too_many(r, "Messages")
        self.assertEqual(r.header("access-control-allow-origin"), ORIGIN)  # the page can read it
        # Another visitor's token has its own bucket.
        self.assertEqual(b.call("POST", link(chat_b.visitor_messaging, "sendMessage"), "hi", TEXT).status, 201)

    def test_anonymous_applications_per_client_ip_behind_a_trusted_proxy(self):
        sa = ServiceApp(self.platform)
        token = sa.anon_token()
        disc = self.platform.call("GET", link(token, "ms:rtc:saas:discover"), headers={"Origin": ORIGIN}).json
        href = link(disc, "anonApplications")
        headers = {"Authorization": "Bearer " + token["token"], "Origin": ORIGIN}

        def create(forwarded):
            return self.platform.call("POST", href, {"anonymousDisplayName": "v"},
                                      dict(headers, **{"X-Forwarded-For": forwarded}))
        self.assertIn(create("198.51.100.7").status, (200, 201))
        self.assertIn(create("198.51.100.7").status, (200, 201))
        assert_too_many(create("198.51.100.7"), "AnonymousApplications")
        # A client cannot escape by prepending addresses: the proxy appends the real one.
        assert_too_many(create("203.0.113.1, 198.51.100.7"), "AnonymousApplications")
        self.assertIn(create("198.51.100.8").status, (200, 201))

    def test_anonymous_tokens_per_client_ip(self):
        sa = ServiceApp(self.platform)
        href = link(sa.app, "ms:rtc:saas:anonApplicationTokens")
        body = {"applicationSessionId": "s", "allowedOrigins": ORIGIN}
        for _ in range(3):
            self.assertEqual(self.platform.call("POST", href, body, sa.auth).status, 200)
        assert_too_many(self.platform.call("POST", href, body, sa.auth), "AnonymousTokens")


class UntrustedForwardedFor(PlatformTestCase):
    def config(self, callback_url):
        return with_limits(default_config(callback_url), {"anon_apps_per_minute": 1, "sign_ins_per_minute": 2})

    def test_forwarded_for_is_ignored_from_untrusted_peers(self):
        sa = ServiceApp(self.platform)
        token = sa.anon_token()
        disc = self.platform.call("GET", link(token, "ms:rtc:saas:discover"), headers={"Origin": ORIGIN}).json
        headers = {"Authorization": "Bearer " + token["token"], "Origin": ORIGIN}
        for i, expect in enumerate((201, 429)):
            r = self.platform.call("POST", link(disc, "anonApplications"), {"anonymousDisplayName": "v"},
                                   dict(headers, **{"X-Forwarded-For": f"198.51.100.{i}"}))
            self.assertEqual(r.status, expect, r)

    def test_sign_ins_per_client_ip(self):
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for password, expect in (("wrong", 400), ("alice-pass", 200)):
            r = self.platform.call("POST", "/oauth2/token", f"grant_type=password&username=alice&password={password}", form)
            self.assertEqual(r.status, expect, r)
        r = self.platform.call("POST", "/oauth2/token", "grant_type=password&username=alice&password=alice-pass", form)
        assert_too_many(r, "SignIns")


class ApplicationRequestRate(PlatformTestCase):
    def config(self, callback_url):
        return with_limits(default_config(callback_url), {"app_requests_per_second": 2})  # burst 4

    def test_requests_per_trusted_application(self):
        sa = ServiceApp(self.platform)
        answers = [self.platform.call("GET", link(sa.app, "self"), headers=sa.auth) for _ in range(12)]
        refused = [r for r in answers if r.status == 429]
        self.assertTrue(refused, [r.status for r in answers])
        assert_too_many(refused[0], "ApplicationRequests")
        # Another application is not affected.
        other = ServiceApp(self.platform, "litware", "litware-secret")
        self.assertEqual(self.platform.call("GET", link(other.app, "self"), headers=other.auth).status, 200)
        time.sleep(1.1)  # refilled
        self.assertEqual(self.platform.call("GET", link(sa.app, "self"), headers=sa.auth).status, 200)


class Capacity(PlatformTestCase):
    def config(self, callback_url):
        return with_limits(default_config(callback_url),
                           {"participants_per_meeting": 1, "chats_per_application": 1, "parked_polls": 1})

    def test_participants_per_meeting(self):
        sa = ServiceApp(self.platform)
        chat = Chat(sa, Visitor(self.platform, sa.anon_token()), self.callbacks).open()
        alice = Agent(self.platform, "alice", "alice-pass")
        alice.make_available()
        sa.post(link(chat.meeting, "ms:rtc:saas:addParticipant"), {"to": "sip:alice@contoso.com"}, expect=(201,))
        r = self.platform.call("POST", link(chat.meeting, "ms:rtc:saas:addParticipant"),
                               {"to": "sip:bob@contoso.com"}, sa.auth)
        assert_error(r, 409, "Conflict", "TooManyParticipants")

    def test_chats_per_application(self):
        sa = ServiceApp(self.platform)
        first = Chat(sa, Visitor(self.platform, sa.anon_token(session="a")), self.callbacks)
        second = Visitor(self.platform, sa.anon_token(session="b"))
        start = link(second.app["_embedded"]["communication"], "startMessaging")
        r = unchecked(self.platform, "POST", start, {"to": cbtest.HELPDESK, "operationId": "x"}, second.headers)
        assert_error(r, 503, "ServiceUnavailable", "TooManyChats")
        self.assertTrue(r.header("retry-after"))
        # An ended chat frees its place.
        self.assertEqual(first.visitor.call("DELETE", link(first.visitor_invitation, "conversation")).status, 204)
        r = unchecked(self.platform, "POST", start, {"to": cbtest.HELPDESK, "operationId": "y"}, second.headers)
        self.assertEqual(r.status, 201, r)

    def test_parked_polls_per_channel(self):
        sa = ServiceApp(self.platform)
        visitor = Visitor(self.platform, sa.anon_token())
        visitor.events.poll(timeout=0)  # drained: the next polls park
        events = visitor.events.next
        first = {}

        def park():
            started = time.monotonic()
            first["r"] = visitor.call("GET", events + ("&" if "?" in events else "?") + "timeout=30")
            first["took"] = time.monotonic() - started
        t = threading.Thread(target=park)
        t.start()
        time.sleep(0.5)
        second = visitor.call("GET", events + ("&" if "?" in events else "?") + "timeout=1")
        t.join(10)
        self.assertFalse(t.is_alive(), "the first poll was not answered when the second parked")
        self.assertEqual(first["r"].status, 200)
        self.assertLess(first["took"], 10)
        self.assertEqual(second.status, 200)


class CallbacksAndCors(PlatformTestCase):
    def test_callback_urls_to_internal_addresses_are_refused(self):
        sa = ServiceApp(self.platform)
        chat = Chat(sa, Visitor(self.platform, sa.anon_token()), self.callbacks)
        start = link(chat.invitation, "ms:rtc:saas:startAdhocMeeting")
        for url in ("https://169.254.169.254/latest/meta-data", "https://10.1.2.3/cb", "https://192.168.0.1/cb",
                    "https://[fd00::1]/cb", "https://[::ffff:169.254.169.254]/cb", "https://2130706433/cb",
                    "https://0.0.0.0/cb"):
            r = self.platform.call("POST", start, {"subject": "s", "callbackUrl": url}, sa.auth)
            assert_error(r, 400, "BadRequest", "InvalidCallbackAddress")
        # Loopback is this deployment's helpdesk (allow_http_callbacks): accepted.
        chat.start_meeting(self.callbacks.url)

    def test_cors_reflects_only_the_exact_origin(self):
        sa = ServiceApp(self.platform)
        visitor = Visitor(self.platform, sa.anon_token())
        self_href = link(visitor.app, "self")
        r = visitor.call("GET", self_href)
        self.assertEqual(r.header("access-control-allow-origin"), ORIGIN)
        self.assertIn("Origin", r.header("vary"))
        for origin in ("http://127.0.0.1:8091", "http://127.0.0.1:8090.evil.com", "null", ORIGIN + "/"):
            r = visitor.call("GET", self_href, headers={"Origin": origin})
            self.assertNotEqual(r.header("access-control-allow-origin"), origin)
            self.assertNotEqual(r.header("access-control-allow-origin"), "*")
            assert_error(r, 403, "Forbidden", "InvalidOrigin")
        r = self.platform.call("OPTIONS", self_href, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
        self.assertEqual(r.header("access-control-allow-origin"), ORIGIN)
        self.assertIn("Origin", r.header("vary"))
        r = self.platform.call("OPTIONS", self_href, headers={"Origin": "https://evil.com"})
        self.assertIsNone(r.header("access-control-allow-origin"))


class MessagesAndPasswords(PlatformTestCase):
    def test_html_is_sanitised_and_a_normal_chat_works(self):
        sa = ServiceApp(self.platform)
        visitor = Visitor(self.platform, sa.anon_token())
        chat = Chat(sa, visitor, self.callbacks).open()
        alice = Agent(self.platform, "alice", "alice-pass")
        alice.make_available()
        agent_messaging = chat.join_agent(alice, "addalice")
        send = link(chat.visitor_messaging, "sendMessage")
        hostile = ('<b onclick="steal()">hi</b><script>alert(1)</script>'
                   '<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)>')
        self.assertEqual(visitor.call("POST", send, hostile, HTML).status, 201)
        clean = '<b>hi</b><a rel="nofollow noopener noreferrer">x</a><img>'
        expected = "data:text/html;charset=utf-8," + urllib.parse.quote(clean, safe="")
        e = alice.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming")
        self.assertEqual(link(embedded(e), "htmlMessage"), expected)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                and embedded(e)["_links"].get("htmlMessage", {}).get("href") == expected)
        r = visitor.call("POST", send, "<script>alert(1)</script>", HTML)
        assert_error(r, 400, "BadRequest", "InvalidParameter")
        # Plain text goes as text, both ways.
        self.assertEqual(visitor.call("POST", send, "<b>not markup</b>", TEXT).status, 201)
        e = alice.events.wait_for("message", "completed", lambda e: "plainMessage" in embedded(e)["_links"])
        self.assertEqual(link(embedded(e), "plainMessage"),
                         "data:text/plain;charset=utf-8," + urllib.parse.quote("<b>not markup</b>", safe=""))
        r = alice.call("POST", link(agent_messaging, "sendMessage"), "How can I help?", TEXT)
        self.assertEqual(r.status, 201, r)
        e = visitor.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming")
        self.assertEqual(link(embedded(e), "plainMessage"), "data:text/plain;charset=utf-8,How%20can%20I%20help%3F")

    def config(self, callback_url):
        cfg = default_config(callback_url)
        hashed = subprocess.run([cbtest.BINARY, "hash-password"], input="bob-hashed-s3cret\n", capture_output=True,
                                text=True, timeout=60)
        assert hashed.returncode == 0, hashed.stderr
        self.bob_hash = hashed.stdout.strip()
        cfg["agents"][1] = {"uri": "sip:bob@contoso.com", "display_name": "Bob", "username": "bob",
                            "password_hash": self.bob_hash}
        return cfg

    def test_password_hashes(self):
        self.assertTrue(self.bob_hash.startswith("$argon2id$"), self.bob_hash)
        Agent(self.platform, "bob", "bob-hashed-s3cret")
        Agent(self.platform, "alice", "alice-pass")  # a plain password, hashed at load
        for user, password in (("bob", "bob-pass"), ("alice", "wrong")):
            r = self.platform.call("POST", "/oauth2/token",
                                   f"grant_type=password&username={user}&password={urllib.parse.quote(password)}",
                                   {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(r.status, 400, r)
            self.assertEqual(r.json["error"], "invalid_grant")
        r = subprocess.run([cbtest.BINARY, "hash-password"], input="", capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)


class Tls(unittest.TestCase):
    """`carebridge platform` serving HTTPS itself, with a self-signed certificate made here."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="carebridge-tls-")
        self.cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", self.cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        cfg = with_limits(default_config("https://helpdesk.contoso.com/cb"), None,
                          {"tls_cert_file": self.cert, "tls_key_file": key})
        path = os.path.join(self.dir, "platform.toml")
        with open(path, "w") as f:
            f.write(cbtest.to_toml(cfg))
        self.err = open(os.path.join(self.dir, "stderr.log"), "w+")
        self.proc = subprocess.Popen([cbtest.BINARY, "platform", "--config", path], stdout=subprocess.PIPE,
                                     stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on https://([0-9.]+):(\d+) \(public URL (https://[^)]+)\)", line)
        if not m:
            self.proc.kill()
            self.fail("no https listener: " + line)
        self.host, self.port, self.public = m.group(1), int(m.group(2)), m.group(3)

    def tearDown(self):
        self.proc.terminate()
        code = self.proc.wait(timeout=20)
        self.proc.stdout.close()
        self.err.seek(0)
        err = self.err.read()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.assertEqual(code, 0, err)
        self.assertNotIn("Sanitizer", err)

    def test_serves_https_with_keep_alive(self):
        context = ssl.create_default_context(cafile=self.cert)
        conn = http.client.HTTPSConnection(self.host, self.port, context=context, timeout=10)
        for _ in range(2):  # two requests on one TLS connection
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            self.assertEqual((r.status, r.read()), (200, b'{"status":"ok"}'))
        conn.request("POST", "/oauth2/token", "grant_type=client_credentials&client_id=helpdesk&client_secret=helpdesk-secret",
                     {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        r.read()
        conn.request("GET", "/platformservice/discover")
        r = conn.getresponse()
        self.assertIn(self.public.encode(), r.read())  # links use the https public URL
        conn.close()
        self.assertTrue(self.public.startswith("https://"))
        # Plain HTTP on the TLS port gets no HTTP answer.
        with socket.create_connection((self.host, self.port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                answer = s.recv(4096)
            except ConnectionResetError:
                answer = b""
            self.assertFalse(answer.startswith(b"HTTP/1.1 200"), answer)


if __name__ == "__main__":
    cbtest.main()
