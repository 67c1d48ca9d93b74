"""Test harness: starts the real `carebridge` binary on a loopback port with a temporary
config, speaks HTTP to it (standard library only), and receives its callbacks."""
import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import http.client
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BINARY = None
GREETER = None  # the SDK example program (examples/greeter)
ORIGIN = "http://127.0.0.1:8090"  # the company page, allowed for loopback in tests


def main():
    """Entry point of every test file: `python3 test_x.py --binary path/to/carebridge`."""
    global BINARY, GREETER
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--greeter")
    args, rest = parser.parse_known_args()
    BINARY = os.path.abspath(args.binary)
    GREETER = args.greeter and os.path.abspath(args.greeter)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


# ---------------------------------------------------------------------------- HTTP client

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.raw = status, headers, body
        ctype = headers.get("content-type", "")
        self.json = json.loads(body) if body and "json" in ctype else None

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


def request(base, method, path, body=None, headers=None, timeout=30):
    """One HTTP request; `path` may be absolute or host-relative."""
    url = urllib.parse.urlsplit(path if path.startswith("http") else base + path)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    target = url.path + ("?" + url.query if url.query else "")
    hdrs = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
    conn.request(method, target, body=body, headers=hdrs)
    r = conn.getresponse()
    data = r.read().decode("utf-8")
    merged = {}
    for k, v in r.getheaders():  # repeated headers (WWW-Authenticate) are joined
        merged[k.lower()] = merged[k.lower()] + ", " + v if k.lower() in merged else v
    res = Response(r.status, merged, data)
    conn.close()
    return res


def link(resource, rel):
    return resource["_links"][rel]["href"]


def flatten(envelope):
    """[(sender_rel, sender_href, event)] of an event envelope, in order."""
    out = []
    for s in envelope.get("sender", []):
        for e in s["events"]:
            out.append((s["rel"], s["href"], e))
    return out


def embedded(event):
    emb = event.get("_embedded") or {}
    return next(iter(emb.values())) if emb else None


# ---------------------------------------------------------------------------- platform

def default_config(callback_url):
    return {
        "listen": "127.0.0.1:0",
        "tokens": {"access_token_ttl": 3600, "anon_token_ttl": 3600, "user_token_ttl": 3600},
        "events": {"long_poll_timeout": 5, "typing_timeout": 2, "invitation_timeout": 30},
        "security": {"allow_http_loopback_origins": True, "allow_http_callbacks": True},
        "applications": [
            {"id": "1627259584", "name": "Contoso helpdesk", "client_id": "helpdesk",
             "client_secret": "helpdesk-secret", "endpoints": ["sip:helpdesk@contoso.com"],
             "callback_url": callback_url},
            {"id": "2000000001", "name": "Litware desk", "client_id": "litware",
             "client_secret": "litware-secret", "endpoints": ["sip:desk@litware.com"],
             "callback_url": callback_url},
        ],
        "agents": [
            {"uri": "sip:alice@contoso.com", "display_name": "Alice", "username": "alice",
             "password": "alice-pass"},
            {"uri": "sip:bob@contoso.com", "display_name": "Bob", "username": "bob",
             "password": "bob-pass"},
            {"uri": "sip:carol@contoso.com", "display_name": "Carol", "username": "carol",
             "password": "carol-pass"},
        ],
    }


def to_toml(cfg):
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)
    lines, tables = [], []
    for k, v in cfg.items():
        if isinstance(v, dict):
            tables.append(f"[{k}]")
            tables += [f"{kk} = {value(vv)}" for kk, vv in v.items()]
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                tables.append(f"[[{k}]]")
                tables += [f"{kk} = {value(vv)}" for kk, vv in item.items()]
        else:
            lines.append(f"{k} = {value(v)}")
    return "\n".join(lines + tables) + "\n"


def stop_process(p, what, tail=4000):
    """SIGTERM to p.proc (a carebridge process with p.dir, p.stderr()); it must exit 0 and its
    stderr must hold no sanitizer report. Removes p.dir."""
    p.proc.terminate()
    try:
        code = p.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.proc.kill()
        code = "killed"
    p.proc.stdout.close()
    err = p.stderr()
    shutil.rmtree(p.dir, ignore_errors=True)
    if code != 0 or "Sanitizer" in err or "runtime error" in err:
        raise AssertionError(f"{what} exited {code}:\n{err[-tail:]}")


class Platform:
    """The real `carebridge platform` process."""

    def __init__(self, config, data_dir=None):
        self.dir = tempfile.mkdtemp(prefix="carebridge-test-")
        if data_dir:
            config = dict(config, data_dir=data_dir)
        self.config_path = os.path.join(self.dir, "platform.toml")
        with open(self.config_path, "w") as f:
            f.write(to_toml(config))
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen([BINARY, "platform", "--config", self.config_path],
                                         stdout=subprocess.PIPE, stderr=err, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://[0-9.:\[\]]+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("platform did not start: " + line + self.stderr())
        self.url = m.group(1)

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self):
        stop_process(self, "platform")

    def call(self, method, path, body=None, headers=None, **kw):
        return request(self.url, method, path, body, headers, **kw)


# ---------------------------------------------------------------------------- callbacks

class ReceivedCallbacks:
    """What a callback receiver recorded: `self.received` [(path, headers, envelope)] under
    `self.cond` (shared by the receivers here and in test_callback_outage.py)."""

    def events(self):
        with self.cond:
            return self._flat()

    def wait_for(self, pred, timeout=10, what="callback"):
        """First callback event (path, sender_rel, sender_href, event) matching pred."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for path, _, env in self.received:
                    for rel, href, e in flatten(env):
                        if pred(rel, e):
                            return (path, rel, href, e)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {what} within {timeout}s; got: " +
                                         json.dumps([e["link"]["rel"] + " " + e["type"] for _, _, _, e in self._flat()]))
                self.cond.wait(left)

    def _flat(self):
        return [(path, rel, href, e) for path, _, env in self.received for rel, href, e in flatten(env)]


class CallbackReceiver(ReceivedCallbacks):
    """A Service Application's callback endpoint: records every POST; scripted answers."""

    def __init__(self):
        self.received = []          # (path, headers, envelope) in arrival order
        self.cond = threading.Condition()
        self.fail_next = 0          # answer 503 to that many next callbacks
        self.context = None         # answer {"CallbackContext": context} when set
        self.malformed = []         # (path, raw body) of callbacks that were not UTF-8 JSON (answered 400)
        self.answered = 0           # callbacks in `received` whose 200 answer has been written
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    with receiver.cond:
                        receiver.malformed.append((self.path, raw))
                        receiver.cond.notify_all()
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with receiver.cond:
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        self.send_response(503)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    receiver.received.append((self.path, dict(self.headers), body))
                    receiver.cond.notify_all()
                    answer = json.dumps({"CallbackContext": receiver.context}).encode() if receiver.context else b""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                self.wfile.flush()
                with receiver.cond:
                    receiver.answered += 1
                    receiver.cond.notify_all()

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # The platform hanging up mid-callback (e.g. when it is stopped) is not news.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_answered(self, timeout=10):
        """Until every callback received so far has had its answer written."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.answered < len(self.received):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.received) - self.answered} callbacks unanswered after {timeout}s")
                self.cond.wait(left)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def is_event(rel, type_):
    return lambda sender, e: e["link"]["rel"] == rel and e["type"] == type_


# ---------------------------------------------------------------------------- UCWA clients

class EventChannel:
    """A UCWA client's event channel: follows `next`, keeps every event it has seen."""

    def __init__(self, platform, events_href, headers):
        self.platform, self.next, self.headers = platform, events_href, headers
        self.seen = []  # (sender_rel, sender_href, event)

    def poll(self, timeout=5):
        sep = "&" if "?" in self.next else "?"
        r = self.platform.call("GET", self.next + f"{sep}timeout={timeout}", headers=self.headers,
                               timeout=timeout + 10)
        assert r.status == 200, r
        self.next = link(r.json, "next")
        batch = flatten(r.json)
        self.seen += batch
        return r.json

    def wait_for(self, rel, type_, pred=lambda e: True, timeout=10):
        """Polls until an event (rel, type) matching pred arrives; returns it."""
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            for i in range(index, len(self.seen)):
                _, _, e = self.seen[i]
                if e["link"]["rel"] == rel and e["type"] == type_ and pred(e):
                    del self.seen[: i + 1]
                    return e
            index = len(self.seen)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {rel} {type_} within {timeout}s; seen " +
                                     json.dumps([x[2]["link"]["rel"] + " " + x[2]["type"] for x in self.seen]))
            self.poll(timeout=max(1, min(5, int(left))))


class ServiceApp:
    """The Service Application side, following links from discovery only."""

    def __init__(self, platform, client_id="helpdesk", secret="helpdesk-secret"):
        self.p = platform
        r = platform.call("POST", "/oauth2/token",
                          f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}",
                          {"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 200, r
        self.token = r.json["access_token"]
        self.auth = {"Authorization": "Bearer " + self.token}
        disc = platform.call("GET", "/platformservice/discover").json
        self.app = self.get(link(disc, "ms:rtc:saas:applications"))

    def get(self, href):
        r = self.p.call("GET", href, headers=self.auth)
        assert r.status == 200, (href, r)
        return r.json

    def post(self, href, body=None, expect=(200, 201, 204), headers=None):
        r = self.p.call("POST", href, body, dict(self.auth, **(headers or {})))
        assert r.status in expect, (href, r)
        return r

    def anon_token(self, origins=ORIGIN, session="session-1"):
        return self.post(link(self.app, "ms:rtc:saas:anonApplicationTokens"),
                         {"applicationSessionId": session, "allowedOrigins": origins}).json


class Visitor:
    """The anonymous chat client (steps 4-6, 13, 18-20)."""

    def __init__(self, platform, token_resource, name="Janardhan", origin=ORIGIN):
        self.p = platform
        token = token_resource["token"]
        self.headers = {"Authorization": "Bearer " + token, "Origin": origin}
        r = platform.call("GET", link(token_resource, "ms:rtc:saas:discover"), headers={"Origin": origin})
        assert r.status == 200, r
        self.discover = r.json
        r = platform.call("POST", link(r.json, "anonApplications"), {"anonymousDisplayName": name}, self.headers)
        assert r.status == 201, r
        self.app = r.json
        self.events = EventChannel(platform, link(self.app, "events"), self.headers)

    def call(self, method, href, body=None, headers=None):
        return self.p.call(method, href, body, dict(self.headers, **(headers or {})))


class Agent:
    """An agent's UCWA client: sign-in, application, availability (agent side, steps 1-7)."""

    def __init__(self, platform, username, password, endpoint_id="console-1"):
        self.p = platform
        root = platform.call("GET", "/autodiscover/autodiscoverservice.svc/root").json
        user = link(root, "user")
        r = platform.call("GET", user)
        assert r.status == 401, r
        m = re.search(r'MsRtcOAuth href="([^"]+)"', r.header("www-authenticate"))
        r = platform.call("POST", m.group(1), f"grant_type=password&username={username}&password={password}",
                          {"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 200, r
        self.headers = {"Authorization": "Bearer " + r.json["access_token"]}
        user_res = platform.call("GET", user, headers=self.headers).json
        self.uri = user_res.get("uri")
        r = platform.call("POST", link(user_res, "applications"),
                          {"UserAgent": "test", "EndpointId": endpoint_id, "Culture": "en-US"}, self.headers)
        assert r.status in (200, 201), r
        self.app = r.json
        self.events = EventChannel(platform, link(self.app, "events"), self.headers)

    def call(self, method, href, body=None, headers=None):
        return self.p.call(method, href, body, dict(self.headers, **(headers or {})))

    def make_available(self):
        r = self.call("POST", link(self.app["_embedded"]["me"], "makeMeAvailable"), {"SupportedModalities": ["Messaging"]})
        assert r.status == 204, r


# ---------------------------------------------------------------------------- error checks

HELPDESK = "sip:helpdesk@contoso.com"


def assert_error(r, status, code, subcode=None):
    """A protocol error answer: exactly `status`, a JSON body {"code", "subcode"?, "message"}
    with that code (and subcode, when given), labelled application/json. Returns the body."""
    assert r.status == status, f"expected {status} {code}/{subcode}, got {r!r}"
    ctype = r.header("content-type") or ""
    assert ctype.split(";")[0].strip().lower() == "application/json", f"content type {ctype!r} of {r!r}"
    assert isinstance(r.json, dict), r
    assert r.json.get("code") == code, f"expected code {code}, got {r!r}"
    if subcode is not None:
        assert r.json.get("subcode") == subcode, f"expected subcode {subcode}, got {r!r}"
    return r.json


class StrictPlatform(Platform):
    """A Platform that fails the test on any 5xx: bad input is the client's fault, never the
    server's. `assert_alive` checks it still answers."""

    def call(self, method, path, body=None, headers=None, **kw):
        r = super().call(method, path, body, headers, **kw)
        assert r.status < 500, f"server error for {method} {path}: {r!r}"
        return r

    def assert_alive(self):
        assert self.proc.poll() is None, f"platform exited {self.proc.returncode}:\n{self.stderr()[-4000:]}"
        r = self.call("GET", "/healthz")
        assert r.status == 200, r


class PlatformTestCase(unittest.TestCase):
    """One StrictPlatform (and callback receiver) per test; override config() to adjust the
    configuration. After each test the platform must still answer, then exit cleanly."""

    def config(self, callback_url):
        return default_config(callback_url)

    def setUp(self):
        self.callbacks = CallbackReceiver()
        try:
            self.platform = StrictPlatform(self.config(self.callbacks.url))
        except BaseException:
            self.callbacks.stop()
            raise

    def tearDown(self):
        try:
            self.platform.assert_alive()
        finally:
            try:
                self.platform.stop()
            finally:
                self.callbacks.stop()


# ---------------------------------------------------------------------------- chat set-up

class Chat:
    """Steps 6-10 with few checks, for tests that need a chat in some state. Follows links
    (GETs rather than callbacks where both work) and uses a unique operationId per chat."""
    _count = 0

    def __init__(self, sa, visitor, callbacks, to=HELPDESK, custom=None):
        Chat._count += 1
        self.sa, self.visitor, self.callbacks = sa, visitor, callbacks
        self.op = f"chat{Chat._count}"
        body = {"operationId": self.op, "subject": "Help", "to": to}
        if custom is not None:
            body["customContent"] = custom
        r = visitor.call("POST", link(visitor.app["_embedded"]["communication"], "startMessaging"), body)
        assert r.status == 201, r
        self.visitor_invitation = r.json
        _, _, _, e = callbacks.wait_for(
            lambda s, e: is_event("ms:rtc:saas:messagingInvitation", "started")(s, e)
            and embedded(e).get("operationId") == self.op, what=f"invitation {self.op}")
        self.invitation = embedded(e)
        self.meeting = self.messaging = self.bridge = self.visitor_messaging = None
        self.agent_invitations = {}  # agent uri -> the agent's onlineMeetingInvitation

    def start_meeting(self, callback_url=None):
        body = {"subject": "helpcustomermeeting", "operationId": self.op + "-meeting"}
        if callback_url:
            body["callbackUrl"] = callback_url
        r = self.sa.post(link(self.invitation, "ms:rtc:saas:startAdhocMeeting"), body, expect=(201,))
        self.meeting_uri = r.json["onlineMeetingUri"]
        self.meeting = self.sa.get(link(r.json, "ms:rtc:saas:conversation"))
        self.messaging = self.sa.get(link(self.meeting, "ms:rtc:saas:messaging"))
        return self

    def add_messaging(self):
        self.sa.post(link(self.messaging, "ms:rtc:saas:addMessaging"), {"operationId": self.op + "-addmsg"},
                     expect=(201,))
        self.messaging = self.sa.get(link(self.meeting, "ms:rtc:saas:messaging"))
        assert self.messaging["state"] == "Connected", self.messaging
        return self

    def accept_and_bridge(self):
        self.sa.post(link(self.invitation, "ms:rtc:saas:acceptAndBridge"),
                     {"impersonatedDisplayName": "contoso helpdesk", "onlineMeetingUri": self.meeting_uri},
                     expect=(200,))
        self.meeting = self.sa.get(link(self.meeting, "self"))
        self.bridge = self.sa.get(link(self.meeting, "ms:rtc:saas:conversationBridge"))
        r = self.visitor.call("GET", link(self.visitor_invitation, "messaging"))
        assert r.status == 200 and r.json["state"] == "Connected", r
        self.visitor_messaging = r.json
        return self

    def open(self, callback_url=None):
        """Meeting, application messaging and bridge: the visitor can talk."""
        return self.start_meeting(callback_url).add_messaging().accept_and_bridge()

    def join_agent(self, agent, op):
        """Invites a signed-in, available agent, who accepts and joins messaging; returns the
        agent's connected messaging resource."""
        self.sa.post(link(self.meeting, "ms:rtc:saas:addParticipant"), {"operationId": op, "to": agent.uri},
                     expect=(201,))
        inv = embedded(agent.events.wait_for("onlineMeetingInvitation", "started"))
        self.agent_invitations[agent.uri] = inv
        r = agent.call("POST", link(inv, "accept"))
        assert r.status == 204, r
        msg = embedded(agent.events.wait_for("messaging", "updated"))
        r = agent.call("POST", link(msg, "addMessaging"))
        assert r.status == 204, r
        return embedded(agent.events.wait_for("messaging", "updated", lambda e: embedded(e)["state"] == "Connected"))


def eventually(check, what, timeout=15, interval=0.05):
    """check()'s first truthy answer, polled until timeout (then AssertionError naming what)."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(interval)
