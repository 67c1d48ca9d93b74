"""Hostile sweep: >= 10,000 generated malformed and hostile requests over raw sockets at a running
`carebridge platform`, aimed at the resources of a live chat with valid tokens (so hostile bodies
reach the handlers), plus connections that never send a byte. Afterwards: no 5xx, no crash, a
normal chat still works, and RSS and open fds are back near where they started. Prints counts.
Deterministic (seeded) and bounded: ~60-90 s under ASan on two cores."""
import json
import os
import random
import re
import socket
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import cbtest
from cbtest import Chat, PlatformTestCase, ServiceApp, Visitor, link

TOTAL = int(os.environ.get("HOSTILE_REQUESTS", "10500"))
IDLE_CONNECTIONS = 300
STATUS = re.compile(rb"HTTP/1\.[01] (\d\d\d) ")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def exchange(port, data, timeout=10):
    """Sends raw bytes, half-closes, reads until the server closes. Returns the statuses seen."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything (413, 431)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (ConnectionResetError, socket.timeout):
            pass
    return [int(m) for m in STATUS.findall(b"".join(chunks))]


class Generator:
    """Hostile requests, by category. Each returns bytes for one connection."""

    def __init__(self, rnd, host, targets):
        self.rnd, self.host, self.targets = rnd, host, targets

    def pick(self):
        return self.rnd.choice(self.targets)

    def request(self, method, path, headers=(), body=b"", ctype="application/json", length=True):
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode("utf-8", "surrogatepass")
        for h in headers:
            head += (h if isinstance(h, bytes) else h.encode("utf-8", "surrogatepass")) + b"\r\n"
        if body or method == "POST":
            head += f"Content-Type: {ctype}\r\n".encode()
            if length:
                head += f"Content-Length: {len(body)}\r\n".encode()
        return head + b"\r\n" + body

    def valid(self):
        method, path, headers, body, ctype = self.pick()
        return self.request(method, path, headers, body, ctype)

    # --- categories -------------------------------------------------------------------

    def truncated(self):
        data = self.valid()
        return data[: self.rnd.randrange(1, max(2, len(data)))]

    def oversized(self):
        method, path, headers, body, ctype = self.pick()
        kind = self.rnd.randrange(4)
        if kind == 0:
            return self.request(method, path + "?x=" + "a" * self.rnd.choice([17000, 70000]), headers)
        if kind == 1:
            return self.request(method, path, list(headers) + ["X-Big: " + "b" * 20000], body, ctype)
        if kind == 2:  # claims a huge body, sends a little
            return self.request("POST", path, headers, b"", ctype, length=False)[:-2] + \
                b"Content-Length: 104857600\r\n\r\n" + b"{" * 1000
        return self.request("POST", path, headers, '{"a":"' + "x" * 300000 + '"}', ctype)

    def bad_utf8(self):
        method, path, headers, body, ctype = self.pick()
        junk = self.rnd.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xe2\x82"])
        where = self.rnd.randrange(3)
        if where == 0:
            return self.request(method, path, headers, b"", ctype)[:0] + \
                f"{method} {path}".encode() + junk + f" HTTP/1.1\r\nHost: {self.host}\r\n".encode() + \
                b"".join(h.encode() + b"\r\n" for h in headers) + b"\r\n"
        if where == 1:
            return self.request(method, path + "?q=%ff%fe&operationId=%c0%af", headers, body, ctype)
        raw = (body if isinstance(body, bytes) else body.encode()) or b'{"a":""}'
        i = self.rnd.randrange(len(raw) + 1)
        return self.request("POST", path, headers, raw[:i] + junk + raw[i:], ctype)

    def nested(self):
        method, path, headers, body, ctype = self.pick()
        depth = self.rnd.choice([64, 1000, 20000])
        doc = self.rnd.choice(['[' * depth + ']' * depth, '{"a":' * depth + '1' + '}' * depth, '[' * depth])
        return self.request("POST", path, headers, doc)

    def huge_json(self):
        method, path, headers, body, ctype = self.pick()
        kind = self.rnd.randrange(3)
        if kind == 0:
            doc = "[" + ",".join("1e308" for _ in range(10000)) + "]"
        elif kind == 1:
            doc = "{" + ",".join(f'"k{i}":{i}' for i in range(6000)) + "}"
        else:
            doc = json.dumps({"operationId": "x" * 60000, "to": "sip:" + "a" * 1000 + "@x"})
        return self.request("POST", path, headers, doc)

    def duplicate_keys(self):
        method, path, headers, body, ctype = self.pick()
        try:
            obj = json.loads(body) if body and ctype == "application/json" else {"operationId": "x"}
        except ValueError:
            obj = {"operationId": "x"}
        parts = []
        for k, v in obj.items():
            parts += [json.dumps(k) + ":" + json.dumps(v), json.dumps(k) + ":" + json.dumps(self.rnd.choice([1, None, [], "", "z"]))]
        return self.request("POST" if method == "POST" else method, path, headers, "{" + ",".join(parts) + "}")

    def wrong_types(self):
        method, path, headers, body, ctype = self.pick()
        try:
            obj = json.loads(body) if body and ctype == "application/json" else {"operationId": "x", "to": "x"}
        except ValueError:
            obj = {"operationId": "x"}
        bad = self.rnd.choice([0, -1, 1.5e300, True, None, [], {}, ["x"], {"a": "b"}, "", "\u0000", "\ud800"])
        for k in list(obj):
            if self.rnd.random() < 0.6:
                obj[k] = bad
        doc = json.dumps(obj) if self.rnd.random() < 0.8 else json.dumps(self.rnd.choice([[obj], "s", 7, None]))
        return self.request("POST", path, headers, doc)

    def traversal(self):
        method, path, headers, body, ctype = self.pick()
        evil = self.rnd.choice(["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                                "//", "/./", "/%00", "/%2F", "\\..\\..\\windows", "/.%00./", "/%252e%252e/"])
        cut = path.split("?")[0]
        i = self.rnd.randrange(len(cut) + 1)
        return self.request(method, cut[:i] + evil + cut[i:], headers, body, ctype)

    def crlf(self):
        method, path, headers, body, ctype = self.pick()
        kind = self.rnd.randrange(4)
        if kind == 0:  # encoded CRLF in the target (reflected into Location or errors?)
            return self.request(method, path + ("&" if "?" in path else "?") +
                                "operationId=%0d%0aSet-Cookie:%20x=1&endpointId=%0d%0aX:y", headers, body, ctype)
        if kind == 1:  # raw bare CR / LF inside a header value
            return self.request(method, path, list(headers) + [b"X-A: a\rInjected: 1", b"X-B: b\nInjected: 2"], body, ctype)
        if kind == 2:  # CRLF inside a JSON string that may be echoed into a header
            return self.request("POST", path, headers, json.dumps({"operationId": "x\r\nSet-Cookie: y=1",
                                                                   "subject": "a\r\n\r\nHTTP/1.1 200 OK"}))
        return self.request(method, path, list(headers) + ["Origin: https://contoso.com\r\nX-Injected: 1"], body, ctype)

    def smuggling(self):
        method, path, headers, body, ctype = self.pick()
        payload = b'{"operationId":"x"}'
        smuggled = f"GET /healthz HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode()
        head = f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode() + \
            b"".join(h.encode() + b"\r\n" for h in headers) + b"Content-Type: application/json\r\n"
        variants = [
            head + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + b"13\r\n" + payload + b"\r\n0\r\n\r\n" + smuggled,
            head + b"Transfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n" + smuggled,
            head + f"Content-Length: {len(payload)}\r\nContent-Length: 5\r\n\r\n".encode() + payload + smuggled,
            head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" + smuggled,
            head + b"Transfer-Encoding: xchunked\r\n\r\n" + payload,
            head + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            head + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n" + payload + b"\r\n0\r\n\r\n",
            head + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n" + payload + b"\r\n0\r\n\r\n",
            head + b"Transfer-Encoding: chunked\r\n\r\n5;ext=" + b"e" * 5000 + b"\r\nhello\r\n0\r\n\r\n",
            head + b"Content-Length: -1\r\n\r\n" + payload,
            head + b"Content-Length: 1e3\r\n\r\n" + payload,
            head + b"Content-Length: 99999999999999999999999\r\n\r\n" + payload,
            head + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n" + smuggled,
        ]
        return self.rnd.choice(variants)

    def pipelined(self):
        reqs = [self.valid() for _ in range(self.rnd.randrange(1, 4))]
        garbage = self.rnd.choice([b"\x00\x01\x02garbage\r\n\r\n", b"GET\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\n",
                                   bytes(self.rnd.randrange(256) for _ in range(200)), b"G" * 5000 + b"\r\n\r\n",
                                   b"POST / HTTP/9.9\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nab"])
        return b"".join(reqs) + garbage

    def garbage(self):
        kind = self.rnd.randrange(5)
        if kind == 0:
            return bytes(self.rnd.randrange(256) for _ in range(self.rnd.randrange(1, 600)))
        if kind == 1:
            return self.rnd.choice([b"BREW", b"G\x00T", b"get", b"CONNECT", b"TRACE", b"PATCH", b"PRI"]) + \
                b" " + self.pick()[1].encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        if kind == 2:
            return b"GET " + self.pick()[1].encode() + self.rnd.choice([b" HTTP/0.9", b" HTTP/2.0", b" HTTP/1.1 extra", b""]) + b"\r\n\r\n"
        if kind == 3:
            return b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(3000)) + b"\r\n"
        return b"GET / HTTP/1.1\r\nHost: x\r\n" + self.rnd.choice([b"NoColon\r\n", b": empty-name\r\n", b" folded\r\n",
                                                                     b"Bad Name: x\r\n", b"X:\x00\r\n"]) + b"\r\n"

    CATEGORIES = ["truncated", "oversized", "bad_utf8", "nested", "huge_json", "duplicate_keys", "wrong_types",
                  "traversal", "crlf", "smuggling", "pipelined", "garbage"]


class HostileSweepTest(PlatformTestCase):
    def config(self, callback_url):
        # Every request comes from 127.0.0.1: the per-IP sign-in and token limits would (rightly)
        # refuse the normal chat opened after the sweep. They have their own tests (test_limits.py);
        # the per-token and per-application limits stay on.
        c = cbtest.default_config(callback_url)
        c["limits"] = {"sign_ins_per_minute": 0, "anon_tokens_per_minute": 0, "anon_apps_per_minute": 0}
        return c

    def open_chat(self):
        sa = ServiceApp(self.platform)
        visitor = Visitor(self.platform, sa.anon_token())
        chat = Chat(sa, visitor, self.callbacks).open()
        r = visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), "hello", {"Content-Type": "text/plain"})
        self.assertIn(r.status, (201, 204), r)
        return sa, visitor, chat

    def test_sweep(self):
        p = self.platform
        pid, port = p.proc.pid, int(p.url.rsplit(":", 1)[1])
        sa, visitor, chat = self.open_chat()
        # Warm up (allocator pools, keep-alive paths) before the baseline.
        for _ in range(3):
            self.open_chat()
        time.sleep(0.5)
        rss0, fds0 = rss_kb(pid), fd_count(pid)

        auth_sa = "Authorization: Bearer " + sa.token
        auth_v = "Authorization: " + visitor.headers["Authorization"]
        origin = "Origin: " + visitor.headers["Origin"]
        path = lambda href: href[len(p.url):] if href.startswith("http") else href
        vcomm = visitor.app["_embedded"]["communication"]
        targets = [
            ("POST", "/oauth2/token", (), "grant_type=client_credentials&client_id=helpdesk&client_secret=x",
             "application/x-www-form-urlencoded"),
            ("GET", "/platformservice/discover", (), b"", ""),
            ("POST", path(link(sa.app, "ms:rtc:saas:anonApplicationTokens")), (auth_sa,),
             json.dumps({"applicationSessionId": "s", "allowedOrigins": cbtest.ORIGIN}), "application/json"),
            ("POST", path(link(chat.invitation, "ms:rtc:saas:acceptAndBridge")), (auth_sa,),
             json.dumps({"impersonatedDisplayName": "x", "onlineMeetingUri": chat.meeting_uri}), "application/json"),
            ("POST", path(link(chat.meeting, "ms:rtc:saas:addParticipant")), (auth_sa,),
             json.dumps({"to": "sip:nobody@contoso.com", "operationId": "x"}), "application/json"),
            ("POST", path(link(chat.bridge, "ms:rtc:saas:bridgedParticipants")), (auth_sa,),
             json.dumps({"displayName": "x", "participantUri": "sip:x@contoso.com"}), "application/json"),
            ("POST", path(link(chat.messaging, "ms:rtc:saas:sendMessage")), (auth_sa,), "hi", "text/plain"),
            ("GET", path(link(sa.app, "ms:rtc:saas:events")) + "&timeout=0", (auth_sa,), b"", ""),
            ("POST", "/ucwa/psanon/v1/applications", (auth_v, origin), json.dumps({"anonymousDisplayName": "x"}),
             "application/json"),
            ("POST", path(link(vcomm, "startMessaging")), (auth_v, origin),
             json.dumps({"operationId": "x", "to": "sip:helpdesk@contoso.com", "subject": "s"}), "application/json"),
            ("POST", path(link(chat.visitor_messaging, "sendMessage")), (auth_v, origin), "<b>hi</b>", "text/html"),
            ("GET", path(link(visitor.app, "events")) + "&timeout=0", (auth_v, origin), b"", ""),
            ("POST", "/ucwa/v1/applications", ("Authorization: Bearer x",), json.dumps({"EndpointId": "e"}),
             "application/json"),
        ]
        rnd = random.Random(8)
        gen = Generator(rnd, p.url[len("http://"):], targets)
        work = [(c, getattr(gen, c)()) for c in (Generator.CATEGORIES[i % len(Generator.CATEGORIES)]
                                                 for i in range(TOTAL))]

        counts = {c: {} for c in Generator.CATEGORIES}
        errors = []
        started = time.monotonic()
        # Idle connections held open through the sweep: they must not starve anyone.
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE_CONNECTIONS)]

        def run(item):
            category, data = item
            try:
                return category, exchange(port, data), None
            except OSError as e:
                return category, [], repr(e)

        with ThreadPoolExecutor(max_workers=12) as pool:
            for category, statuses, err in pool.map(run, work):
                for s in statuses or ["closed"]:
                    counts[category][s] = counts[category].get(s, 0) + 1
                if err:
                    errors.append((category, err))
        # The idle ones did not block service; then they go.
        self.assertEqual(p.call("GET", "/healthz").status, 200)
        for s in idle:
            s.close()
        elapsed = time.monotonic() - started

        total = sum(sum(c.values()) for c in counts.values())
        print(f"\nhostile sweep: {len(work)} hostile connections + {IDLE_CONNECTIONS} idle in {elapsed:.1f} s, "
              f"{total} outcomes")
        for category, c in counts.items():
            print(f"  {category:15} " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=str)))
        fives = {cat: {s: n for s, n in c.items() if isinstance(s, int) and s >= 500} for cat, c in counts.items()}
        fives = {k: v for k, v in fives.items() if v}
        self.assertEqual(fives, {}, "5xx answers to hostile input")
        if "HOSTILE_REQUESTS" not in os.environ:  # a smaller count is for local runs only
            self.assertGreaterEqual(len(work), 10000)
        self.assertLess(len(errors), len(work) // 100, errors[:10])
        p.assert_alive()

        # A normal chat still works, end to end, once the application's request bucket (which
        # the sweep's requests with its real token rightly drained: 200/s, burst 400) refilled.
        time.sleep(2.5)
        _, visitor2, chat2 = self.open_chat()
        r = visitor2.call("GET", link(visitor2.app, "events") + "&timeout=0")
        self.assertEqual(r.status, 200, r)

        # Memory and descriptors settle back near the start (connections closed, nothing kept).
        deadline = time.monotonic() + 15
        while True:
            rss1, fds1 = rss_kb(pid), fd_count(pid)
            if (fds1 <= fds0 + 4 and rss1 <= rss0 + 64 * 1024) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        print(f"  rss {rss0 // 1024} MiB -> {rss1 // 1024} MiB, fds {fds0} -> {fds1}")
        self.assertLessEqual(fds1, fds0 + 4, "file descriptors leaked")
        self.assertLessEqual(rss1, rss0 + 64 * 1024, "memory did not settle")

    def test_ambiguous_framing_is_refused_and_nothing_is_smuggled(self):
        """Requests whose length a proxy could read differently: one 400, then the connection
        closes, so the request hidden behind them is never answered."""
        port = int(self.platform.url.rsplit(":", 1)[1])
        head = b"POST /platformservice/discover HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        variants = {
            "CL then TE": head + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            "TE then CL": head + b"Transfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n",
            "two lengths": head + b"Content-Length: 3\r\nContent-Length: 5\r\n\r\nabc",
            "chunked, identity": head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
            "unknown coding": head + b"Transfer-Encoding: xchunked\r\n\r\n",
            "identity only": head + b"Transfer-Encoding: identity\r\n\r\n",
            "space before colon": head + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            "chunk size overflow": head + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
            "negative length": head + b"Content-Length: -1\r\n\r\n",
        }
        for name, data in variants.items():
            with self.subTest(name):
                self.assertEqual(exchange(port, data + smuggled), [400])


if __name__ == "__main__":
    # ASan keeps freed memory in a quarantine (256 MiB by default), which would read as growth.
    os.environ["ASAN_OPTIONS"] = "quarantine_size_mb=16" + (":" + os.environ["ASAN_OPTIONS"]
                                                            if os.environ.get("ASAN_OPTIONS") else "")
    cbtest.main()
