"""A Service Application whose callback receiver goes down while chats go on: first it refuses
connections, then answers 500, then accepts and never answers (hangs), each for
CAREBRIDGE_OUTAGE_SECONDS (default 2). When it comes back every callback arrives, in order per
conversation, with no gap in the positions; a hung POST is timed out (`[ops] callback_timeout`)
and does not hold up another application's callbacks. With the outage longer than
`callback_max_age` the missed callbacks are dead letters, which survive kill -9 and a replay
delivers."""
import collections
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest

import cbtest
from cbtest import CallbackReceiver, Chat, Platform, ServiceApp, Visitor, default_config, embedded, flatten, is_event, link
from test_ops import scrape, value

OUTAGE = float(os.environ.get("CAREBRIDGE_OUTAGE_SECONDS", "2"))
LITWARE = "sip:desk@litware.com"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScriptedReceiver(cbtest.ReceivedCallbacks):
    """A callback endpoint on a fixed port whose behaviour is switched at run time:
    "ok" (200, recorded), "500", "hang" (reads the request, never answers) or "refuse" (nothing
    listens: connections are refused). One request per connection (Connection: close)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/callback"
        self.cond = threading.Condition()
        self.mode = None
        self.received = []  # (path, headers, envelope) of answered callbacks, in arrival order
        self.hits = collections.Counter()  # requests seen per mode
        self.listener = None
        self.stopped = False
        self.set_mode("ok")

    def set_mode(self, mode):
        with self.cond:
            self.mode = mode
            self.cond.notify_all()
        if mode == "refuse":
            self._close_listener()
        elif self.listener is None:
            self._open_listener()

    def _open_listener(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        s.settimeout(0.05)
        self.listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _close_listener(self):
        s, self.listener = self.listener, None
        if s:
            s.close()

    def _accept(self, s):
        while self.listener is s:
            try:
                conn, _ = s.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        import json
        try:
            conn.settimeout(30)
            f = conn.makefile("rb")
            request_line = f.readline().decode()
            headers = {}
            while True:
                line = f.readline().decode().rstrip("\r\n")
                if not line:
                    break
                k, v = line.split(":", 1)
                headers[k.strip()] = v.strip()
            body = f.read(int(headers.get("Content-Length", "0")))
            with self.cond:
                mode = self.mode
                self.hits[mode] += 1
                self.cond.notify_all()
                if mode == "hang":
                    while self.mode == "hang" and not self.stopped:
                        self.cond.wait(0.5)
                    return  # never answered (the platform gave up long ago)
                if mode == "ok":
                    self.received.append((request_line.split()[1], headers, json.loads(body)))
                    self.cond.notify_all()
            status = b"200 OK" if mode == "ok" else b"500 Internal Server Error"
            conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        self._close_listener()


def positions(headers):
    first, last = map(int, headers["X-Carebridge-Event-Positions"].split("-"))
    return range(first, last + 1)


def message_texts(received):
    """[(position, text)] of every incoming message callback, first delivery of each position."""
    seen, out = set(), []
    for _, headers, env in received:
        events = flatten(env)
        for p, (_, _, e) in zip(positions(headers), events):
            if p in seen:
                continue
            seen.add(p)
            if e["link"]["rel"] == "ms:rtc:saas:message" and e["type"] == "completed" and \
                    embedded(e).get("direction") == "Incoming":
                out.append((p, link(embedded(e), "plainMessage").split(",", 1)[1]))
    return out


class OutageBase(unittest.TestCase):
    ops = {}
    data_dir = False

    def setUp(self):
        self.receiver = ScriptedReceiver()
        self.other = CallbackReceiver()  # the second application's receiver, always up
        self.config = default_config(self.receiver.url)
        self.config["applications"][1]["callback_url"] = self.other.url
        self.config["listen"] = f"127.0.0.1:{free_port()}"
        self.config["ops"] = dict(self.ops)
        self.config["limits"] = {"messages_per_10s": 0}
        self.data = tempfile.mkdtemp(prefix="carebridge-data-") if self.data_dir else None
        self.platform = Platform(self.config, data_dir=self.data)

    def tearDown(self):
        if self.platform:
            self.platform.stop()
        self.receiver.stop()
        self.other.stop()
        if self.data:
            shutil.rmtree(self.data, ignore_errors=True)

    def open_chat(self, sa, session):
        visitor = Visitor(self.platform, sa.anon_token(session=session))
        return visitor, Chat(sa, visitor, self.receiver).open()

    def send(self, visitor, chat, text):
        r = visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), text, {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)

    def failed(self, sa):
        r = self.platform.call("GET", link(sa.app, "self").split("?")[0] + "/callbacks/failed", headers=sa.auth)
        self.assertEqual(r.status, 200, r)
        return r.json["failed"]

    def eventually(self, check, what, timeout=30):
        return cbtest.eventually(check, what, timeout, interval=0.1)


class ReceiverOutageTest(OutageBase):
    # Short enough that a hung POST fails fast; long enough that nothing is dead-lettered.
    ops = {"callback_timeout": 1, "callback_max_age": 300, "callback_breaker_failures": 3,
           "callback_breaker_cooldown": 1}

    def test_refused_then_500_then_hung_every_callback_arrives_in_order_without_gap(self):
        sa = ServiceApp(self.platform)
        chats = [self.open_chat(sa, f"session-{i}") for i in range(2)]
        sent = {0: [], 1: []}
        n = 0
        for mode in ("refuse", "500", "hang"):
            self.receiver.set_mode(mode)
            until = time.monotonic() + OUTAGE
            while time.monotonic() < until:
                i = n % 2
                text = f"c{i}-m{n}"
                self.send(*chats[i], text)
                sent[i].append(text)
                n += 1
                time.sleep(0.2)
            if mode == "hang":
                # Another application's callbacks flow while this receiver hangs.
                lit = ServiceApp(self.platform, "litware", "litware-secret")
                lv = Visitor(self.platform, lit.anon_token())
                started = time.monotonic()
                r = lv.call("POST", link(lv.app["_embedded"]["communication"], "startMessaging"),
                            {"operationId": "lit-1", "to": LITWARE})
                self.assertEqual(r.status, 201, r)
                self.other.wait_for(is_event("ms:rtc:saas:messagingInvitation", "started"), timeout=5)
                self.assertLess(time.monotonic() - started, 3)
                # A new chat starts during the outage: its invitation is delivered later.
                late = Visitor(self.platform, sa.anon_token(session="late"))
                r = late.call("POST", link(late.app["_embedded"]["communication"], "startMessaging"),
                              {"operationId": "late-chat", "to": cbtest.HELPDESK})
                self.assertEqual(r.status, 201, r)
                # The hung POST is timed out and tried again (one probe per cool-down).
                self.eventually(lambda: self.receiver.hits["hang"] >= 2, "a hung callback was never timed out",
                                timeout=10)
        self.assertGreaterEqual(self.receiver.hits["500"], 1)
        self.receiver.set_mode("ok")

        self.receiver.wait_for(lambda s, e: is_event("ms:rtc:saas:messagingInvitation", "started")(s, e)
                               and embedded(e).get("operationId") == "late-chat", timeout=60, what="late invitation")
        for i in (0, 1):
            last = sent[i][-1]
            self.receiver.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                   and link(embedded(e), "plainMessage").endswith(last), timeout=60, what=last)
        # Every queue drained: a conversation's queue can still wait out a backoff after the
        # others delivered (the second chat's invitation "completed" may go out just as the
        # receiver starts refusing), and its position would look like a gap.
        self.eventually(lambda: value(scrape(self.platform)[0], "carebridge_callback_queue_depth") == 0,
                        "callbacks still pending after the receiver came back", timeout=60)
        with self.receiver.cond:
            received = list(self.receiver.received)
        # No gap: every position of the application's stream arrived.
        got = sorted({p for _, headers, _ in received for p in positions(headers)})
        self.assertEqual(got, list(range(1, got[-1] + 1)))
        # In order per conversation: each chat's messages in the order they were sent, once.
        heard = [t for _, t in message_texts(received)]
        for i in (0, 1):
            self.assertEqual([t for t in heard if t.startswith(f"c{i}-")], sent[i])
        self.assertEqual(self.failed(sa), [])
        metrics, _ = scrape(self.platform)
        self.assertGreater(value(metrics, "carebridge_callback_retries_total"), 3)
        self.assertEqual(value(metrics, "carebridge_callback_dead_letters_total"), 0)


class DeadLettersAcrossRestartTest(OutageBase):
    ops = {"callback_timeout": 1, "callback_max_age": 2, "callback_breaker_failures": 3,
           "callback_breaker_cooldown": 1}
    data_dir = True

    def restart(self, kill):
        if kill:
            self.platform.proc.send_signal(signal.SIGKILL)
            self.platform.proc.wait(timeout=10)
            self.platform.proc.stdout.close()
            shutil.rmtree(self.platform.dir, ignore_errors=True)
        else:
            self.platform.stop()
        self.platform = Platform(self.config, data_dir=self.data)

    def test_dead_letters_survive_kill_9_and_replay_delivers_them(self):
        sa = ServiceApp(self.platform)
        visitor, chat = self.open_chat(sa, "session-1")
        self.receiver.set_mode("hang")  # longer than callback_max_age
        for i in range(3):
            self.send(visitor, chat, f"lost-{i}")

        def settled():
            metrics, _ = scrape(self.platform)
            dead = self.failed(sa)
            return dead if dead and value(metrics, "carebridge_callback_queue_depth") == 0 else None
        dead = self.eventually(settled, "the missed callbacks never became dead letters", timeout=60)
        lost = {p for d in dead for p in range(d["firstPosition"], d["lastPosition"] + 1)}

        self.restart(kill=True)
        self.assertEqual(self.failed(sa), dead)  # the same entries, ids and positions
        self.receiver.set_mode("ok")
        # Given up means given up: they are not re-sent by themselves after the restart.
        time.sleep(2)
        with self.receiver.cond:
            again = {p for _, h, _ in self.receiver.received for p in positions(h)}
        self.assertFalse(lost & again, "dead letters were re-sent without a replay")

        for d in dead:
            r = self.platform.call("POST", link(d, "replay"), headers=sa.auth)
            self.assertEqual(r.status, 202, r)
        self.receiver.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                               and link(embedded(e), "plainMessage").endswith("lost-2"), timeout=30)
        with self.receiver.cond:
            received = list(self.receiver.received)
        delivered = {p for _, h, _ in received for p in positions(h)}
        self.assertTrue(lost <= delivered, lost - delivered)
        self.assertEqual([t for _, t in message_texts(received) if t.startswith("lost-")],
                         ["lost-0", "lost-1", "lost-2"])
        self.assertEqual(self.failed(sa), [])
        # Replayed entries stay gone after a restart; the chat goes on.
        self.restart(kill=False)
        self.assertEqual(self.failed(sa), [])
        visitor.p = self.platform
        self.send(visitor, chat, "after")
        self.receiver.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                               and link(embedded(e), "plainMessage").endswith("after"), timeout=30)


if __name__ == "__main__":
    cbtest.main()
