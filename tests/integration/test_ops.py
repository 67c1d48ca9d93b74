"""Operations: /metrics moves with traffic, /healthz and /readyz, JSON logs without secrets or
message bodies, graceful SIGTERM (parked polls answered with their `next`, exit 0, the chat
goes on after a restart) and the inactivity timeouts (chat ended with a telling reason)."""
import json
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest

import cbtest
from cbtest import Agent, CallbackReceiver, Platform, ServiceApp, Visitor, embedded, is_event, link, default_config
import test_callflow  # its CallFlowTest steps are reused (imported as a module: not re-run here)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(platform):
    """{(name, frozenset(labels)): value} and the set of declared families."""
    r = platform.call("GET", "/metrics")
    assert r.status == 200, r
    assert r.header("content-type").startswith("text/plain; version=0.0.4"), r.headers
    samples, families = {}, set()
    for line in r.raw.splitlines():
        if line.startswith("# TYPE "):
            families.add(line.split()[2])
        elif line and not line.startswith("#"):
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
            assert m, line
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            samples[(m.group(1), labels)] = float(m.group(3))
    return samples, families


def value(samples, name, **labels):
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


class OpsBase(unittest.TestCase):
    ops = {}
    limits = {}
    store = {}

    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="carebridge-data-")
        self.callbacks = CallbackReceiver()
        self.config = default_config(self.callbacks.url)
        self.config["listen"] = f"127.0.0.1:{free_port()}"  # fixed across restarts (tokens name it)
        if self.ops:
            self.config["ops"] = dict(self.ops)
        if self.limits:
            self.config["limits"] = dict(self.limits)
        if self.store:
            self.config["store"] = dict(self.store)
        self.platform = Platform(self.config, data_dir=self.data)

    def tearDown(self):
        if self.platform:
            self.platform.stop()
        self.callbacks.stop()
        shutil.rmtree(self.data, ignore_errors=True)

    def chat(self, with_agent=True):
        flow = test_callflow.CallFlowTest("test_whole_call_flow")
        flow.platform, flow.callbacks = self.platform, self.callbacks
        sa = ServiceApp(self.platform)
        visitor = Visitor(self.platform, sa.anon_token())
        chat = flow.start_chat(sa, visitor)
        agent = None
        if with_agent:
            agent = Agent(self.platform, "alice", "alice-pass")
            agent.uri = "sip:alice@contoso.com"
            agent.make_available()
            flow.join_agent(sa, chat, agent, "op-alice")
        return sa, visitor, agent, chat

    def eventually(self, check, what, timeout=15):
        return cbtest.eventually(check, what, timeout)


class MetricsAndLogsTest(OpsBase):
    def test_metrics_families_move_with_traffic_and_health_checks(self):
        self.assertEqual(self.platform.call("GET", "/healthz").status, 200)
        r = self.platform.call("GET", "/readyz")
        self.assertEqual((r.status, r.json["status"]), (200, "ready"))
        before, families = scrape(self.platform)
        for family in ("carebridge_http_requests_total", "carebridge_http_request_duration_seconds",
                       "carebridge_live_chats", "carebridge_parked_long_polls", "carebridge_callback_queue_depth",
                       "carebridge_callback_retries_total", "carebridge_callback_dead_letters_total",
                       "carebridge_store_commit_duration_seconds", "carebridge_rate_limited_total",
                       "process_resident_memory_bytes", "process_open_fds", "carebridge_chats_timed_out_total"):
            self.assertIn(family, families)
        self.assertGreater(value(before, "process_resident_memory_bytes"), 1e6)
        self.assertGreater(value(before, "process_open_fds"), 3)

        sa, visitor, agent, chat = self.chat()
        self.callbacks.fail_next = 2  # two failed POSTs: two retries
        r = visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), "hello", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201)
        self.assertTrue(r.header("x-request-id"))
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                and "hello" in link(embedded(e), "plainMessage"), timeout=20)
        # A parked long-poll shows while it waits.
        visitor.events.poll(timeout=0)
        t = threading.Thread(target=lambda: visitor.events.poll(timeout=3))
        t.start()
        during = self.eventually(lambda: (lambda s: s if value(s, "carebridge_parked_long_polls") >= 1 else None)(
            scrape(self.platform)[0]), "no parked long-poll in /metrics")
        t.join()

        send_route = "/ucwa/psanon/v1/applications/{}/communication/conversations/{}/messaging/messages"
        self.assertEqual(value(during, "carebridge_http_requests_total", route=send_route, method="POST", status="201"), 1)
        self.assertGreaterEqual(value(during, "carebridge_http_request_duration_seconds_count", route=send_route), 1)
        self.assertEqual(value(during, "carebridge_live_chats"), 1)
        self.assertEqual(value(during, "carebridge_live_meetings"), 1)
        self.assertGreaterEqual(value(during, "carebridge_callback_retries_total"), 2)
        self.assertGreater(value(during, "carebridge_callbacks_delivered_total"),
                           value(before, "carebridge_callbacks_delivered_total"))
        self.assertGreater(value(during, "carebridge_store_commit_duration_seconds_count"),
                           value(before, "carebridge_store_commit_duration_seconds_count"))
        self.assertGreater(value(during, "carebridge_store_batches_total"), value(before, "carebridge_store_batches_total"))
        self.assertGreater(value(during, "carebridge_store_transactions_total"), 0)
        self.assertLessEqual(value(during, "carebridge_store_transactions_total"),
                             value(during, "carebridge_store_batches_total"))
        self.assertEqual(value(during, "carebridge_http_requests_total", route="unmatched"), 0)
        self.assertEqual(self.platform.call("GET", "/no/such/thing").status, 404)
        after, _ = scrape(self.platform)
        self.assertEqual(value(after, "carebridge_http_requests_total", route="unmatched", status="404"), 1)

    def test_logs_are_json_lines_without_tokens_secrets_or_message_text(self):
        sa, visitor, agent, chat = self.chat()
        secret_text = "my-card-number-4111-and-secret-words"
        r = visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), secret_text, {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201)
        agent.events.wait_for("message", "completed", lambda e: "secret-words" in str(embedded(e)["_links"]))
        self.callbacks.wait_answered()
        log = self.platform.stderr()
        lines = [json.loads(line) for line in log.splitlines() if line.strip()]
        self.assertTrue(lines)
        for entry in lines:
            self.assertEqual(set(entry) >= {"time", "level", "message"}, True, entry)
            self.assertIn(entry["level"], ("debug", "info", "warn", "error"))
        requests = [e for e in lines if e["message"] == "request"]
        self.assertTrue(any(e.get("conversation_id") and e.get("ucwa_application_id") and e.get("request_id")
                            for e in requests))
        self.assertTrue(any(e.get("application_id") == "1627259584" for e in requests))
        secrets = [sa.token, visitor.headers["Authorization"].split(" ", 1)[1].replace("psat=", ""),
                   agent.headers["Authorization"].split(" ", 1)[1], "helpdesk-secret", "alice-pass", secret_text]
        for s in secrets:
            self.assertNotIn(s, log)
        self.assertNotIn("Bearer", log)


class GracefulShutdownTest(OpsBase):
    def test_sigterm_answers_parked_polls_exits_0_and_the_chat_goes_on(self):
        sa, visitor, agent, chat = self.chat()
        visitor.events.poll(timeout=0)
        agent.events.poll(timeout=0)
        answers = {}

        def park(name, client):
            href = client.events.next
            r = client.call("GET", href + ("&" if "?" in href else "?") + "timeout=60")
            answers[name] = (time.monotonic(), href, r)

        threads = [threading.Thread(target=park, args=("visitor", visitor)),
                   threading.Thread(target=park, args=("agent", agent))]
        for t in threads:
            t.start()
        self.eventually(lambda: value(scrape(self.platform)[0], "carebridge_parked_long_polls") >= 2, "polls not parked")
        stopped_at = time.monotonic()
        self.platform.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=20)
        code = self.platform.proc.wait(timeout=20)
        self.assertEqual(code, 0)
        for name, (when, href, r) in answers.items():
            self.assertEqual(r.status, 200, (name, r))
            self.assertEqual(r.json.get("sender", []), [], name)
            self.assertEqual(link(r.json, "next"), href, name)  # nothing new: continue from the same place
            self.assertLess(when - stopped_at, 5, name)
        err = self.platform.stderr()
        self.assertNotIn("dropped a request", err)
        self.assertIn("shutting down", err)
        self.platform.proc.stdout.close()

        # Restart on the same data: the chat continues from the links each client holds.
        self.platform = Platform(self.config, data_dir=self.data)
        for c in (visitor, agent):
            c.p = self.platform
            c.events.platform = self.platform
        r = visitor.call("POST", link(chat["visitor_messaging"], "sendMessage"), "after-sigterm", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        agent.events.wait_for("message", "completed", lambda e: "after-sigterm" in str(embedded(e)["_links"]))


class InactivityTest(OpsBase):
    ops = {"chat_inactivity_timeout": 4}  # longer than setting the chat up on a loaded machine

    def test_an_idle_chat_is_ended_with_a_timeout_reason(self):
        sa, visitor, agent, chat = self.chat(with_agent=False)
        started = time.monotonic()
        _, _, _, e = self.callbacks.wait_for(
            lambda s, e: is_event("ms:rtc:saas:conversation", "deleted")(s, e) and "reason" in e, timeout=20)
        self.assertGreaterEqual(time.monotonic() - started, 2.0)
        self.assertEqual(e["reason"]["code"], "Timeout")
        self.assertEqual(e["reason"]["subcode"], "ConversationInactive")
        _, _, _, m = self.callbacks.wait_for(
            lambda s, e: is_event("ms:rtc:saas:messaging", "updated")(s, e) and embedded(e)["state"] == "Disconnected"
            and "reason" in e)
        self.assertEqual(m["reason"]["subcode"], "ConversationInactive")
        # As when the visitor leaves: the meeting loses the visitor; the visitor sees the end.
        self.callbacks.wait_for(is_event("ms:rtc:saas:participant", "deleted"))
        d = visitor.events.wait_for("conversation", "deleted")
        self.assertEqual(d["reason"]["subcode"], "ConversationInactive")
        self.assertEqual(value(scrape(self.platform)[0], "carebridge_chats_timed_out_total"), 1)


class EventChannelGraceTest(OpsBase):
    ops = {"visitor_poll_grace": 3}

    def test_a_visitor_who_stops_polling_has_left(self):
        sa, visitor, agent, chat = self.chat(with_agent=False)
        # Polling (even with long waits) keeps the chat alive past the grace period.
        until = time.monotonic() + 4.5
        while time.monotonic() < until:
            visitor.events.poll(timeout=1)
        self.assertFalse(any(e["type"] == "deleted" and e["link"]["rel"] == "ms:rtc:saas:conversation"
                             for _, _, _, e in self.callbacks.events()))
        # Then the tab closes.
        _, _, _, e = self.callbacks.wait_for(
            lambda s, e: is_event("ms:rtc:saas:conversation", "deleted")(s, e) and "reason" in e, timeout=15)
        self.assertEqual(e["reason"]["subcode"], "EventChannelIdle")


class CallbackRecoveryTest(OpsBase):
    ops = {"callback_max_age": 2, "callback_breaker_failures": 3, "callback_breaker_cooldown": 1}

    def test_a_receiver_down_past_the_max_age_leaves_dead_letters_that_replay_delivers(self):
        sa = ServiceApp(self.platform)
        base = link(sa.app, "self").split("?")[0] + "/callbacks"
        self.callbacks.fail_next = 10**6  # the Service Application answers 503
        visitor = Visitor(self.platform, sa.anon_token())
        comm = visitor.app["_embedded"]["communication"]
        r = visitor.call("POST", link(comm, "startMessaging"), {"operationId": "op1", "to": cbtest.HELPDESK})
        self.assertEqual(r.status, 201)

        def failed():
            r = self.platform.call("GET", base + "/failed", headers=sa.auth)
            self.assertEqual(r.status, 200, r)
            return r.json["failed"]
        dead = self.eventually(failed, "no dead letter", timeout=20)
        self.assertEqual(self.platform.call("GET", base + "/failed").status, 401)
        other = ServiceApp(self.platform, "litware", "litware-secret")
        self.assertEqual(self.platform.call("GET", base + "/failed", headers=other.auth).status, 403)
        d = dead[0]
        self.assertGreaterEqual(d["attempts"], 2)
        # The last POST's answer, or the open circuit that stopped further POSTs.
        self.assertRegex(d["lastError"], "503|circuit open")
        metrics, _ = scrape(self.platform)
        self.assertGreaterEqual(value(metrics, "carebridge_callback_dead_letters_total"), 1)

        # The receiver is back: a replay delivers exactly the dead letter, with its positions.
        self.callbacks.fail_next = 0
        r = self.platform.call("POST", link(d, "replay"), headers=sa.auth)
        self.assertEqual(r.status, 202, r)
        _, _, _, e = self.callbacks.wait_for(is_event("ms:rtc:saas:messagingInvitation", "started"), timeout=20)
        self.assertEqual(embedded(e)["operationId"], "op1")
        _, headers, _ = self.callbacks.received[-1]
        self.assertEqual(headers["X-Carebridge-Event-Positions"], f"{d['firstPosition']}-{d['lastPosition']}")
        self.assertEqual(failed(), [])
        self.assertEqual(self.platform.call("POST", link(d, "replay"), headers=sa.auth).status, 404)

        # Replay from a position: every retained event again, from position 1.
        count = len(self.callbacks.received)
        r = self.platform.call("POST", base + "/replay?from=1", headers=sa.auth)
        self.assertEqual(r.status, 202, r)
        self.assertGreaterEqual(r.json["events"], 1)
        self.eventually(lambda: len(self.callbacks.received) > count, "replay did not arrive")
        _, headers, _ = self.callbacks.received[count]
        self.assertTrue(headers["X-Carebridge-Event-Positions"].startswith("1-"))
        self.assertEqual(self.platform.call("POST", base + "/replay", headers=sa.auth).status, 400)


if __name__ == "__main__":
    cbtest.main()
