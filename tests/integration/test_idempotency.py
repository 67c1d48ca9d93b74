"""Writes repeated with the same operationId (a client retrying after a lost answer) do what
the first did and nothing more: one meeting, one invitation, one message; another operationId
is a new operation."""
import time
import unittest

import cbtest
from cbtest import Agent, Chat, PlatformTestCase, ServiceApp, Visitor, embedded, is_event, link


class IdempotencyTest(PlatformTestCase):
    def setUp(self):
        super().setUp()
        self.sa = ServiceApp(self.platform)
        self.visitor = Visitor(self.platform, self.sa.anon_token())
        self.chat = Chat(self.sa, self.visitor, self.callbacks)

    def count(self, rel, type_, pred=lambda e: True):
        return sum(1 for _, _, _, e in self.callbacks.events() if is_event(rel, type_)(None, e) and pred(e))

    def test_start_meeting_twice_is_one_meeting(self):
        href = link(self.chat.invitation, "ms:rtc:saas:startAdhocMeeting")
        body = {"subject": "help", "operationId": "meet-1"}
        first = self.sa.post(href, body, expect=(201,))
        again = self.sa.post(href, body, expect=(201,))
        self.assertEqual(first.header("Location"), again.header("Location"))
        self.assertEqual(link(first.json, "ms:rtc:saas:conversation"), link(again.json, "ms:rtc:saas:conversation"))
        self.assertEqual(first.json["onlineMeetingUri"], again.json["onlineMeetingUri"])
        other = self.sa.post(href, dict(body, operationId="meet-2"), expect=(201,))
        self.assertNotEqual(first.json["onlineMeetingUri"], other.json["onlineMeetingUri"])
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:onlineMeetingInvitation", "completed")(s, e)
                                and embedded(e).get("operationId") == "meet-2")
        started = self.count("ms:rtc:saas:onlineMeetingInvitation", "started",
                             lambda e: embedded(e).get("operationId") == "meet-1")
        self.assertEqual(started, 1)

    def test_add_messaging_again_with_same_operation_only(self):
        self.chat.start_meeting()
        href = link(self.chat.messaging, "ms:rtc:saas:addMessaging")
        self.sa.post(href, {"operationId": "join-1"}, expect=(201,))
        self.sa.post(href, {"operationId": "join-1"}, expect=(201,))
        self.sa.post(href, {"operationId": "join-2"}, expect=(409,))

    def test_send_message_twice_is_one_message(self):
        self.chat.open()
        messaging = self.sa.get(link(self.chat.meeting, "ms:rtc:saas:messaging"))
        href = link(messaging, "ms:rtc:saas:sendMessage") + "&operationId=hello-1"
        headers = {"Content-Type": "text/plain"}
        first = self.sa.post(href, "Hello", expect=(201,), headers=headers)
        again = self.sa.post(href, "Hello", expect=(201,), headers=headers)
        self.assertEqual(first.header("Location"), again.header("Location"))
        self.sa.post(link(messaging, "ms:rtc:saas:sendMessage") + "&operationId=hello-2", "Bye", expect=(201,),
                     headers=headers)
        # The visitor sees Hello once, then Bye.
        texts = []
        deadline = time.monotonic() + 10
        while "Bye" not in texts:
            self.assertLess(time.monotonic(), deadline, texts)
            self.visitor.events.poll(timeout=1)
            texts = [link(e["_embedded"]["message"], "plainMessage").split(",", 1)[1]
                     for _, _, e in self.visitor.events.seen
                     if e["link"]["rel"] == "message" and e["type"] == "completed"
                     and e["_embedded"]["message"]["direction"] == "Incoming"]
        self.assertEqual(texts, ["Hello", "Bye"])

    def test_add_participant_twice_is_one_invitation(self):
        self.chat.open()
        alice = Agent(self.platform, "alice", "alice-pass")
        alice.make_available()
        href = link(self.chat.meeting, "ms:rtc:saas:addParticipant")
        first = self.sa.post(href, {"operationId": "inv-1", "to": alice.uri}, expect=(201,))
        again = self.sa.post(href, {"operationId": "inv-1", "to": alice.uri}, expect=(201,))
        self.assertEqual(first.header("Location"), again.header("Location"))
        alice.events.wait_for("onlineMeetingInvitation", "started")
        alice.events.poll(timeout=1)
        self.assertFalse([e for _, _, e in alice.events.seen
                          if e["link"]["rel"] == "onlineMeetingInvitation" and e["type"] == "started"])


if __name__ == "__main__":
    cbtest.main()
