"""ops.callback_batch_window_ms: conversations whose callbacks go to the same URL share POSTs.
Each POST lists every conversation's range in X-Carebridge-Event-Positions ("4-6,9-9"); each
event still arrives once, and each conversation's events in order."""
import time
import urllib.parse

import cbtest
from cbtest import Chat, PlatformTestCase, ServiceApp, Visitor, embedded, is_event, link


def positions(header):
    out = []
    for part in header.split(","):
        first, last = (int(x) for x in part.split("-"))
        out += range(first, last + 1)
    return out


class CallbackBatchingTest(PlatformTestCase):
    def config(self, callback_url):
        cfg = cbtest.default_config(callback_url)
        cfg["ops"] = {"callback_batch_window_ms": 100}
        return cfg

    def test_two_conversations_share_posts_and_nothing_is_lost_or_repeated(self):
        sa = ServiceApp(self.platform)
        chats = []
        for i in range(2):
            visitor = Visitor(self.platform, sa.anon_token(session=f"session-{i}"), name=f"Visitor {i}")
            chats.append((visitor, Chat(sa, visitor, self.callbacks).open()))
        # Words in both chats within one window: the application hears them in shared POSTs.
        for n in range(3):
            for i, (visitor, chat) in enumerate(chats):
                r = visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), f"chat{i}-{n}",
                                 {"Content-Type": "text/plain"})
                self.assertEqual(r.status, 201, r)
        for i in range(2):
            self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                    and f"chat{i}-2" in str(embedded(e)["_links"].get("plainMessage")))
        self.callbacks.wait_answered()
        with self.callbacks.cond:
            received = list(self.callbacks.received)

        shared, seen = 0, []
        for _, headers, env in received:
            listed = positions(headers["X-Carebridge-Event-Positions"])
            events = cbtest.flatten(env)
            self.assertEqual(len(listed), len(events), headers["X-Carebridge-Event-Positions"])
            self.assertEqual(listed, sorted(listed))
            seen += listed
            if len({href for _, href, _ in events}) > 1:
                shared += 1
        self.assertGreater(shared, 0, "no POST carried two conversations")
        self.assertEqual(len(seen), len(set(seen)), "an event was delivered twice")
        # Nothing skipped: the positions delivered are 1..N without a gap.
        self.assertEqual(sorted(seen), list(range(1, len(seen) + 1)))
        # Each conversation's words arrive in the order they were said.
        for i in range(2):
            heard = [urllib.parse.unquote(link(embedded(e), "plainMessage").split(",", 1)[1])
                     for _, _, _, e in self.callbacks.events()
                     if e["link"]["rel"] == "ms:rtc:saas:message" and e["type"] == "completed"
                     and embedded(e)["direction"] == "Incoming" and f"chat{i}-" in str(embedded(e)["_links"])]
            self.assertEqual(heard, [f"chat{i}-{n}" for n in range(3)])


if __name__ == "__main__":
    cbtest.main()
