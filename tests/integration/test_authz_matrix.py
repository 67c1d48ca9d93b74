"""Authorization matrix: every route the platform serves (from `carebridge routes`, so a new route
cannot escape) x every foreign identity -> 401/403/404, and the answer holds none of the
victim's data.

The victim is a live chat: a visitor bridged into a meeting of the helpdesk application, an agent
(alice) in it, messages sent, a bridged participant added. Every templated route gets a real
instance: the victim's own resources are crawled (links of the resources and of the event
channels) and each route template is matched against the hrefs found.

The platform runs with a signing key this test generated (openssl CLI), so it can mint tokens
that are authentic but expired, and the same claims signed by another key or with alg "none".
"""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import cbtest
from cbtest import (ORIGIN, Agent, CallbackReceiver, Chat, ServiceApp, StrictPlatform, Visitor,
                    default_config, link)

HELPDESK_ID = "1627259584"
LITWARE_ID = "2000000001"
EVIL_ORIGIN = "https://evil.example"
# Routes anyone may call: they hold no one's data (discovery, keys, health, the token endpoint).
PUBLIC = {
    ("GET", "/platformservice/discover"), ("OPTIONS", "/platformservice/discover"),
    ("POST", "/oauth2/token"), ("GET", "/.well-known/jwks.json"), ("GET", "/platformservice/jwks"),
    ("GET", "/autodiscover/autodiscoverservice.svc/root"), ("GET", "/healthz"),
    # Operations endpoints: aggregate counters and readiness, no one's data (docs/SECURITY.md:
    # keep them off the internet at the proxy, as for /healthz).
    ("GET", "/metrics"), ("GET", "/readyz"),
}
# Bodies a legitimate caller would send, so refusals are about identity, not about input.
BODIES = [
    (r"/anonApplicationTokens$", {"applicationSessionId": "s", "allowedOrigins": ORIGIN}),
    (r"/startAdhocMeeting$", {"subject": "x", "operationId": "authz"}),
    (r"/acceptAndBridge$", {"impersonatedDisplayName": "x", "onlineMeetingUri": "sip:x@y;gruu;opaque=app:conf:focus:id:x"}),
    (r"/participantInvitations$", {"to": "sip:bob@contoso.com"}),
    (r"/bridgedParticipants$", {"displayName": "x", "participantUri": "sip:x@contoso.com"}),
    (r"/messaging/messages$", "hello"),
    (r"/makeMeAvailable$", {"SupportedModalities": ["Messaging"]}),
    (r"/presence$", {"availability": "Online"}),
    (r"/psanon/v1/applications$", {"anonymousDisplayName": "x"}),
    (r"/ucwa/v1/applications$", {"EndpointId": "x"}),
    (r"/messagingInvitations$", {"to": "sip:helpdesk@contoso.com", "operationId": "x"}),
]


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def openssl_key(path):
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path],
                   check=True, capture_output=True)


def sign(key_path, header, claims):
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path], input=signing_input.encode(),
                         check=True, capture_output=True).stdout
    return signing_input + "." + b64(sig)


def template_regex(pattern):
    return re.compile("^" + "/".join("[^/]+" if s == "{}" else re.escape(s) for s in pattern.split("/")) + "$")


class AuthzMatrixTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="carebridge-authz-")
        self.key = os.path.join(self.dir, "signing-key.pem")
        self.other_key = os.path.join(self.dir, "other-key.pem")
        openssl_key(self.key)
        openssl_key(self.other_key)
        self.callbacks = CallbackReceiver()
        config = default_config(self.callbacks.url)
        # Callbacks no one takes become dead letters within a second: the victim has one.
        config["ops"] = {"callback_max_age": 1}
        self.platform = StrictPlatform(config, data_dir=self.dir)

    def tearDown(self):
        try:
            self.platform.assert_alive()
            self.platform.stop()
        finally:
            self.callbacks.stop()
            shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------ the victim

    def build_victim(self):
        p = self.platform
        sa = ServiceApp(p)
        tok = sa.anon_token()
        visitor = Visitor(p, tok)
        alice = Agent(p, "alice", "alice-pass")
        alice.make_available()
        chat = Chat(sa, visitor, self.callbacks).open()
        chat.join_agent(alice, "authz-alice")
        self.secret = "victim-secret-%d" % os.getpid()
        r = visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), self.secret,
                         {"Content-Type": "text/plain"})
        self.assertIn(r.status, (201, 204), r)
        sa.post(link(chat.bridge, "ms:rtc:saas:bridgedParticipants"),
                {"displayName": "Supervisor", "participantUri": "sip:sup@contoso.com"}, expect=(201,))
        # A pending invitation of bob, so the participant invitation routes have an instance.
        sa.post(link(chat.meeting, "ms:rtc:saas:addParticipant"), {"to": "sip:bob@contoso.com"}, expect=(201,))
        # A meeting whose callbacks go nowhere: its deliveries end in the dead-letter list, so the
        # recovery routes (callbacks/failed/{id}/replay) have an instance.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead_url = f"http://127.0.0.1:{s.getsockname()[1]}/callback"
        sa.post(link(chat.invitation, "ms:rtc:saas:startAdhocMeeting"),
                {"subject": "dead", "operationId": "authz-dead", "callbackUrl": dead_url}, expect=(201,))
        failed = link(sa.app, "self").split("?")[0] + "/callbacks/failed"
        deadline = time.monotonic() + 15
        while not sa.get(failed).get("failed"):
            self.assertLess(time.monotonic(), deadline, "no dead letter for the victim")
            time.sleep(0.2)
        self.extra_hrefs = [failed, link(sa.get(failed)["failed"][0], "replay")]
        self.sa, self.visitor, self.alice, self.chat, self.anon = sa, visitor, alice, chat, tok
        self.owner_headers = {"/platformservice": sa.auth, "/ucwa/psanon": visitor.headers, "/ucwa/v1": alice.headers}

    def owner_of(self, path):
        for prefix, headers in self.owner_headers.items():
            if path.startswith(prefix):
                return headers
        return {}

    def crawl(self, routes):
        """Every href reachable from the victim's resources and event channels, as its owners."""
        seen, hrefs = set(), []
        gets = [template_regex(r["path"]) for r in routes if r["method"] == "GET"]
        start = [link(self.sa.app, "self"), link(self.sa.app, "ms:rtc:saas:events") + "&timeout=0",
                 link(self.visitor.app, "self"), link(self.visitor.app, "events") + "&timeout=0",
                 link(self.alice.app, "self"), link(self.alice.app, "events") + "&timeout=0"]
        todo = list(start)

        def collect(value):
            if isinstance(value, dict):
                for k, v in value.items():
                    if k == "href" and isinstance(v, str):
                        yield v
                    else:
                        yield from collect(v)
            elif isinstance(value, list):
                for v in value:
                    yield from collect(v)

        while todo and len(seen) < 400:
            href = todo.pop(0)
            u = urllib.parse.urlsplit(href)
            path = u.path
            if not path.startswith("/") or (path, u.query) in seen:
                continue
            seen.add((path, u.query))
            hrefs.append(href)
            if not any(g.match(path) for g in gets):
                continue
            if path.endswith("/events") and "timeout=" not in href:
                href += ("&" if "?" in href else "?") + "timeout=0"
            r = self.platform.call("GET", href, headers=self.owner_of(path))
            if r.status == 200 and isinstance(r.json, dict):
                todo += [h for h in collect(r.json) if urllib.parse.urlsplit(h).path.startswith("/")]
        return hrefs

    # ------------------------------------------------------------------ the attackers

    def tokens_like(self, token):
        """(expired, forged, alg none) variants of a real token with the same claims."""
        prefix = "psat=" if token.startswith("psat=") else ""
        head, payload, _ = token[len(prefix):].split(".")
        header, claims = json.loads(unb64(head)), json.loads(unb64(payload))
        now = int(time.time())
        expired = dict(claims, iat=now - 7200, nbf=now - 7200, exp=now - 3600)
        return {
            "expired token": prefix + sign(self.key, header, expired),
            "forged signature": prefix + sign(self.other_key, header, claims),
            "alg none": prefix + b64(json.dumps(dict(header, alg="none")).encode()) + "." + payload + ".",
        }

    def attackers(self):
        """name -> {path prefix -> headers}: each identity as it would call each side."""
        p = self.platform
        litware = ServiceApp(p, "litware", "litware-secret")
        intruder = Visitor(p, self.sa.anon_token(session="intruder"), name="Mallory")
        bob = Agent(p, "bob", "bob-pass", endpoint_id="bob-console")  # signed in, not in the meeting
        out = {"no token": {"": {}}, "no token, page origin": {"": {"Origin": ORIGIN}}}
        real = {"/platformservice": self.sa.token, "/ucwa/psanon": self.anon["token"],
                "/ucwa/v1": self.alice.headers["Authorization"][7:]}
        for side, token in real.items():
            for name, forged in self.tokens_like(token).items():
                headers = {"Authorization": "Bearer " + forged}
                if side == "/ucwa/psanon":
                    headers["Origin"] = ORIGIN
                out.setdefault(name, {})[side] = headers
                if side == "/ucwa/v1":  # the user resource takes user tokens too
                    out[name]["/autodiscover"] = headers
        out["another application"] = {"": litware.auth}
        out["another visitor"] = {"": intruder.headers}
        out["agent not in the meeting"] = {"": bob.headers}
        out["wrong Origin"] = {"/ucwa/psanon": dict(self.visitor.headers, Origin=EVIL_ORIGIN)}
        self.litware_app = litware
        return out

    # ------------------------------------------------------------------ the matrix

    def secrets(self):
        """Strings that only the victim's own answers may contain."""
        s = {self.secret, self.chat.meeting["threadId"] if "threadId" in self.chat.meeting else None}
        for res in (self.visitor.app, self.alice.app, self.chat.meeting, self.chat.invitation,
                    self.chat.visitor_invitation, self.chat.bridge):
            for key in ("id", "threadId", "operationId"):
                v = res.get(key) if isinstance(res, dict) else None
                if isinstance(v, str) and len(v) >= 6 and v not in (HELPDESK_ID,):
                    s.add(v)
        # Opaque ids in the victim's hrefs (not the public application id).
        for href in self.hrefs:
            for seg in urllib.parse.urlsplit(href).path.split("/"):
                seg = urllib.parse.unquote(seg)
                if len(seg) >= 12 and re.search(r"[0-9]", seg) and seg != HELPDESK_ID and "@" not in seg:
                    s.add(seg)
        s.discard(None)
        return s

    def instance_of(self, pattern):
        """For a route no crawled href matches (not linked from any resource, e.g. presence):
        each "{}" gets the id the victim's hrefs carry after the same segment, on the same side
        when there is one."""
        side = next((prefix for prefix in self.owner_headers if pattern.startswith(prefix)), "")
        ids = {}
        for href in self.hrefs:
            path = urllib.parse.urlsplit(href).path
            segs = path.split("/")
            for i in range(1, len(segs)):
                ids.setdefault((path.startswith(side), segs[i - 1]), segs[i])
        out = []
        for seg in pattern.split("/"):
            if seg == "{}":
                prev = out[-1] if out else ""
                value = ids.get((True, prev)) or ids.get((False, prev))
                if value is None:
                    return None
                seg = value
            out.append(seg)
        return "/".join(out)

    def body_for(self, method, path):
        if method != "POST":
            return None
        for pattern, body in BODIES:
            if re.search(pattern, path):
                return body
        return {}

    def test_every_route_refuses_every_foreign_identity(self):
        routes = json.loads(subprocess.run([cbtest.BINARY, "routes"], check=True, capture_output=True,
                                           text=True).stdout)
        self.assertGreater(len(routes), 40, routes)
        self.build_victim()
        self.hrefs = self.crawl(routes) + self.extra_hrefs
        secrets = self.secrets()
        self.assertIn(self.secret, secrets)
        attackers = self.attackers()

        # Each protected route with a real instance of the victim's.
        targets, missing = [], []
        for r in routes:
            key = (r["method"], r["path"])
            if key in PUBLIC or r["method"] == "OPTIONS":
                continue
            rx = template_regex(r["path"])
            found = next((h for h in self.hrefs if rx.match(urllib.parse.urlsplit(h).path)), None)
            if found is None:
                found = self.instance_of(r["path"])
            if found is None:
                missing.append(key)
            else:
                targets.append((r["method"], r["path"], found))
        self.maxDiff = None
        self.assertEqual(missing, [], "routes with no instance among the victim's resources: add one to build_victim")
        # Destructive methods last, so a wrongly accepted DELETE cannot hide other findings.
        targets.sort(key=lambda t: t[0] == "DELETE")

        # Identities that hold a valid credential of their own: on a route without an id they
        # act on their own resources (a new application, their own list), which is their right.
        own_right = {"another application", "another visitor", "agent not in the meeting"}
        counts, failures = {}, []
        for method, pattern, href in targets:
            u = urllib.parse.urlsplit(href)
            query = u.query + ("&" if u.query else "") + "timeout=0" if pattern.endswith("/events") else u.query
            url = u.path + ("?" + query if query else "")
            variants = [(url, None)]
            if u.path.startswith("/platformservice/v1/applications/" + HELPDESK_ID) and (
                    pattern.count("{}") > 1 or "conversationId=" in u.query):
                # The other application with its own id in the path: the victim's ids must look absent.
                variants.append((url.replace(HELPDESK_ID, LITWARE_ID, 1).replace(
                    "sip%3Ahelpdesk%40contoso.com", "sip%3Adesk%40litware.com").replace(
                    "sip:helpdesk@contoso.com", "sip:desk@litware.com"), "another application"))
            for who, sides in attackers.items():
                headers = next((h for prefix, h in sides.items() if u.path.startswith(prefix)), None)
                if headers is None or ("{}" not in pattern and who in own_right):
                    continue
                for target, only in variants:
                    if only and only != who:
                        continue
                    body = self.body_for(method, u.path)
                    hdrs = dict(headers)
                    if isinstance(body, str):
                        hdrs["Content-Type"] = "text/plain"
                    r = self.platform.call(method, target, body, hdrs)
                    counts[r.status] = counts.get(r.status, 0) + 1
                    raw = r.raw + json.dumps(r.headers)
                    leaked = sorted(x for x in secrets if x in raw)
                    if r.status not in (401, 403, 404) or leaked:
                        failures.append(f"{who}: {method} {target} -> {r.status} {r.raw[:200]!r} leaked={leaked}")
        print(f"\nauthz matrix: {len(targets)} routes x {len(attackers)} identities -> "
              f"{sum(counts.values())} requests, statuses {dict(sorted(counts.items()))}")
        self.assertEqual(failures, [], "\n".join(failures))

        # The victim's chat is intact: still connected on both sides, the message still there.
        r = self.visitor.call("GET", link(self.chat.visitor_messaging, "self"))
        self.assertEqual((r.status, r.json.get("state")), (200, "Connected"), r)
        r = self.sa.p.call("GET", link(self.chat.meeting, "self"), headers=self.sa.auth)
        self.assertEqual(r.status, 200, r)
        r = self.sa.p.call("GET", link(self.chat.meeting, "self").split("?")[0] + "/transcript", headers=self.sa.auth)
        self.assertIn(self.secret, r.raw)


if __name__ == "__main__":
    cbtest.main()
