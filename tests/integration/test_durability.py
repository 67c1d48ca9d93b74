"""Durability: the platform on its SQLite store survives SIGTERM and kill -9 with every live
chat intact: event channels resume from the `next` their clients hold (nothing lost, nothing
twice), unacknowledged callbacks go out again with the same positions, transcripts are kept."""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sqlite3
import tempfile
import time
import threading
import unittest
import urllib.parse

import cbtest
from cbtest import (Agent, CallbackReceiver, Platform, ServiceApp, Visitor, embedded, is_event,
                    link, default_config)
import test_callflow  # its CallFlowTest steps are reused (imported as a module: not re-run here)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def texts(events, direction):
    return [urllib.parse.unquote(link(embedded(e), "plainMessage").split(",", 1)[1])
            for _, _, e in events
            if e["link"]["rel"].split(":")[-1] == "message" and e["type"] == "completed"
            and embedded(e)["direction"] == direction]


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="carebridge-data-")
        self.callbacks = CallbackReceiver()
        self.config = default_config(self.callbacks.url)
        # A fixed port: tokens name the public URL, which must not change across restarts.
        self.config["listen"] = f"127.0.0.1:{free_port()}"
        # These tests flood a chat on purpose: no per-token message rate limit (test_limits.py).
        self.config["limits"] = {"messages_per_10s": 0}
        self.platform = Platform(self.config, data_dir=self.data)

    def tearDown(self):
        if self.platform:
            self.platform.stop()
        self.callbacks.stop()
        shutil.rmtree(self.data, ignore_errors=True)

    def restart(self, kill=False):
        if kill:
            self.platform.proc.send_signal(signal.SIGKILL)
            self.platform.proc.wait(timeout=10)
            self.platform.proc.stdout.close()
        else:
            self.platform.stop()
        self.platform = Platform(self.config, data_dir=self.data)
        return self.platform

    def chat(self):
        """A bridged chat with one agent, set up through the real call flow."""
        flow = test_callflow.CallFlowTest("test_whole_call_flow")
        flow.platform, flow.callbacks = self.platform, self.callbacks
        sa = ServiceApp(self.platform)
        visitor = Visitor(self.platform, sa.anon_token())
        chat = flow.start_chat(sa, visitor)
        agent = Agent(self.platform, "alice", "alice-pass")
        agent.uri = "sip:alice@contoso.com"
        agent.make_available()
        agent_messaging = flow.join_agent(sa, chat, agent, "op-alice")
        return sa, visitor, agent, chat, agent_messaging

    def rebind(self, *clients):
        for c in clients:
            c.p = self.platform
            c.events.platform = self.platform

    def test_kill_9_in_a_busy_chat_loses_no_acknowledged_message(self):
        sa, visitor, agent, chat, agent_messaging = self.chat()
        # Drain both channels so each client holds a `next` at the end of what it has seen.
        visitor.events.poll(timeout=0)
        agent.events.poll(timeout=0)
        visitor.events.seen.clear()
        agent.events.seen.clear()
        acknowledged = {"visitor": [], "agent": []}

        def send(who, client, href, count):
            for i in range(count):
                text = f"{who}-{i}"
                try:
                    r = client.call("POST", href, text, {"Content-Type": "text/plain"})
                except OSError:
                    return  # the platform died under us: this one was not acknowledged
                if r.status != 201:
                    return
                acknowledged[who].append(text)

        threads = [threading.Thread(target=send, args=("visitor", visitor, link(chat["visitor_messaging"], "sendMessage"), 400)),
                   threading.Thread(target=send, args=("agent", agent, link(agent_messaging, "sendMessage"), 400))]
        for t in threads:
            t.start()
        # Kill once both sides have had some messages acknowledged.
        while len(acknowledged["visitor"]) < 20 or len(acknowledged["agent"]) < 20:
            if not any(t.is_alive() for t in threads):
                break
            threading.Event().wait(0.01)
        self.restart(kill=True)
        for t in threads:
            t.join(timeout=30)
        self.rebind(visitor, agent)
        self.assertGreater(len(acknowledged["visitor"]), 0)

        # Each side resumes its channel from the `next` it held and gets the other's messages:
        # every acknowledged one, exactly once, in order (unacknowledged ones may follow).
        def resume(client, sender, expected):
            got = []
            while len(got) < len(expected):
                client.events.poll(timeout=2)
                got = [t for t in texts(client.events.seen, "Incoming") if t.startswith(sender)]
                if len(client.events.seen) > 10000:
                    break
            self.assertEqual(got[: len(expected)], expected)
            self.assertEqual(len(got), len(set(got)), "a message was delivered twice")
            numbers = [int(t.split("-")[1]) for t in got]
            self.assertEqual(numbers, sorted(numbers))

        resume(agent, "visitor", acknowledged["visitor"])
        resume(visitor, "agent", acknowledged["agent"])
        # What came back was stored compressed with the record dictionary (codec 1), at a
        # fraction of its size (events are ~1 KiB of JSON each).
        with sqlite3.connect(f"file:{os.path.join(self.data, 'carebridge.db')}?mode=ro", uri=True) as db:
            count, compressed, average = db.execute(
                "SELECT count(*), sum(codec = 1), avg(length(data)) FROM records WHERE stream LIKE 'ucwa:%'").fetchone()
        self.assertGreater(count, 40)
        self.assertEqual(compressed, count)
        self.assertLess(average, 300)
        # The transcript holds every acknowledged message.
        transcript = sa.get(link(chat["meeting"], "ms:rtc:saas:transcript"))
        stored = [m["text"] for m in transcript["messages"]]
        for text in acknowledged["visitor"] + acknowledged["agent"]:
            self.assertIn(text, stored)
        # The chat goes on after the restart.
        r = visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), "after-restart", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        agent.events.wait_for("message", "completed",
                              lambda e: "after-restart" in str(embedded(e)["_links"].get("plainMessage")))
        # Message numbers go on from where they were (the meeting's snapshot is not rewritten
        # for every message: its counter comes back from the transcript).
        messages = sa.get(link(chat["meeting"], "ms:rtc:saas:transcript"))["messages"]
        numbers = [m["number"] for m in messages]
        self.assertEqual(len(numbers), len(set(numbers)), "a message number was used twice")
        self.assertEqual(messages[-1]["text"], "after-restart")
        self.assertEqual(numbers[-1], max(numbers))

    def test_unacknowledged_callbacks_are_sent_again_after_restart(self):
        sa, visitor, agent, chat, agent_messaging = self.chat()
        delivered_before = len(self.callbacks.received)
        self.callbacks.fail_next = 10**6  # the Service Application is down
        for i in range(3):
            r = visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), f"pending-{i}", {"Content-Type": "text/plain"})
            self.assertEqual(r.status, 201)
        self.restart(kill=True)
        self.callbacks.fail_next = 0  # it comes back
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                and "pending-2" in link(embedded(e), "plainMessage"), timeout=30)
        later = self.callbacks.received[delivered_before:]
        heard = [t for _, _, env in later for t in texts(cbtest.flatten(env), "Incoming")]
        self.assertEqual(heard, ["pending-0", "pending-1", "pending-2"])
        # Same ids: positions never seen before the restart, none twice.
        positions = []
        for _, headers, _ in self.callbacks.received:
            first, last = map(int, headers["X-Carebridge-Event-Positions"].split("-"))
            positions += range(first, last + 1)
        self.assertEqual(len(positions), len(set(positions)))

    def test_graceful_restart_keeps_applications_conversations_and_tokens(self):
        sa, visitor, agent, chat, agent_messaging = self.chat()
        self.restart()
        self.rebind(visitor, agent)
        sa.p = self.platform
        # The same tokens and links work; the state is as it was.
        meeting = sa.get(link(chat["meeting"], "self"))
        self.assertEqual(meeting["state"], "Conferenced")
        self.assertEqual(sa.get(link(chat["bridge"], "self")), chat["bridge"])
        r = agent.call("POST", link(agent_messaging, "sendMessage"), "still here", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        visitor.events.wait_for("message", "completed",
                                lambda e: "still%20here" in str(embedded(e)["_links"].get("plainMessage")))

    def test_transcript_outlives_the_meeting_and_can_be_deleted(self):
        sa, visitor, agent, chat, agent_messaging = self.chat()
        visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), "hello", {"Content-Type": "text/plain"})
        agent.call("POST", link(agent_messaging, "sendMessage"), "hi there", {"Content-Type": "text/plain"})
        transcript_href = link(chat["meeting"], "ms:rtc:saas:transcript")
        self.assertEqual(self.platform.call("DELETE", link(chat["meeting"], "self"), headers=sa.auth).status, 204)
        self.restart()
        sa.p = self.platform
        t = sa.get(transcript_href)
        self.assertIn("ended", t)
        self.assertEqual([(m["from"]["name"], m["text"]) for m in t["messages"]],
                         [("Janardhan", "hello"), ("Alice", "hi there")])
        # Another application cannot see it.
        other = ServiceApp(self.platform, "litware", "litware-secret")
        foreign = transcript_href.replace("1627259584", "2000000001").replace("sip:helpdesk@contoso.com", "sip:desk@litware.com")
        self.assertEqual(self.platform.call("GET", foreign, headers=other.auth).status, 404)
        self.assertEqual(self.platform.call("DELETE", transcript_href, headers=sa.auth).status, 204)
        self.assertEqual(self.platform.call("GET", transcript_href, headers=sa.auth).status, 404)

    def test_a_full_store_answers_503_keeps_reads_and_recovers(self):
        self.config["store"] = {"max_size_mb": 1}  # a quota: past it SQLite reports a full disk
        self.platform = self.restart()
        sa, visitor, agent, chat, agent_messaging = self.chat()
        send = link(chat["visitor_messaging"], "sendMessage")
        acknowledged, refused = [], None
        for i in range(200):
            # Random text: records are compressed, a run of one letter would take no room.
            r = visitor.call("POST", send, f"big-{i}-" + base64.b64encode(os.urandom(6000)).decode(),
                             {"Content-Type": "text/plain"})
            if r.status != 201:
                refused = r
                break
            acknowledged.append(f"big-{i}-")
        self.assertIsNotNone(refused, "the quota was never reached")
        self.assertEqual(refused.status, 503)
        self.assertEqual((refused.json["code"], refused.json["subcode"]), ("ServiceUnavailable", "StoreUnavailable"))
        # Writes keep failing fast; reads keep working.
        r = visitor.call("POST", send, "small", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 503)
        self.assertEqual(self.platform.call("GET", link(chat["meeting"], "self"), headers=sa.auth).status, 200)
        self.assertEqual(visitor.call("GET", link(chat["visitor_messaging"], "self")).status, 200)
        agent.events.poll(timeout=0)
        self.assertIn("store write failed", self.platform.stderr())
        # Space returns (the quota is lifted): the platform comes back with nothing lost.
        del self.config["store"]
        self.restart()
        self.rebind(visitor, agent)
        sa.p = self.platform
        stored = [m["text"][: len(f"big-{len(acknowledged)}-") + 2] for m in sa.get(link(chat["meeting"], "ms:rtc:saas:transcript"))["messages"]]
        for prefix in acknowledged:
            self.assertTrue(any(t.startswith(prefix) for t in stored), prefix)
        r = visitor.call("POST", send, "after", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)

    def test_housekeeping_compacts_read_events_and_expires_transcripts(self):
        self.config["store"] = {"event_retention": 1, "transcript_retention": 1, "housekeeping_interval": 1}
        self.platform = self.restart()
        sa, visitor, agent, chat, agent_messaging = self.chat()
        first = link(visitor.app, "events")  # ack=1
        visitor.events.poll(timeout=0)       # the visitor now holds a later `next`
        transcript = link(chat["meeting"], "ms:rtc:saas:transcript")
        self.assertEqual(self.platform.call("DELETE", link(chat["meeting"], "self"), headers=sa.auth).status, 204)
        visitor.events.poll(timeout=0)

        def eventually(check, what, timeout=15):
            deadline = time.monotonic() + timeout
            while not check():
                self.assertLess(time.monotonic(), deadline, what)
                time.sleep(0.2)

        # Events the visitor has read and older than the retention are compacted: a re-read of
        # position 1 is refused with 410, the position the visitor holds still works.
        eventually(lambda: visitor.call("GET", first + "&timeout=0").status == 410, "events compacted")
        r = visitor.call("GET", visitor.events.next + "&timeout=0")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(visitor.call("GET", first + "&timeout=0").json["subcode"], "EventsCompacted")
        # The ended meeting's transcript is deleted after its retention.
        eventually(lambda: self.platform.call("GET", transcript, headers=sa.auth).status == 404, "transcript expired")
        # Both survive a restart as they are.
        self.restart()
        self.rebind(visitor)
        self.assertEqual(visitor.call("GET", first + "&timeout=0").status, 410)
        self.assertEqual(visitor.call("GET", visitor.events.next + "&timeout=0").status, 200)

    def test_an_ended_conversations_callback_progress_leaves_the_store(self):
        # Each conversation's callback progress is a snapshot; once the conversation is over and
        # its events are truncated, housekeeping erases it (it used to stay forever).
        self.config["store"] = {"event_retention": 1, "housekeeping_interval": 1}
        self.platform = self.restart()
        sa, visitor, agent, chat, agent_messaging = self.chat()
        db_path = os.path.join(self.data, "carebridge.db")

        def progress_rows():
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
                return db.execute("SELECT count(*) FROM snapshots WHERE kind = 'callback_queue'").fetchone()[0]

        cbtest.eventually(lambda: progress_rows() >= 2, "the chat's and the meeting's progress are stored")
        time.sleep(3)  # past the retention and a housekeeping round: live conversations keep theirs
        self.assertGreaterEqual(progress_rows(), 2)
        # The visitor ends the chat, the application the meeting (steps 20-22).
        self.assertEqual(visitor.call("DELETE", link(chat["visitor_messaging"], "conversation")).status, 204)
        self.assertEqual(self.platform.call("DELETE", link(chat["meeting"], "self"), headers=sa.auth).status, 204)
        cbtest.eventually(lambda: progress_rows() == 0, "the ended conversations' progress erased", timeout=20)
        # A restart sends nothing again for them (no progress row left: every queue was drained).
        posts = len(self.callbacks.received)
        self.restart()
        time.sleep(2)
        self.assertEqual(len(self.callbacks.received), posts)
        self.assertEqual(progress_rows(), 0)

    def test_records_command_shows_what_the_store_holds_decompressed(self):
        # Records are compressed on disk; `carebridge records` lists the streams and prints a
        # stream's records as they were given, while the platform runs.
        sa, visitor, agent, chat, agent_messaging = self.chat()
        r = visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), "inspectme", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        db = os.path.join(self.data, "carebridge.db")

        def records(*args):
            out = subprocess.run([cbtest.BINARY, "records", "--db", db, *args], capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            return [json.loads(line) for line in out.stdout.splitlines()]

        streams = {s["stream"]: s for s in records()}
        visitor_stream = "ucwa:" + urllib.parse.urlparse(link(visitor.app, "self")).path.rstrip("/").split("/")[-1]
        self.assertIn(visitor_stream, streams)
        self.assertTrue(any(name.startswith("app:") for name in streams))
        self.assertTrue(any(name.startswith("transcript:") for name in streams))
        summary = streams[visitor_stream]
        got = records("--stream", visitor_stream)
        self.assertEqual(len(got), summary["count"])
        self.assertEqual([g["position"] for g in got], list(range(summary["first"], summary["last"] + 1)))
        self.assertLess(summary["storedBytes"] * 3, sum(len(g["data"]) for g in got))  # compressed on disk
        # Each event record: a JSON header line, then the event as served.
        header, event = got[0]["data"].split("\n", 1)
        self.assertIn("href", json.loads(header))
        self.assertIn("type", json.loads(event))
        transcript = next(name for name in streams if name.startswith("transcript:"))
        self.assertIn("inspectme", records("--stream", transcript)[-1]["data"])
        self.assertEqual(records("--stream", visitor_stream, "--from", str(summary["last"]), "--limit", "1")[0]["position"],
                         summary["last"])
        missing = subprocess.run([cbtest.BINARY, "records", "--db", os.path.join(self.data, "none.db")],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no such file", missing.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.data, "none.db")))

    def test_read_events_leave_memory_and_store_but_the_newest_stay(self):
        # Only the newest 4 read events of a channel stay (event_retention alone would keep
        # them an hour): re-reading further back answers 410, in memory at once, and after a
        # restart too (housekeeping truncated the store).
        self.config["store"] = {"read_events_kept": 4, "housekeeping_interval": 1}
        self.platform = self.restart()
        sa, visitor, agent, chat, agent_messaging = self.chat()
        first = link(visitor.app, "events")  # ack=1
        for i in range(30):
            r = agent.call("POST", link(agent_messaging, "sendMessage"), f"m{i}", {"Content-Type": "text/plain"})
            self.assertEqual(r.status, 201, r)
        cbtest.eventually(lambda: "m29" in texts(visitor.events.seen, "Incoming") or visitor.events.poll(timeout=1),
                          "the visitor got every message")
        self.assertEqual(texts(visitor.events.seen, "Incoming"), [f"m{i}" for i in range(30)])
        held = visitor.events.next
        visitor.events.poll(timeout=0)  # asks with the ack it holds: everything before is read
        ack = int(urllib.parse.parse_qs(urllib.parse.urlparse(held).query)["ack"][0])
        back = held.replace(f"ack={ack}", f"ack={ack - 4}")

        def read(href):
            return visitor.call("GET", href + "&timeout=0")

        self.assertEqual(read(first).status, 410)
        self.assertEqual(read(first).json["subcode"], "EventsCompacted")
        again = read(back)
        self.assertEqual(again.status, 200, again)  # the newest read ones are still there
        self.assertTrue(again.json["sender"], again.json)
        # The Service Application's stream: delivered callbacks leave memory within a second or
        # so; a replay from its first position is then refused.
        replay = link(sa.app, "self").split("?")[0] + "/callbacks/replay?from=1"
        cbtest.eventually(lambda: self.platform.call("POST", replay, headers=sa.auth).status == 410,
                          "delivered callback events dropped", timeout=45)
        time.sleep(2.5)  # housekeeping (every second) truncates the store
        self.restart()
        self.rebind(visitor)
        self.assertEqual(read(first).status, 410)
        self.assertEqual(read(back).status, 200)

    def test_a_corrupt_database_is_refused_at_start(self):
        self.platform.stop()
        self.platform = None
        with open(os.path.join(self.data, "carebridge.db"), "r+b") as f:
            f.seek(0)
            f.write(os.urandom(4096))
        with self.assertRaises(RuntimeError) as err:
            Platform(self.config, data_dir=self.data)
        self.assertIn("carebridge.db", str(err.exception))


if __name__ == "__main__":
    cbtest.main()
