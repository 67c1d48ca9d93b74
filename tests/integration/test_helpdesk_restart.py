"""A helpdesk that is killed (-9) and started again on the same data keeps its view of live
chats: a connected chat is still torn down when its visitor leaves, and a queued chat keeps its
place and is served when the agent frees up. Without the saved state the restarted helpdesk
would know neither chat: the meeting would stay up and the queued visitor would wait forever."""
import shutil
import tempfile
import time
import unittest

import cbtest
from cbtest import Agent, Platform, Visitor, default_config, embedded, link
from test_helpdesk import ORIGIN, text_of
from test_helpdesk_standalone import HelpdeskProcess, free_port


def open_chat(platform, helpdesk, name):
    tok = helpdesk.remote.call("GET", "/token", headers={"Origin": ORIGIN}).json
    v = Visitor(platform, {"token": tok["token"], "_links": {"ms:rtc:saas:discover": {"href": tok["discoverUrl"]}}},
                name=name)
    r = v.call("POST", link(v.app["_embedded"]["communication"], "startMessaging"),
               {"to": tok["endpoint"], "operationId": "chat-" + name})
    assert r.status == 201, r
    messaging = embedded(v.events.wait_for("messaging", "updated",
                                           lambda e: embedded(e)["state"] == "Connected", timeout=15))
    return v, messaging


def says(v, text, timeout=15):
    return v.events.wait_for("message", "completed",
                             lambda e: embedded(e)["direction"] == "Incoming" and text in text_of(e), timeout=timeout)


class HelpdeskRestartTest(unittest.TestCase):
    def test_kill_and_restart_keeps_live_chats(self):
        data = tempfile.mkdtemp(prefix="carebridge-helpdesk-data-")
        hd_port, port = free_port(), free_port()
        discover = f"http://127.0.0.1:{port}/platformservice/discover"
        helpdesk = HelpdeskProcess(discover, port=hd_port, data_dir=data)
        platform = None
        try:
            config = default_config(helpdesk.remote.url + "/callback")
            config["listen"] = f"127.0.0.1:{port}"
            platform = Platform(config)
            deadline = time.monotonic() + 20
            while helpdesk.remote.call("GET", "/healthz").json["status"] != "ok":
                self.assertLess(time.monotonic(), deadline, helpdesk.stderr())
                time.sleep(0.1)

            alice = Agent(platform, "alice", "alice-pass")
            alice.make_available()
            # Ann is served by Alice (one chat at most); Ben waits behind her.
            ann, ann_messaging = open_chat(platform, helpdesk, "Ann")
            says(ann, "Welcome Ann!")
            inv = embedded(alice.events.wait_for("onlineMeetingInvitation", "started", timeout=15))
            self.assertEqual(alice.call("POST", link(inv, "accept")).status, 204)
            meeting = embedded(alice.events.wait_for("conversation", "added"))
            ann.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Alice from Contoso")
            ben, _ = open_chat(platform, helpdesk, "Ben")
            says(ben, "number 1 in the queue")

            helpdesk.kill()
            helpdesk = HelpdeskProcess(discover, port=hd_port, data_dir=data)
            deadline = time.monotonic() + 20
            while "restored" not in helpdesk.stderr() or \
                    helpdesk.remote.call("GET", "/healthz").json["status"] != "ok":
                self.assertLess(time.monotonic(), deadline, helpdesk.stderr())
                time.sleep(0.1)
            self.assertEqual(helpdesk.remote.call("GET", "/healthz").json["chats"], 2, helpdesk.stderr())

            # Ann leaves: the restarted helpdesk ends her meeting, and Alice sees it end...
            self.assertEqual(ann.call("DELETE", link(ann_messaging, "conversation")).status, 204)
            alice.events.wait_for("conversation", "deleted", lambda e: e["link"]["href"] == link(meeting, "self"),
                                  timeout=15)
            # ...and, free again, is offered Ben's chat, which kept its place in the queue.
            inv = embedded(alice.events.wait_for("onlineMeetingInvitation", "started", timeout=20))
            self.assertEqual(alice.call("POST", link(inv, "accept")).status, 204)
            ben.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Alice from Contoso",
                                timeout=15)
        finally:
            try:
                helpdesk.stop()
            finally:
                if platform:
                    platform.stop()
                shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    cbtest.main()
