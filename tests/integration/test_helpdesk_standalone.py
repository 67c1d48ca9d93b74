"""`carebridge helpdesk` as its own process beside `carebridge platform`: it starts before the
platform is up, reports and retries with backoff instead of failing, then serves chats."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import cbtest
from cbtest import Agent, Platform, Visitor, default_config, embedded, link, to_toml
from test_helpdesk import ORIGIN, Remote, text_of


class HelpdeskProcess:
    def __init__(self, discover_url, port=0, data_dir=None):
        self.dir = tempfile.mkdtemp(prefix="carebridge-helpdesk-")
        path = os.path.join(self.dir, "helpdesk.toml")
        with open(path, "w") as f:
            if data_dir:
                f.write(f'data_dir = "{data_dir}"\n')
            f.write(f'''listen = "127.0.0.1:{port}"
allowed_origins = ["{ORIGIN}"]
[platform]
discover_url = "{discover_url}"
client_id = "helpdesk"
client_secret = "helpdesk-secret"
endpoint = "sip:helpdesk@contoso.com"
timeout = 2
[chat]
bridged_display_name = "{{agent}} from Contoso"
[messages]
welcome = "Welcome {{visitor}}!"
[[queues]]
name = "general"
[[agents]]
uri = "sip:alice@contoso.com"
display_name = "Alice"
max_chats = 1
''')
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen([cbtest.BINARY, "helpdesk", "--config", path], stdout=subprocess.PIPE,
                                         stderr=err, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"helpdesk listening on (http://[0-9.:]+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("helpdesk did not start: " + line + self.stderr())
        self.remote = Remote(m.group(1))

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def kill(self):
        """kill -9: nothing is flushed, nothing is said goodbye to."""
        self.proc.kill()
        self.proc.wait(timeout=20)
        self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stop(self):
        cbtest.stop_process(self, "helpdesk")


def free_port():
    """A port for the platform, known before it starts (the helpdesk needs its discover URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandaloneTest(unittest.TestCase):
    def test_helpdesk_waits_for_the_platform_then_serves(self):
        port = free_port()
        helpdesk = HelpdeskProcess(f"http://127.0.0.1:{port}/platformservice/discover")
        platform = None
        try:
            hd = helpdesk.remote
            self.assertEqual(hd.call("GET", "/healthz").json["status"], "connecting")
            r = hd.call("POST", "/token", headers={"Origin": ORIGIN})
            self.assertEqual(r.status, 503, r)
            deadline = time.monotonic() + 10
            while "cannot connect to the platform" not in helpdesk.stderr():
                self.assertLess(time.monotonic(), deadline, helpdesk.stderr())
                time.sleep(0.05)

            config = default_config(hd.url + "/callback")
            config["listen"] = f"127.0.0.1:{port}"
            platform = Platform(config)
            deadline = time.monotonic() + 20
            while hd.call("GET", "/healthz").json["status"] != "ok":
                self.assertLess(time.monotonic(), deadline, "no reconnect:\n" + helpdesk.stderr())
                time.sleep(0.1)

            alice = Agent(platform, "alice", "alice-pass")
            alice.make_available()
            tok = hd.call("GET", "/token", headers={"Origin": ORIGIN}).json
            v = Visitor(platform, {"token": tok["token"], "_links": {"ms:rtc:saas:discover": {"href": tok["discoverUrl"]}}},
                        name="Solo")
            r = v.call("POST", link(v.app["_embedded"]["communication"], "startMessaging"),
                       {"to": tok["endpoint"], "operationId": "solo"})
            self.assertEqual(r.status, 201, r)
            messaging = embedded(v.events.wait_for("messaging", "updated",
                                                   lambda e: embedded(e)["state"] == "Connected", timeout=15))
            e = v.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming", timeout=15)
            self.assertEqual(text_of(e), "Welcome Solo!")
            inv = embedded(alice.events.wait_for("onlineMeetingInvitation", "started", timeout=15))
            self.assertEqual(alice.call("POST", link(inv, "accept")).status, 204)
            conv = embedded(alice.events.wait_for("conversation", "added"))
            v.events.wait_for("participant", "added", lambda e: embedded(e)["name"] == "Alice from Contoso")
            # The visitor leaves; the helpdesk ends the meeting, which the agent sees.
            self.assertEqual(v.call("DELETE", link(messaging, "conversation")).status, 204)
            alice.events.wait_for("conversation", "deleted", lambda e: e["link"]["href"] == link(conv, "self"), timeout=15)
        finally:
            try:
                helpdesk.stop()
            finally:
                if platform:
                    platform.stop()


if __name__ == "__main__":
    cbtest.main()
