"""The SDK example program (examples/greeter, docs/SDK.md) against a real platform: a visitor's
chat is taken into a meeting and greeted, and the meeting ends when the visitor leaves."""
import os
import re
import subprocess
import tempfile
import time
import unittest

import cbtest
from cbtest import Platform, ServiceApp, Visitor, default_config, embedded, link
from test_helpdesk_standalone import free_port


class GreeterProcess:
    def __init__(self, discover_url, port):
        self.err = tempfile.NamedTemporaryFile(prefix="carebridge-greeter-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([cbtest.GREETER, discover_url, "helpdesk", "helpdesk-secret", str(port),
                                      "Hi, I am the greeter."], stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        if not re.search(r"greeter: connected", line):
            self.proc.kill()
            raise RuntimeError("greeter did not connect: " + line + self.stderr())

    def stderr(self):
        with open(self.err.name) as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        code = self.proc.wait(timeout=20)
        self.proc.stdout.close()
        err = self.stderr()
        os.unlink(self.err.name)
        if code != 0 or "Sanitizer" in err or "runtime error" in err:
            raise AssertionError(f"greeter exited {code}:\n{err[-4000:]}")


class SdkExampleTest(unittest.TestCase):
    def test_greeter_greets_and_cleans_up(self):
        self.assertTrue(cbtest.GREETER, "run with --greeter path/to/carebridge-greeter")
        port = free_port()
        platform = Platform(default_config(f"http://127.0.0.1:{port}/callback"))
        greeter = None
        try:
            greeter = GreeterProcess(platform.url + "/platformservice/discover", port)
            sa = ServiceApp(platform)
            v = Visitor(platform, sa.anon_token())
            r = v.call("POST", link(v.app["_embedded"]["communication"], "startMessaging"),
                       {"to": "sip:helpdesk@contoso.com", "operationId": "hello"})
            self.assertEqual(r.status, 201, r)
            messaging = embedded(v.events.wait_for("messaging", "updated",
                                                   lambda e: embedded(e)["state"] == "Connected", timeout=15))
            hello = v.events.wait_for("message", "completed", lambda e: embedded(e)["direction"] == "Incoming",
                                      timeout=15)
            self.assertIn("Hi%2C%20I%20am%20the%20greeter.", link(embedded(hello), "plainMessage"))
            # The visitor leaves; the greeter ends its meeting (its DELETE answered 204).
            self.assertEqual(v.call("DELETE", link(messaging, "conversation")).status, 204)
            deadline = time.monotonic() + 15
            while "meeting ended" not in greeter.stderr():
                self.assertLess(time.monotonic(), deadline, "the greeter left its meeting behind:\n" + greeter.stderr())
                time.sleep(0.1)
        finally:
            try:
                if greeter:
                    greeter.stop()
            finally:
                platform.stop()


if __name__ == "__main__":
    cbtest.main()
