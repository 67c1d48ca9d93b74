"""The customer-chat-care call flow, steps 1-22, over real HTTP against the real binary:
the test plays the Service Application (with a callback receiver), the visitor and agents."""
import os
import re
import urllib.parse
import unittest

import cbtest
from cbtest import (Agent, CallbackReceiver, Platform, ServiceApp, Visitor, embedded, is_event,
                    link, default_config)

HELPDESK = "sip:helpdesk@contoso.com"


class CallFlowTest(unittest.TestCase):
    io_threads = None  # the default (one I/O thread beside the engine)

    def setUp(self):
        self.callbacks = CallbackReceiver()
        config = default_config(self.callbacks.url)
        if self.io_threads is not None:
            config["io_threads"] = self.io_threads
        self.platform = Platform(config)
        # The setting took: the platform names its I/O threads cb-http-io.
        tasks = f"/proc/{self.platform.proc.pid}/task"
        names = [open(f"{tasks}/{t}/comm").read().strip() for t in os.listdir(tasks)]
        self.assertEqual(names.count("cb-http-io"), 1 if self.io_threads is None else self.io_threads, names)

    def tearDown(self):
        self.platform.stop()
        self.callbacks.stop()

    # -- the Service Application's half of steps 7-11, shared by the tests ---------------
    def start_chat(self, sa, visitor, custom="CID:2"):
        # Step 6: the visitor invites the helpdesk.
        comm = visitor.app["_embedded"]["communication"]
        r = visitor.call("POST", link(comm, "startMessaging"),
                         {"operationId": "ucwap2pimop", "subject": "Help with my order",
                          "to": HELPDESK, "customContent": custom})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["state"], "Connecting")
        self.assertEqual(r.json["operationId"], "ucwap2pimop")
        self.assertTrue(r.header("location").endswith(link(r.json, "self")))
        e = visitor.events.wait_for("messagingInvitation", "started")
        self.assertEqual(embedded(e)["state"], "Connecting")
        e = visitor.events.wait_for("conversation", "added")
        self.assertEqual(embedded(e)["state"], "Connecting")

        # Step 7: the callback.
        path, sender_rel, sender_href, inv = self.callbacks.wait_for(is_event("ms:rtc:saas:messagingInvitation", "started"))
        self.assertEqual(sender_rel, "ms:rtc:saas:communication")
        invitation = embedded(inv)
        self.assertEqual(invitation["direction"], "Incoming")
        self.assertEqual(invitation["state"], "Connecting")
        self.assertEqual(invitation["subject"], "Help with my order")
        self.assertEqual(invitation["to"], HELPDESK)
        self.assertEqual(invitation["operationId"], "ucwap2pimop")
        self.assertEqual(invitation["rel"], "ms:rtc:saas:messagingInvitation")
        self.assertEqual(set(invitation["_links"]),
                         {"self", "ms:rtc:saas:conversation", "ms:rtc:saas:decline",
                          "ms:rtc:saas:startAdhocMeeting", "ms:rtc:saas:acceptAndBridge", "customContent"})
        self.assertEqual(link(invitation, "customContent"), "data:text/plain;charset=utf-8," + urllib.parse.quote(custom, safe=""))
        self.assertEqual(invitation["_embedded"]["ms:rtc:saas:from"]["name"], "Janardhan")
        self.assertIn("endpointId=" + HELPDESK, link(invitation, "ms:rtc:saas:startAdhocMeeting"))

        # Step 8: start the ad-hoc meeting, then join its messaging.
        r = sa.post(link(invitation, "ms:rtc:saas:startAdhocMeeting"),
                    {"subject": "helpcustomermeeting", "callbackUrl": self.callbacks.url, "operationId": "abc"})
        self.assertEqual(r.status, 201)
        self.assertEqual(r.json["rel"], "ms:rtc:saas:onlineMeetingInvitation")
        self.assertEqual(r.json["operationId"], "abc")
        meeting_uri = r.json["onlineMeetingUri"]
        self.assertRegex(meeting_uri, r"^sip:.+;gruu;opaque=app:conf:focus:id:[A-F0-9]{8}$")
        _, rel, _, e = self.callbacks.wait_for(is_event("ms:rtc:saas:onlineMeetingInvitation", "started"))
        self.assertEqual(embedded(e)["operationId"], "abc")
        _, rel, _, conv = self.callbacks.wait_for(
            lambda s, e: e["link"]["rel"] == "ms:rtc:saas:conversation" and e["type"] == "added"
            and embedded(e)["state"] == "Conferenced")
        meeting = embedded(conv)
        self.assertEqual(meeting["subject"], "helpcustomermeeting")
        for rel_name in ("self", "ms:rtc:saas:addParticipant", "ms:rtc:saas:messaging",
                         "ms:rtc:saas:onlineMeeting", "ms:rtc:saas:participants"):
            self.assertIn(rel_name, meeting["_links"])
        _, _, _, om = self.callbacks.wait_for(is_event("ms:rtc:saas:onlineMeeting", "added"))
        self.assertEqual(embedded(om)["onlineMeetingUri"], meeting_uri)
        _, _, _, msg = self.callbacks.wait_for(
            lambda s, e: is_event("ms:rtc:saas:messaging", "updated")(s, e) and "ms:rtc:saas:addMessaging" in embedded(e)["_links"])
        r = sa.post(link(embedded(msg), "ms:rtc:saas:addMessaging"), {"operationId": "addmsg"})
        self.assertEqual(r.status, 201)
        _, _, _, connected = self.callbacks.wait_for(
            lambda s, e: is_event("ms:rtc:saas:messaging", "updated")(s, e) and embedded(e)["state"] == "Connected")
        messaging = embedded(connected)
        self.assertEqual(set(messaging["_links"]), {"self", "ms:rtc:saas:conversation", "ms:rtc:saas:sendMessage",
                                                    "ms:rtc:saas:setIsTyping", "ms:rtc:saas:typingParticipants",
                                                    "ms:rtc:saas:stopMessaging"})
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:messagingInvitation", "completed")(s, e)
                                and embedded(e)["operationId"] == "addmsg" and e["status"] == "Success")

        # Step 9: accept and bridge the visitor's invitation into the meeting.
        r = sa.post(link(invitation, "ms:rtc:saas:acceptAndBridge"),
                    {"impersonatedDisplayName": "contoso helpdesk", "onlineMeetingUri": meeting_uri})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["state"], "Connected")
        e = visitor.events.wait_for("messagingInvitation", "completed")
        self.assertEqual(e["status"], "Success")
        e = visitor.events.wait_for("messaging", "updated", lambda e: embedded(e)["state"] == "Connected")
        visitor_messaging = embedded(e)
        e = visitor.events.wait_for("participant", "added")
        self.assertEqual(embedded(e)["name"], "contoso helpdesk")

        # Step 10: the bridge.
        _, sender_rel, _, b = self.callbacks.wait_for(is_event("ms:rtc:saas:conversationBridge", "added"))
        self.assertEqual(sender_rel, "ms:rtc:saas:conversation")
        bridge = sa.get(link(embedded(b), "self"))
        self.assertEqual(bridge["onlineMeetingUri"], meeting_uri)
        self.assertEqual(bridge, embedded(b))
        return {"meeting": meeting, "messaging": messaging, "bridge": bridge,
                "visitor_messaging": visitor_messaging, "invitation": invitation}

    def join_agent(self, sa, chat, agent, op):
        r = sa.post(link(chat["meeting"], "ms:rtc:saas:addParticipant"),
                    {"operationId": op, "to": agent.uri})
        self.assertEqual(r.status, 201)
        _, _, _, e = self.callbacks.wait_for(
            lambda s, e: is_event("ms:rtc:saas:participantInvitation", "started")(s, e) and embedded(e)["operationId"] == op)
        inv = agent.events.wait_for("onlineMeetingInvitation", "started")
        self.assertEqual(embedded(inv)["subject"], "helpcustomermeeting")
        r = agent.call("POST", link(embedded(inv), "accept"))
        self.assertEqual(r.status, 204, r)
        conv = agent.events.wait_for("conversation", "added")
        self.assertEqual(embedded(conv)["state"], "Conferenced")
        msg = agent.events.wait_for("messaging", "updated")
        r = agent.call("POST", link(embedded(msg), "addMessaging"))
        self.assertEqual(r.status, 204, r)
        connected = agent.events.wait_for("messaging", "updated", lambda e: embedded(e)["state"] == "Connected")
        # Step 15: the application sees the agent join, and join messaging.
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:participantInvitation", "completed")(s, e)
                                and embedded(e)["operationId"] == op and e["status"] == "Success")
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:participant", "added")(s, e)
                                and embedded(e)["uri"] == agent.uri)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:participantMessaging", "added")(s, e)
                                and agent.uri.split(":")[1] in e["link"]["href"])
        return embedded(connected)

    def new_agent(self, username, password, uri):
        agent = Agent(self.platform, username, password)
        agent.uri = uri
        agent.make_available()
        return agent

    # -- the tests ------------------------------------------------------------------------
    def test_whole_call_flow(self):
        p = self.platform
        # Step 1: discovery, absolute link to the applications resource.
        disc = p.call("GET", "/platformservice/discover")
        self.assertEqual(disc.status, 200)
        self.assertEqual(disc.json["rel"], "ms:rtc:saas:discover")
        self.assertEqual(link(disc.json, "ms:rtc:saas:applications"), p.url + "/platformservice/v1/applications")
        # Step 2a: without a token, 401 with a Bearer challenge and a JSON error.
        r = p.call("GET", link(disc.json, "ms:rtc:saas:applications"))
        self.assertEqual(r.status, 401)
        self.assertTrue(r.header("www-authenticate").startswith("Bearer"))
        self.assertEqual(r.json["code"], "Unauthorized")
        # Step 2b-c: with one, the application and its capabilities.
        sa = ServiceApp(p)
        self.assertEqual(sa.app["rel"], "ms:rtc:saas:application")
        self.assertEqual(link(sa.app, "ms:rtc:saas:anonApplicationTokens"),
                         "/platformservice/v1/applications/1627259584/anonApplicationTokens?endpointId=" + HELPDESK)
        self.assertIn("ms:rtc:saas:communication", sa.app["_embedded"])
        # Step 3: the anonymous token and discover link.
        tok = sa.anon_token()
        self.assertTrue(tok["token"].startswith("psat="))
        self.assertRegex(tok["expiryTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertIn("/platformservice/discover?anonymousContext=psat%253d", link(tok, "ms:rtc:saas:discover"))
        # Steps 4-5: the visitor.
        visitor = Visitor(p, tok)
        self.assertEqual(link(visitor.discover, "anonApplications"), "/ucwa/psanon/v1/applications")
        self.assertEqual(visitor.app["_embedded"]["me"]["name"], "Janardhan")
        # Steps 6-10.
        chat = self.start_chat(sa, visitor)

        # Step 11: the agent as a bridged participant, filter disabled.
        r = sa.post(link(chat["bridge"], "ms:rtc:saas:bridgedParticipants"),
                    {"displayName": "john", "participantUri": "sip:alice@contoso.com", "messageFilterState": "Disabled"})
        self.assertEqual(r.status, 201)
        _, _, _, bp = self.callbacks.wait_for(is_event("ms:rtc:saas:bridgedParticipant", "added"))
        self.assertEqual(embedded(bp)["displayName"], "john")
        self.assertEqual(embedded(bp)["messageFilterState"], "Disabled")
        self.assertEqual(bp["in"]["rel"], "ms:rtc:saas:bridgedParticipants")

        # Step 12: welcome message; started and completed callbacks with its operationId.
        send = link(chat["messaging"], "ms:rtc:saas:sendMessage")
        r = sa.post(send + "&operationId=welcomeop", "Welcome customer",
                    headers={"Content-Type": "text/plain; charset=utf-8"})
        self.assertEqual(r.status, 201)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "started")(s, e)
                                and embedded(e)["operationId"] == "welcomeop")
        _, _, _, done = self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                                and embedded(e).get("operationId") == "welcomeop")
        self.assertEqual(done["status"], "Success")
        self.assertEqual(embedded(done)["direction"], "Outgoing")
        # Step 13: the visitor receives it.
        e = visitor.events.wait_for("message", "completed")
        self.assertEqual(embedded(e)["direction"], "Incoming")
        self.assertEqual(link(embedded(e), "plainMessage"), "data:text/plain;charset=utf-8,Welcome%20customer")
        self.assertEqual(embedded(e)["_links"]["participant"]["title"], "contoso helpdesk")

        # Steps 14-15: add the agent.
        alice = self.new_agent("alice", "alice-pass", "sip:alice@contoso.com")
        agent_messaging = self.join_agent(sa, chat, alice, "addalice")
        e = visitor.events.wait_for("participant", "added")
        self.assertEqual(embedded(e)["name"], "john")  # the bridged display name

        # Step 16: the agent types; the visitor sees it, then sees it stop.
        r = alice.call("POST", link(agent_messaging, "setIsTyping"))
        self.assertEqual(r.status, 204)
        e = visitor.events.wait_for("participant", "added", lambda e: e.get("in", {}).get("rel") == "typingParticipants")
        self.assertEqual(e["link"]["title"], "john")
        # Step 17: the agent's message reaches the visitor (and clears typing).
        r = alice.call("POST", link(agent_messaging, "sendMessage"), "<p>Hi, <b>Alice</b> here</p>",
                       {"Content-Type": "text/html; charset=utf-8"})
        self.assertEqual(r.status, 201, r)
        e = visitor.events.wait_for("participant", "deleted", lambda e: e.get("in", {}).get("rel") == "typingParticipants")
        e = visitor.events.wait_for("message", "completed")
        self.assertEqual(link(embedded(e), "htmlMessage"),
                         "data:text/html;charset=utf-8," + urllib.parse.quote("<p>Hi, <b>Alice</b> here</p>", safe=""))
        # The application hears it too.
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                and embedded(e)["direction"] == "Incoming"
                                and "htmlMessage" in embedded(e)["_links"])
        # Steps 18-19: the visitor types and writes; the agent sees both.
        vm = chat["visitor_messaging"]
        self.assertEqual(visitor.call("POST", link(vm, "setIsTyping")).status, 204)
        e = alice.events.wait_for("participant", "added", lambda e: e.get("in", {}).get("rel") == "typingParticipants")
        self.assertEqual(e["link"]["title"], "Janardhan")
        r = visitor.call("POST", link(vm, "sendMessage"), "My order #42 is late", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        e = alice.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming")
        self.assertEqual(link(embedded(e), "plainMessage"), "data:text/plain;charset=utf-8,My%20order%20%2342%20is%20late")
        self.assertEqual(embedded(e)["_links"]["participant"]["title"], "Janardhan")
        # The visitor's own message comes back as Outgoing, once.
        e = visitor.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Outgoing")

        # Step 20: the visitor ends the chat.
        conv_href = link(vm, "conversation")
        r = visitor.call("DELETE", conv_href)
        self.assertEqual(r.status, 204, r)
        visitor.events.wait_for("conversation", "deleted")
        # Step 21: the application is told: messaging disconnected, conversation deleted,
        # the visitor's participantMessaging and participant deleted.
        chat_conv = link(chat["invitation"], "ms:rtc:saas:conversation")
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:conversation", "deleted")(s, e)
                                and e["link"]["href"] == chat_conv)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:messaging", "updated")(s, e)
                                and embedded(e)["state"] == "Disconnected")
        self.callbacks.wait_for(is_event("ms:rtc:saas:participantMessaging", "deleted"))
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:participant", "deleted")(s, e)
                                and "anonymous" in e["link"]["href"])
        e = alice.events.wait_for("participant", "deleted")
        self.assertEqual(e["link"]["title"], "Janardhan")

        # Step 22: the application terminates the meeting; the agent is told.
        meeting_href = link(chat["meeting"], "self")
        r = p.call("DELETE", meeting_href, headers=sa.auth)
        self.assertEqual(r.status, 204, r)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:conversation", "deleted")(s, e)
                                and e["link"]["href"] == meeting_href)
        alice.events.wait_for("conversation", "deleted")
        # Every resource of the conversation answers 404 afterwards, to everyone.
        for href, headers in [(meeting_href, sa.auth), (link(chat["bridge"], "self"), sa.auth),
                              (link(chat["messaging"], "self"), sa.auth), (conv_href, visitor.headers),
                              (link(agent_messaging, "self"), alice.headers),
                              (link(chat["invitation"], "self"), sa.auth)]:
            self.assertEqual(p.call("GET", href, headers=headers).status, 404, href)
        r = sa.post(send, "too late", expect=(404,), headers={"Content-Type": "text/plain"})
        self.assertEqual(r.json["code"], "NotFound")

        # Callbacks were signed (RS256, audience = the application) and carry positions.
        path, headers, env = self.callbacks.received[0]
        self.assertTrue(headers["Authorization"].startswith("Bearer "))
        jwks = p.call("GET", "/.well-known/jwks.json").json
        self.assertEqual(jwks["keys"][0]["alg"], "RS256")
        positions = []
        for _, h, env in self.callbacks.received:
            first, last = map(int, h["X-Carebridge-Event-Positions"].split("-"))
            self.assertEqual(link(env, "self").split("ack=")[1], str(first))
            self.assertEqual(link(env, "next").split("ack=")[1], str(last + 1))
            positions += range(first, last + 1)
            self.assertEqual(env["baseuri"], p.url)
        self.assertEqual(len(positions), len(set(positions)), "a callback event was delivered twice")

    def test_two_agents_and_a_filtered_bridged_participant(self):
        sa = ServiceApp(self.platform)
        visitor = Visitor(self.platform, sa.anon_token())
        chat = self.start_chat(sa, visitor)
        # Bob is a supervisor: bridged with messageFilterState Enabled.
        sa.post(link(chat["bridge"], "ms:rtc:saas:bridgedParticipants"),
                {"displayName": "supervisor", "participantUri": "sip:bob@contoso.com", "messageFilterState": "Enabled"})
        alice = self.new_agent("alice", "alice-pass", "sip:alice@contoso.com")
        bob = self.new_agent("bob", "bob-pass", "sip:bob@contoso.com")
        alice_msg = self.join_agent(sa, chat, alice, "op-alice")
        bob_msg = self.join_agent(sa, chat, bob, "op-bob")

        vm = chat["visitor_messaging"]
        visitor.call("POST", link(vm, "sendMessage"), "visitor-1", {"Content-Type": "text/plain"})
        bob.call("POST", link(bob_msg, "sendMessage"), "bob-whisper", {"Content-Type": "text/plain"})
        alice.call("POST", link(alice_msg, "sendMessage"), "alice-1", {"Content-Type": "text/plain"})
        visitor.call("POST", link(vm, "sendMessage"), "visitor-2", {"Content-Type": "text/plain"})

        def texts(channel, count):
            got = []
            while len(got) < count:
                e = channel.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming")
                got.append(urllib.parse.unquote(link(embedded(e), "plainMessage").split(",", 1)[1]))
            return got

        # Alice hears everyone; Bob hears the agents but not the visitor; the visitor never
        # hears Bob.
        self.assertEqual(texts(alice.events, 3), ["visitor-1", "bob-whisper", "visitor-2"])
        self.assertEqual(texts(bob.events, 1), ["alice-1"])
        self.assertEqual(texts(visitor.events, 1), ["alice-1"])
        # The application's callbacks carry all four, in order.
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                and "visitor-2" in str(embedded(e)["_links"].get("plainMessage")))
        heard = [urllib.parse.unquote(link(embedded(e), "plainMessage").split(",", 1)[1])
                 for _, _, _, e in self.callbacks.events()
                 if e["link"]["rel"] == "ms:rtc:saas:message" and e["type"] == "completed"
                 and embedded(e)["direction"] == "Incoming"]
        self.assertEqual(heard, ["visitor-1", "bob-whisper", "alice-1", "visitor-2"])
        # Nothing more arrives for Bob or the visitor (the filter held).
        def incoming(channel):
            return [e for _, _, e in channel.seen
                    if e["link"]["rel"] == "message" and embedded(e)["direction"] == "Incoming"]
        self.assertEqual(incoming(visitor.events), [])
        visitor.events.poll(timeout=1)
        bob.events.poll(timeout=1)
        self.assertEqual(incoming(visitor.events), [])
        self.assertEqual(incoming(bob.events), [])
        # The visitor ends the chat; the application terminates the meeting; both agents told.
        self.assertEqual(visitor.call("DELETE", link(vm, "conversation")).status, 204)
        self.assertEqual(self.platform.call("DELETE", link(chat["meeting"], "self"), headers=sa.auth).status, 204)
        alice.events.wait_for("conversation", "deleted")
        bob.events.wait_for("conversation", "deleted")


class CallFlowOnTheEngineThreadTest(CallFlowTest):
    """The whole flow with HTTP served on the engine thread itself (io_threads = 0)."""
    io_threads = 0


class CallFlowOnThreeIoThreadsTest(CallFlowTest):
    """The whole flow with connections spread over three I/O threads."""
    io_threads = 3


if __name__ == "__main__":
    cbtest.main()
