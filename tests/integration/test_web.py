"""The helpdesk serving web/ (the visitor widget, the agent console) from the real `carebridge
up`, and the platform's CORS for the console's origin. The pages themselves are tested in a
real browser by tests/e2e/."""
import re

import cbtest
from test_helpdesk import HelpdeskTestCase


class StaticFilesTest(HelpdeskTestCase):
    def get(self, path, headers=None):
        return self.up.helpdesk.call("GET", path, headers=headers)

    def test_pages_and_files(self):
        for path, ctype in [("/", "text/html"), ("/agent/", "text/html"), ("/visitor/widget.js", "text/javascript"),
                            ("/visitor/widget.css", "text/css"), ("/shared/ucwa.js", "text/javascript")]:
            r = self.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertEqual(r.header("content-type").split(";")[0], ctype, path)
            self.assertEqual(r.header("cache-control"), "no-cache", path)
            # A company page on another origin loads the widget's modules: CORS on files.
            self.assertEqual(r.header("access-control-allow-origin"), "*", path)
        self.assertIn("Agent console", self.get("/agent/").raw)
        r = self.get("/agent")
        self.assertEqual((r.status, r.header("location")), (301, "/agent/"))

    def test_etag_revalidation(self):
        r = self.get("/visitor/widget.js")
        etag = r.header("etag")
        self.assertRegex(etag, r'^"[0-9a-f]{20}"$')
        again = self.get("/visitor/widget.js", {"If-None-Match": etag})
        self.assertEqual((again.status, again.raw), (304, ""))
        self.assertEqual(self.get("/visitor/widget.js", {"If-None-Match": '"other"'}).status, 200)
        self.assertNotEqual(self.get("/visitor/widget.css").header("etag"), etag)

    def test_unknown_files_and_traversal_are_404_json(self):
        for path in ["/visitor/nope.js", "/visitor/../../etc/passwd", "/visitor/%2e%2e/%2e%2e/etc/passwd",
                     "/agent/..%2f..%2fCMakeLists.txt", "/shared/", "/nothing-here"]:
            r = self.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json["code"], "NotFound", path)
        r = self.up.helpdesk.call("POST", "/visitor/widget.js")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json["code"], "MethodNotAllowed")

class ConsoleApiTest(HelpdeskTestCase):
    """What the helpdesk adds for the pages: /web-config, and for agents /api/chat[/end]."""

    def get(self, path, headers=None):
        return self.up.helpdesk.call("GET", path, headers=headers)

    def test_web_config_and_chat_info(self):
        c = self.get("/web-config").json
        self.assertEqual(c["queues"], [{"name": "general", "displayName": "general support"},
                                       {"name": "billing", "displayName": "billing"}])
        self.assertTrue(c["autodiscoverUrl"].startswith(self.up.platform.url))
        deadline = cbtest.time.monotonic() + 10
        while (r := self.get("/api/chat?meeting=sip:nobody")).status == 503:  # keys still loading
            self.assertLess(cbtest.time.monotonic(), deadline, r)
            cbtest.time.sleep(0.1)
        self.assertEqual((r.status, r.json["code"]), (401, "Unauthorized"))
        r = self.get("/api/chat?meeting=sip:nobody", headers=self.agent("bob", available=False).headers)
        self.assertEqual((r.status, r.json["code"]), (404, "NotFound"))

    def test_chat_info_names_the_visitor_and_holds_the_transcript(self):
        alice = self.agent("alice")
        v = self.visitor("Janardhan", "billing")
        self.says(v, "welcome to billing")
        inv = cbtest.embedded(alice.events.wait_for("onlineMeetingInvitation", "started"))
        url = "/api/chat?meeting=" + cbtest.urllib.parse.quote(inv["onlineMeetingUri"])
        # Only the agent the chat is offered to: not without a token, not with a forged one, not
        # to another agent (who cannot tell the chat exists).
        self.assertEqual(self.get(url).status, 401)
        forged = alice.headers["Authorization"][:-4] + ("AAAA" if not alice.headers["Authorization"].endswith("AAAA") else "BBBB")
        self.assertEqual(self.get(url, headers={"Authorization": forged}).status, 401)
        self.assertEqual(self.get(url, headers=self.agent("bob", available=False).headers).status, 404)
        r = self.get(url, headers=alice.headers)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["visitor"], r.json["queue"], r.json["queueDisplay"]), ("Janardhan", "billing", "billing"))
        self.assertRegex(r.json["created"], r"^\d{4}-")
        self.assertIn("Hello Janardhan, welcome to billing!", [m["text"] for m in r.json["messages"]])

    def test_agent_ends_the_chat_for_everyone(self):
        alice = self.agent("alice")
        v = self.visitor("Ann", "general")
        self.says(v, "welcome")
        inv = cbtest.embedded(alice.events.wait_for("onlineMeetingInvitation", "started"))
        self.accept_invitation(alice, inv)
        v.events.wait_for("participant", "added", lambda e: cbtest.embedded(e)["name"] == "Alice (Contoso)")
        end = "/api/chat/end?meeting=" + cbtest.urllib.parse.quote(inv["onlineMeetingUri"])
        self.assertEqual(self.up.helpdesk.call("POST", end).status, 401)
        self.assertEqual(self.up.helpdesk.call("POST", end, headers=self.agent("bob", available=False).headers).status, 404)
        self.assertEqual(self.up.helpdesk.call("POST", end, headers=alice.headers).status, 204)
        v.events.wait_for("conversation", "deleted", timeout=15)
        alice.events.wait_for("conversation", "deleted", timeout=15)
        self.wait_idle()
        self.assertEqual(self.up.helpdesk.call("POST", end, headers=alice.headers).status, 404)

    def test_agent_transfers_the_chat_to_another_queue(self):
        alice, carol = self.agent("alice"), self.agent("carol")  # general+billing, billing
        v = self.visitor("Tom", "general")
        self.says(v, "welcome")
        inv = cbtest.embedded(alice.events.wait_for("onlineMeetingInvitation", "started"))
        self.accept_invitation(alice, inv)
        transfer = "/api/chat/transfer?meeting=" + cbtest.urllib.parse.quote(inv["onlineMeetingUri"])
        self.assertEqual(self.up.helpdesk.call("POST", transfer + "&queue=billing").status, 401)
        self.assertEqual(self.up.helpdesk.call("POST", transfer + "&queue=billing", headers=carol.headers).status, 404)
        r = self.up.helpdesk.call("POST", transfer + "&queue=nowhere", headers=alice.headers)
        self.assertEqual((r.status, r.json["code"]), (400, "BadRequest"))
        self.assertEqual(self.up.helpdesk.call("POST", transfer + "&queue=billing", headers=alice.headers).status, 204)
        self.says(v, "transferred to the billing desk")
        # Billing's other agent is offered it (not Alice, who passed it on), and joins.
        inv2 = cbtest.embedded(carol.events.wait_for("onlineMeetingInvitation", "started", timeout=15))
        self.assertEqual(inv2["onlineMeetingUri"], inv["onlineMeetingUri"])
        self.accept_invitation(carol, inv2)
        v.events.wait_for("participant", "added", lambda e: cbtest.embedded(e)["name"].startswith("Carol"), timeout=15)

    def accept_invitation(self, agent, inv):
        self.assertEqual(agent.call("POST", cbtest.link(inv, "accept")).status, 204)
        msg = agent.events.wait_for("messaging", "updated")
        self.assertEqual(agent.call("POST", cbtest.link(cbtest.embedded(msg), "addMessaging")).status, 204)


class ConsoleCorsTest(HelpdeskTestCase):
    def test_console_origin_may_call_the_agent_side(self):
        origin = self.up.helpdesk.url
        p = self.up.platform
        r = p.call("OPTIONS", "/ucwa/v1/applications", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.header("access-control-allow-origin"), origin)
        self.assertIn("Authorization", r.header("access-control-allow-headers"))
        root = p.call("GET", "/autodiscover/autodiscoverservice.svc/root", headers={"Origin": origin})
        self.assertEqual(root.header("access-control-allow-origin"), origin)
        # The sign-in challenge must be readable from the page.
        r = p.call("GET", cbtest.link(root.json, "user"), headers={"Origin": origin})
        self.assertEqual(r.status, 401)
        self.assertIn("WWW-Authenticate", r.header("access-control-expose-headers"))
        r = p.call("POST", "/oauth2/token", "grant_type=password&username=alice&password=alice-pass",
                   {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})
        self.assertEqual((r.status, r.header("access-control-allow-origin")), (200, origin))

    def test_other_origins_get_no_cors(self):
        evil = "https://evil.example"
        p = self.up.platform
        r = p.call("OPTIONS", "/ucwa/v1/applications", headers={"Origin": evil, "Access-Control-Request-Method": "POST"})
        self.assertEqual(r.status, 403)
        r = p.call("POST", "/oauth2/token", "grant_type=password&username=alice&password=alice-pass",
                   {"Content-Type": "application/x-www-form-urlencoded", "Origin": evil})
        self.assertIsNone(r.header("access-control-allow-origin"))
        # The service side never gets CORS, even for the console's origin.
        r = p.call("GET", "/platformservice/discover", headers={"Origin": self.up.helpdesk.url})
        self.assertIsNone(r.header("access-control-allow-origin"))


if __name__ == "__main__":
    cbtest.main()
