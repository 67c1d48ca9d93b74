"""Routing through the real `carebridge up`: three agents of two chats each and eight
visitors; queue places; a chat that ends lets the next one in; an agent who disconnects has
their chats handed on (see test_helpdesk.py for the harness)."""
import cbtest
from cbtest import embedded, link
from test_helpdesk import HelpdeskTestCase


class RoutingTest(HelpdeskTestCase):
    agent_queues = {"alice": ["general"], "bob": ["general"], "carol": ["general"]}

    def test_three_agents_of_two_chats_and_eight_visitors(self):
        agents = {u: self.agent(u) for u in ("alice", "bob", "carol")}
        # The least busy agent takes each new chat (ties in configuration order).
        expected = ["alice", "bob", "carol", "alice", "bob", "carol"]
        visitors = []
        for i, name in enumerate(expected):
            v = self.visitor(f"V{i}", "general")
            self.says(v, "welcome")
            self.accept(agents[name])
            v.events.wait_for("participant", "added", lambda e, n=name: embedded(e)["name"] == f"{n.capitalize()} (Contoso)")
            visitors.append(v)
        # Everyone is at two chats: the 7th and 8th wait, told their places.
        v6, v7 = self.visitor("V6", "general"), self.visitor("V7", "general")
        self.says(v6, "welcome")
        self.says(v6, r"^You are number 1 in the queue\.$")
        self.says(v7, "welcome")
        self.says(v7, r"^You are number 2 in the queue\.$")
        # A chat of Alice's ends: the 7th goes to her, and the 8th moves up.
        self.assertEqual(visitors[0].call("DELETE", link(visitors[0].messaging, "conversation")).status, 204)
        agents["alice"].events.wait_for("conversation", "deleted", timeout=15)
        self.accept(agents["alice"])
        v6.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Alice (Contoso)")
        self.says(v7, r"^You are number 1 in the queue\.$")
        # Bob disconnects: both his chats go back to the queue, ahead of the 8th (they came
        # first), and the next free agent gets the oldest.
        bob = agents["bob"]
        self.assertEqual(bob.call("DELETE", link(bob.app, "self")).status, 204)
        for v in (visitors[1], visitors[4]):
            self.says(v, "Your agent left")
        self.says_eventually(visitors[1], r"^You are number 1 in the queue\.$")
        self.says_eventually(visitors[4], r"^You are number 2 in the queue\.$")
        self.says_eventually(v7, r"^You are number 3 in the queue\.$")
        self.assertEqual(visitors[2].call("DELETE", link(visitors[2].messaging, "conversation")).status, 204)
        agents["carol"].events.wait_for("conversation", "deleted", timeout=15)
        self.accept(agents["carol"])
        visitors[1].events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Carol (Contoso)")
        self.says_eventually(visitors[4], r"^You are number 1 in the queue\.$")


if __name__ == "__main__":
    cbtest.main()
