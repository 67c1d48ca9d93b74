"""UCWA event aggregation on the event channel: a sender's own message (one "completed") is
medium urgency, so it does not release the sender's parked long-poll by itself. It goes out
ahead of the next high-urgency event (in order), or once it has waited the client's `medium`
interval (UCWA: default 5 s, bounds 5-1800)."""
import concurrent.futures
import time
import urllib.parse

import cbtest
from cbtest import Agent, Chat, PlatformTestCase, ServiceApp, Visitor, assert_error, embedded, link


def text(e):
    """An incoming message's words; an outgoing one (which carries none) by its href."""
    links = embedded(e)["_links"]
    if "plainMessage" in links:
        return urllib.parse.unquote(links["plainMessage"]["href"].split(",", 1)[1])
    return links["self"]["href"]


class EventAggregationTest(PlatformTestCase):
    def config(self, callback_url):
        cfg = cbtest.default_config(callback_url)
        cfg["events"]["long_poll_timeout"] = 30  # no early empty answers during a hold
        return cfg

    def setUp(self):
        super().setUp()
        sa = ServiceApp(self.platform)
        self.visitor = Visitor(self.platform, sa.anon_token())
        self.chat = Chat(sa, self.visitor, self.callbacks).open()
        self.alice = Agent(self.platform, "alice", "alice-pass")
        self.alice.make_available()
        self.alice_messaging = self.chat.join_agent(self.alice, "op-alice")
        self.vm = self.chat.visitor_messaging
        self.drain(self.visitor)
        self.drain(self.alice)
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)

    def tearDown(self):
        self.pool.shutdown(wait=True)
        super().tearDown()

    def drain(self, client):
        """Reads the channel until a poll comes back empty: what follows is new."""
        while client.events.poll(timeout=1).get("sender"):
            pass
        client.events.seen.clear()

    def poll(self, client, query):
        """One long-poll at the channel's `next` with extra query parameters, in the background;
        the future gives (seconds taken, the events as (rel, type, direction, text))."""
        href = client.events.next + ("&" if "?" in client.events.next else "?") + query

        def run():
            start = time.monotonic()
            r = self.platform.call("GET", href, headers=client.headers, timeout=60)
            assert r.status == 200, r
            client.events.next = link(r.json, "next")
            events = [(e["link"]["rel"], e["type"], embedded(e).get("direction"), text(e))
                      for _, _, e in cbtest.flatten(r.json) if e["link"]["rel"] == "message"]
            return time.monotonic() - start, events

        return self.pool.submit(run)

    def send(self, client, messaging, words):
        r = client.call("POST", link(messaging, "sendMessage"), words, {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        return r.header("Location")

    def test_own_message_rides_with_the_next_incoming_one_in_order(self):
        v1 = self.send(self.visitor, self.vm, "v1")
        waiting = self.poll(self.visitor, "timeout=30")
        # The agent hears it at once (incoming is high urgency)...
        agent_side = self.alice.events.wait_for("message", "completed", lambda e: text(e) == "v1", timeout=5)
        self.assertEqual(embedded(agent_side)["direction"], "Incoming")
        # ...while the visitor's own echo does not release the visitor's poll.
        time.sleep(1.0)
        self.assertFalse(waiting.done(), "the sender's own message released its long-poll")
        self.send(self.alice, self.alice_messaging, "a1")
        took, events = waiting.result(timeout=10)
        self.assertEqual(events, [("message", "completed", "Outgoing", v1),
                                  ("message", "completed", "Incoming", "a1")])
        self.assertGreaterEqual(took, 1.0)

    def test_own_message_alone_goes_once_held_for_the_medium_interval(self):
        # medium=1 is below UCWA's minimum: the platform holds for 5 s.
        sent = time.monotonic()
        a2 = self.send(self.alice, self.alice_messaging, "a2")
        took, events = self.poll(self.alice, "timeout=30&medium=1").result(timeout=20)
        held = time.monotonic() - sent
        self.assertEqual(events, [("message", "completed", "Outgoing", a2)])
        self.assertGreaterEqual(held, 4.5)
        self.assertLess(held, 15)
        # The interval is remembered: the next poll without `medium` holds as long.
        sent = time.monotonic()
        a3 = self.send(self.alice, self.alice_messaging, "a3")
        took, events = self.poll(self.alice, "timeout=30").result(timeout=20)
        self.assertEqual([e[3] for e in events], [a3])
        self.assertGreaterEqual(time.monotonic() - sent, 4.5)

    def test_a_poll_finding_only_held_events_is_answered_when_their_time_is_up(self):
        v2 = self.send(self.visitor, self.vm, "v2")
        time.sleep(5.5)  # the echo has been held long enough before the poll comes
        took, events = self.poll(self.visitor, "timeout=30").result(timeout=10)
        self.assertEqual([e[3] for e in events], [v2])
        self.assertLess(took, 2.0)

    def test_medium_must_be_a_number(self):
        for bad in ("abc", "-5", "5s", ""):
            href = self.visitor.events.next + "&medium=" + bad
            r = self.platform.call("GET", href, headers=self.visitor.headers)
            assert_error(r, 400, "BadRequest", "InvalidParameter")


if __name__ == "__main__":
    cbtest.main()
