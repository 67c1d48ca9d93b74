"""The helpdesk end to end: the real `carebridge up` (platform + helpdesk in one process, ports
0, temporary data directory); scripted visitors (anonymous UCWA over HTTP, token from the
helpdesk) and scripted agents (UCWA for users) go through the whole call flow, while the
helpdesk plays the Service Application by itself."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import cbtest
from cbtest import Agent, EventChannel, Visitor, embedded, link, request

ORIGIN = cbtest.ORIGIN


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(v)


def to_toml(d, prefix=""):
    """Nested dicts become [a.b] tables, lists of dicts [[a.b]] arrays of tables."""
    is_rows = lambda v: isinstance(v, list) and v and isinstance(v[0], dict)
    out = [f"[{prefix}]"] if prefix else []
    out += [f"{k} = {toml_value(v)}" for k, v in d.items() if not isinstance(v, dict) and not is_rows(v)]
    for k, v in d.items():
        path = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out += to_toml(v, path)
        elif is_rows(v):
            for row in v:
                out.append(f"[[{path}]]")
                out += [f"{kk} = {toml_value(vv)}" for kk, vv in row.items()]
    return out


DEFAULT_QUEUES = {"alice": ["general", "billing"], "bob": ["general"], "carol": ["billing"]}


def up_config(data_dir, queues=DEFAULT_QUEUES, **chat):
    agents = [(u, u.capitalize(), queues[u]) for u in ("alice", "bob", "carol")]
    return {
        "platform": {
            "listen": "127.0.0.1:0", "data_dir": data_dir,
            "events": {"long_poll_timeout": 5, "typing_timeout": 2, "invitation_timeout": 10},
            "security": {"allow_http_loopback_origins": True, "allow_http_callbacks": True},
            "applications": [{"id": "1627259584", "name": "Contoso helpdesk", "client_id": "helpdesk",
                              "client_secret": "helpdesk-secret", "endpoints": ["sip:helpdesk@contoso.com"],
                              "callback_url": "http://127.0.0.1:9/callback"}],
            "agents": [{"uri": f"sip:{u}@contoso.com", "display_name": n, "username": u,
                        "password": u + "-pass", "queues": q} for u, n, q in agents],
        },
        "helpdesk": {
            "listen": "127.0.0.1:0",
            "allowed_origins": [ORIGIN],
            "max_chats_per_agent": 2,
            "chat": dict({"impersonated_name": "Contoso helpdesk", "bridged_display_name": "{agent} (Contoso)",
                          "no_agent_timeout": 60, "away_backoff": 1, "recheck": 1}, **chat),
            "messages": {"welcome": "Hello {visitor}, welcome to {queue}!",
                         "queue_position": "You are number {position} in the queue.",
                         "no_agent": "Sorry, nobody is free. Goodbye!",
                         "agent_left": "Your agent left; finding another."},
            "queues": [{"name": "general", "display_name": "general support"},
                       {"name": "billing", "display_name": "billing"}],
        },
    }


class Remote:
    """Anything cbtest's clients can `.call()`: a base URL."""

    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None, headers=None, **kw):
        return request(self.url, method, path, body, headers, **kw)


class Up:
    """The real `carebridge up` process."""

    def __init__(self, config):
        self.dir = tempfile.mkdtemp(prefix="carebridge-up-")
        path = os.path.join(self.dir, "up.toml")
        with open(path, "w") as f:
            f.write("\n".join(to_toml(config)) + "\n")
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen([cbtest.BINARY, "up", "--config", path], stdout=subprocess.PIPE,
                                         stderr=err, text=True)
        self.lines = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.kill()
                raise RuntimeError("carebridge up did not start:\n" + "".join(self.lines) + self.stderr())
            self.lines.append(line)
            if line.startswith("visitor page:"):
                break
        text = "".join(self.lines)
        self.platform = Remote(re.search(r"platform listening on (http://[0-9.:]+)", text).group(1))
        self.helpdesk = Remote(re.search(r"helpdesk listening on (http://[0-9.:]+)", text).group(1))
        self.visitor_page = re.search(r"visitor page: (\S+)", text).group(1)
        self.agent_console = re.search(r"agent console: (\S+)", text).group(1)
        deadline = time.monotonic() + 20
        while self.helpdesk.call("GET", "/healthz").json["status"] != "ok":
            assert time.monotonic() < deadline, "the helpdesk did not connect:\n" + self.stderr()
            time.sleep(0.05)

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self):
        cbtest.stop_process(self, "carebridge up", tail=6000)


def check_script(test, html):
    """The page's module script at least parses (when node is installed)."""
    node = shutil.which("node")
    if not node:
        return
    script = html.split('<script type="module">', 1)[1].split("</script>", 1)[0] if '<script type="module">' in html else html
    with tempfile.NamedTemporaryFile("w", suffix=".mjs", delete=False) as f:
        f.write(script)
    try:
        r = subprocess.run([node, "--check", f.name], capture_output=True, text=True)
        test.assertEqual(r.returncode, 0, r.stderr)
    finally:
        os.unlink(f.name)


def text_of(message_event):
    links = embedded(message_event)["_links"]
    uri = (links.get("plainMessage") or links.get("htmlMessage"))["href"]
    return urllib.parse.unquote(uri.split(",", 1)[1])


class HelpdeskTestCase(unittest.TestCase):
    chat_settings = {}
    agent_queues = DEFAULT_QUEUES
    platform_ops = {}  # the platform's [ops] section

    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="carebridge-data-")
        config = up_config(self.data, self.agent_queues, **self.chat_settings)
        if self.platform_ops:
            config["platform"]["ops"] = dict(self.platform_ops)
        self.up = Up(config)

    def tearDown(self):
        try:
            self.up.stop()
        finally:
            shutil.rmtree(self.data, ignore_errors=True)

    def visitor(self, name="Janardhan", queue="billing"):
        """Token from the helpdesk (as the company page would), then steps 4-6."""
        r = self.up.helpdesk.call("POST", "/token", headers={"Origin": ORIGIN})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("access-control-allow-origin"), ORIGIN)
        tok = r.json
        self.assertTrue(tok["token"].startswith("psat="))
        self.assertRegex(tok["expiryTime"], r"^\d{4}-\d\d-\d\dT")
        v = Visitor(self.up.platform, {"token": tok["token"], "_links": {"ms:rtc:saas:discover": {"href": tok["discoverUrl"]}}},
                    name=name)
        comm = v.app["_embedded"]["communication"]
        r = v.call("POST", link(comm, "startMessaging"),
                   {"operationId": "op-" + name, "subject": "Help", "to": tok["endpoint"],
                    "customContent": f"queue={queue}"})
        self.assertEqual(r.status, 201, r)
        e = v.events.wait_for("messagingInvitation", "completed")
        self.assertEqual(e["status"], "Success", e)
        v.messaging = embedded(v.events.wait_for("messaging", "updated", lambda e: embedded(e)["state"] == "Connected"))
        return v

    def says(self, v, pattern, timeout=15):
        """The next message the visitor receives matches pattern; returns its text."""
        e = v.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming", timeout=timeout)
        text = text_of(e)
        self.assertRegex(text, pattern)
        return text

    def says_eventually(self, v, pattern, timeout=15):
        """A message matching pattern arrives (others may come first: places can change
        several times as callbacks of different conversations interleave)."""
        e = v.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming"
                              and re.search(pattern, text_of(e)), timeout=timeout)
        return text_of(e)

    def agent(self, username, available=True, endpoint="console-1"):
        a = Agent(self.up.platform, username, username + "-pass", endpoint_id=endpoint)
        if available:
            a.make_available()
        return a

    def accept(self, agent, timeout=15):
        """The agent takes the next invitation and joins the meeting's messaging."""
        inv = embedded(agent.events.wait_for("onlineMeetingInvitation", "started", timeout=timeout))
        self.assertEqual(agent.call("POST", link(inv, "accept")).status, 204)
        msg = agent.events.wait_for("messaging", "updated")
        self.assertEqual(agent.call("POST", link(embedded(msg), "addMessaging")).status, 204)
        return embedded(agent.events.wait_for("messaging", "updated", lambda e: embedded(e)["state"] == "Connected"))

    def wait_idle(self, chats=0, timeout=15):
        deadline = time.monotonic() + timeout
        while self.up.helpdesk.call("GET", "/healthz").json["chats"] != chats:
            self.assertLess(time.monotonic(), deadline, "the helpdesk still has live chats")
            time.sleep(0.05)


class ChatTest(HelpdeskTestCase):
    def test_whole_chat(self):
        self.assertTrue(self.up.visitor_page.startswith(self.up.helpdesk.url))
        self.assertEqual(self.up.agent_console, self.up.helpdesk.url + "/agent/")
        page = self.up.helpdesk.call("GET", "/")
        self.assertEqual(page.status, 200)
        self.assertIn('src="/visitor/widget.js"', page.raw)
        widget = self.up.helpdesk.call("GET", "/visitor/widget.js")
        self.assertEqual(widget.status, 200)
        self.assertIn("startMessaging", widget.raw)
        check_script(self, widget.raw)
        alice = self.agent("alice")
        v = self.visitor("Janardhan", "billing")
        # Step 12: the welcome names the visitor and the queue chosen by customContent.
        self.says(v, r"^Hello Janardhan, welcome to billing!$")
        # Steps 14-15: Alice (the least busy agent of billing) is invited and joins.
        alice_messaging = self.accept(alice)
        e = v.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Alice (Contoso)")
        # Messages both ways.
        r = alice.call("POST", link(alice_messaging, "sendMessage"), "Hi, Alice here", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.says(v, "Alice"), "Hi, Alice here")
        r = v.call("POST", link(v.messaging, "sendMessage"), "My order is late", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        e = alice.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming")
        self.assertEqual(text_of(e), "My order is late")
        # Steps 20-22: the visitor ends the chat; the helpdesk terminates the meeting.
        self.assertEqual(v.call("DELETE", link(v.messaging, "conversation")).status, 204)
        alice.events.wait_for("conversation", "deleted", timeout=15)
        self.wait_idle()

    def test_callbacks_must_be_signed_by_the_platform(self):
        hd = self.up.helpdesk
        body = {"_links": {"self": {"href": "/e?ack=1"}}, "sender": []}
        self.assertEqual(hd.call("POST", "/callback", body).status, 401)
        r = hd.call("POST", "/callback", body, {"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
        self.assertEqual(r.status, 401, r)
        self.assertIn("refused", self.up.stderr())

    def test_token_refuses_unknown_origin(self):
        r = self.up.helpdesk.call("POST", "/token", headers={"Origin": "https://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json["subcode"], "InvalidOrigin")

    def test_unavailable_agent_is_skipped_and_a_leaving_agent_hands_over(self):
        alice = self.agent("alice", available=False)   # signed in, not available
        bob = self.agent("bob")
        v = self.visitor("Ann", "general")
        self.says(v, "welcome to general support")
        # Alice is tried first (config order) and fails TemporarilyUnavailable; Bob gets it.
        bob_messaging = self.accept(bob)
        v.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Bob (Contoso)")
        # Bob leaves; the chat goes back to the queue and to Alice, once she is available.
        alice.make_available()
        self.assertEqual(bob.call("DELETE", link(bob_messaging, "conversation")).status, 204)
        self.says(v, "Your agent left")
        self.accept(alice)
        v.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Alice (Contoso)")
        self.assertEqual(v.call("DELETE", link(v.messaging, "conversation")).status, 204)
        alice.events.wait_for("conversation", "deleted", timeout=15)
        self.wait_idle()


class BatchedCallbacksTest(HelpdeskTestCase):
    """The helpdesk (the SDK's receiver) with the platform's callbacks of several conversations
    sharing POSTs: two chats at once still go end to end."""
    platform_ops = {"callback_batch_window_ms": 50}

    def test_two_chats_at_once(self):
        alice, bob = self.agent("alice"), self.agent("bob")
        ann = self.visitor("Ann", "billing")
        ben = self.visitor("Ben", "general")
        self.says(ann, r"^Hello Ann, welcome to billing!$")
        self.says(ben, r"^Hello Ben, welcome to general support!$")
        # Billing is Alice's alone; general goes to the less busy Bob.
        alice_messaging, bob_messaging = self.accept(alice), self.accept(bob)
        ann.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Alice (Contoso)")
        ben.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Bob (Contoso)")
        for agent, messaging, v, words in ((alice, alice_messaging, ann, "Alice for Ann"),
                                           (bob, bob_messaging, ben, "Bob for Ben")):
            r = agent.call("POST", link(messaging, "sendMessage"), words, {"Content-Type": "text/plain"})
            self.assertEqual(r.status, 201, r)
        self.assertEqual(self.says(ann, "Alice"), "Alice for Ann")
        self.assertEqual(self.says(ben, "Bob"), "Bob for Ben")
        for v in (ann, ben):
            self.assertEqual(v.call("DELETE", link(v.messaging, "conversation")).status, 204)
        alice.events.wait_for("conversation", "deleted", timeout=15)
        bob.events.wait_for("conversation", "deleted", timeout=15)
        self.wait_idle()


class QueueTest(HelpdeskTestCase):
    chat_settings = {"no_agent_timeout": 3}

    def test_no_agent_position_then_polite_close(self):
        v = self.visitor("Queued", "general")
        self.says(v, "welcome to general support")
        self.says(v, r"^You are number 1 in the queue\.$")
        second = self.visitor("Second", "general")
        self.says(second, "welcome")
        self.says(second, r"^You are number 2 in the queue\.$")
        # After no_agent_timeout: the message, then the chat is closed by the helpdesk.
        self.says(v, r"^Sorry, nobody is free\. Goodbye!$", timeout=20)
        v.events.wait_for("conversation", "deleted", timeout=15)
        # The second visitor moves up, then times out too.
        self.says(second, r"^You are number 1 in the queue\.$", timeout=20)
        self.says(second, "Sorry", timeout=20)
        second.events.wait_for("conversation", "deleted", timeout=15)
        self.wait_idle()


if __name__ == "__main__":
    cbtest.main()
