"""Soak: visitors and agents come and go for a bounded time (chats with messages, visitors that
leave, reconnect, or just stop polling and are timed out; agents signing in and out). At the end
every live-state gauge is back to zero and file descriptors and memory are within a small margin
of their level after warm-up; the platform then exits 0 with no sanitizer (LSan) report.

CI runs it for SOAK_SECONDS (default 15); `bench/soak.sh` runs it for 10 minutes on the release
build with a tight memory margin."""
import os
import time
import unittest
import urllib.parse

import cbtest
from cbtest import Agent, Visitor, embedded, is_event, link
import test_callflow
from test_ops import OpsBase, scrape, value

SECONDS = float(os.environ.get("SOAK_SECONDS", "15"))
WARMUP_SECONDS = float(os.environ.get("SOAK_WARMUP_SECONDS", "0"))  # at least 3 rounds
RSS_MARGIN_MB = float(os.environ.get("SOAK_RSS_MARGIN_MB", "32"))
# A small ASan quarantine (freed memory it holds back) so RSS growth means live memory.
os.environ["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=8"]))
FD_MARGIN = 4


class SoakTest(OpsBase):
    # Longer than any pause in a round (the visitor does not poll while the agent joins).
    ops = {"visitor_poll_grace": 3}
    # Every round comes from one loopback address: the per-address limits (30 anonymous
    # applications a minute) would refuse the release build's pace after a few minutes.
    limits = {"anon_apps_per_minute": 0, "anon_tokens_per_minute": 0, "sign_ins_per_minute": 0}
    # The default event_retention (an hour): read events beyond the newest read_events_kept of
    # a channel leave memory at once, so traffic alone must not grow it. Transcripts of ended
    # meetings are kept transcript_retention (30 days by default) by design: 15 s here.
    store = {"transcript_retention": 15, "housekeeping_interval": 2}

    def quiesce(self):
        def idle():
            s, _ = scrape(self.platform)
            busy = {k: value(s, k) for k in ("carebridge_live_chats", "carebridge_live_meetings",
                                             "carebridge_parked_long_polls", "carebridge_callback_queue_depth",
                                             "carebridge_store_batches_in_flight")}
            busy["visitor_apps"] = value(s, "carebridge_ucwa_applications", kind="visitor")
            return s if not any(busy.values()) else None
        return self.eventually(idle, "live state did not return to zero", timeout=30)

    def round(self, i, sa, flow):
        visitor = Visitor(self.platform, sa.anon_token(session=f"soak-{i}"))  # start_chat expects the default name
        chat = flow.start_chat(sa, visitor)
        if i % 4 == 0 or self.agent is None:  # agents come and go
            if self.agent is not None:
                self.assertEqual(self.agent.call("DELETE", link(self.agent.app, "self")).status, 204)
            self.agent = Agent(self.platform, "alice", "alice-pass", endpoint_id=f"console-{i}")
            self.agent.uri = "sip:alice@contoso.com"
            self.agent.make_available()
        flow.join_agent(sa, chat, self.agent, f"op-{i}")
        for n in range(3):
            r = visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), f"v{i}-{n}", {"Content-Type": "text/plain"})
            self.assertEqual(r.status, 201, r)
        self.agent.events.wait_for("message", "completed", lambda e: f"v{i}-2" in str(embedded(e)["_links"]))
        if i % 3 == 1:
            # The visitor reconnects: a new channel object resumes from the `next` it held.
            held = visitor.events.next
            visitor.events = cbtest.EventChannel(self.platform, held, visitor.headers)
            r = visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), f"v{i}-again", {"Content-Type": "text/plain"})
            self.assertEqual(r.status, 201)
            visitor.events.wait_for("message", "completed", lambda e: e.get("_embedded") is not None)
        if i % 3 == 2:
            # The tab closes: no more polls; the platform ends the chat after the grace.
            self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:conversation", "deleted")(s, e)
                                    and e.get("reason", {}).get("subcode") == "EventChannelIdle", timeout=15)
        else:
            self.assertEqual(visitor.call("DELETE", link(visitor.app, "self")).status, 204)
        meeting = chat["meeting"]
        self.assertEqual(sa.p.call("DELETE", link(meeting, "self"), headers=sa.auth).status, 204)
        meeting_href = link(meeting, "self").split("?")[0]
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:conversation", "deleted")(s, e)
                                and e["link"]["href"].split("?")[0] == meeting_href)
        self.callbacks.wait_answered()
        with self.callbacks.cond:
            self.callbacks.received.clear()
            self.callbacks.answered = 0

    def test_soak(self):
        flow = test_callflow.CallFlowTest("test_whole_call_flow")
        flow.platform, flow.callbacks = self.platform, self.callbacks
        sa = cbtest.ServiceApp(self.platform)
        self.agent = None
        rounds, warm_until = 0, time.monotonic() + WARMUP_SECONDS
        while rounds < 3 or time.monotonic() < warm_until:  # warm-up
            self.round(rounds, sa, flow)
            rounds += 1
        warm = self.quiesce()
        warm_rounds = rounds
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            self.round(rounds, sa, flow)
            rounds += 1
        end = self.quiesce()
        rss_growth = (value(end, "process_resident_memory_bytes") - value(warm, "process_resident_memory_bytes")) / 2**20
        fd_growth = value(end, "process_open_fds") - value(warm, "process_open_fds")
        print(f"\nsoak: {warm_rounds} warm-up rounds, then {rounds - warm_rounds} rounds in {SECONDS:.0f}s; RSS after warm-up "
              f"{value(warm, 'process_resident_memory_bytes') / 2**20:.1f} MiB, at the end "
              f"{value(end, 'process_resident_memory_bytes') / 2**20:.1f} MiB ({rss_growth:+.1f}); "
              f"fds {value(warm, 'process_open_fds'):.0f} -> {value(end, 'process_open_fds'):.0f}")
        self.assertLessEqual(fd_growth, FD_MARGIN)
        self.assertLessEqual(rss_growth, RSS_MARGIN_MB)
        self.assertGreater(value(end, "carebridge_chats_timed_out_total"), 0)


if __name__ == "__main__":
    cbtest.main()
