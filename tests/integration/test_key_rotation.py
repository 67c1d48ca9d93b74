"""Signing-key rotation on a running platform: `carebridge rotate-keys` makes a new current key;
the JWK set publishes the current and the previous key; tokens and callbacks signed with the
previous key keep verifying; new ones carry the new kid; a second rotation drops the oldest key.
Signatures are checked here with the published JWKs (RSASSA-PKCS1-v1_5 SHA-256 in plain Python)."""
import base64
import hashlib
import json
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import cbtest
from cbtest import CallbackReceiver, Chat, Platform, ServiceApp, Visitor, default_config, is_event, link

# DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2).
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_kid(token):
    return json.loads(b64url(token.split(".")[0]))["kid"]


def rs256_valid(token, jwks):
    """True when token's signature verifies under the JWK its kid names."""
    header, payload, signature = token.split(".")
    key = next((k for k in jwks if k["kid"] == jwt_kid(token)), None)
    if key is None:
        return False
    n = int.from_bytes(b64url(key["n"]), "big")
    e = int.from_bytes(b64url(key["e"]), "big")
    size = (n.bit_length() + 7) // 8
    em = pow(int.from_bytes(b64url(signature), "big"), e, n).to_bytes(size, "big")
    t = SHA256_PREFIX + hashlib.sha256(f"{header}.{payload}".encode()).digest()
    return em == b"\x00\x01" + b"\xff" * (size - len(t) - 3) + b"\x00" + t


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KeyRotationTest(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="carebridge-data-")
        self.callbacks = CallbackReceiver()
        self.config = default_config(self.callbacks.url)
        self.config["listen"] = f"127.0.0.1:{free_port()}"
        self.platform = Platform(self.config, data_dir=self.data)

    def tearDown(self):
        self.platform.stop()
        self.callbacks.stop()
        shutil.rmtree(self.data, ignore_errors=True)

    def jwks(self):
        r = self.platform.call("GET", "/.well-known/jwks.json")
        self.assertEqual(r.status, 200, r)
        return r.json["keys"]

    def rotate(self):
        out = subprocess.run([cbtest.BINARY, "rotate-keys", "--config", self.platform.config_path],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def wait_kids(self, kids, timeout=10):
        """The running platform picks the rotation up by itself (it watches the key file)."""
        deadline = time.monotonic() + timeout
        while [k["kid"] for k in self.jwks()] != kids:
            self.assertLess(time.monotonic(), deadline, f"JWKS never became {kids}: {self.jwks()}")
            time.sleep(0.1)

    def last_callback_token(self):
        _, headers, _ = self.callbacks.received[-1]
        scheme, token = headers["Authorization"].split(" ", 1)
        self.assertEqual(scheme, "Bearer")
        return token

    def test_rotation_keeps_the_previous_key_for_one_round(self):
        keys = self.jwks()
        self.assertEqual(len(keys), 1)
        k1 = keys[0]["kid"]
        sa = ServiceApp(self.platform)  # token A, signed with k1
        self.assertEqual(jwt_kid(sa.token), k1)
        visitor = Visitor(self.platform, sa.anon_token())
        chat = Chat(sa, visitor, self.callbacks)  # a callback, signed with k1
        callback_a = self.last_callback_token()
        self.assertEqual(jwt_kid(callback_a), k1)
        self.assertTrue(rs256_valid(callback_a, keys))
        self.assertTrue(rs256_valid(sa.token, keys))

        # Rotation 1: k2 signs, k1 is still published and still accepted.
        printed = self.rotate()
        self.assertIn(k1, printed)
        k2 = next(k for k in printed.split() if len(k) == 43 and k != k1)
        self.wait_kids([k2, k1])
        keys = self.jwks()
        self.assertTrue(rs256_valid(callback_a, keys))
        self.assertEqual(self.platform.call("GET", link(sa.app, "self"), headers=sa.auth).status, 200)
        chat.open()  # the visitor's psat token (k1) and token A drive a whole chat set-up
        self.assertEqual(sa.p.call("GET", link(chat.meeting, "self"), headers=sa.auth).status, 200)
        sa2 = ServiceApp(self.platform)
        self.assertEqual(jwt_kid(sa2.token), k2)
        self.assertTrue(rs256_valid(sa2.token, keys))
        # New callbacks carry the new kid (the cached callback token is reissued).
        count = len(self.callbacks.received)
        r = visitor.call("POST", link(chat.visitor_messaging, "sendMessage"), "after rotation",
                         {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        self.callbacks.wait_for(lambda s, e: is_event("ms:rtc:saas:message", "completed")(s, e)
                                and "after%20rotation" in link(cbtest.embedded(e), "plainMessage"))
        self.assertGreater(len(self.callbacks.received), count)
        callback_b = self.last_callback_token()
        self.assertEqual(jwt_kid(callback_b), k2)
        self.assertTrue(rs256_valid(callback_b, keys))

        # Rotation 2: k1 is gone; what it signed no longer verifies; k2's tokens still do.
        printed = self.rotate()
        self.assertIn("dropped:  " + k1, printed)
        k3 = next(k for k in printed.split() if len(k) == 43 and k not in (k1, k2))
        self.wait_kids([k3, k2])
        keys = self.jwks()
        self.assertFalse(rs256_valid(callback_a, keys))
        r = self.platform.call("GET", link(sa.app, "self"), headers=sa.auth)
        cbtest.assert_error(r, 401, "Unauthorized", "InvalidToken")
        self.assertEqual(self.platform.call("GET", link(sa2.app, "self"), headers=sa2.auth).status, 200)
        self.assertEqual(jwt_kid(ServiceApp(self.platform).token), k3)

        # The keys are files in data_dir: a restart keeps both.
        self.platform.stop()
        self.platform = Platform(self.config, data_dir=self.data)
        self.assertEqual([k["kid"] for k in self.jwks()], [k3, k2])
        self.assertEqual(self.platform.call("GET", link(sa2.app, "self"), headers=sa2.auth).status, 200)

        # SIGHUP (systemctl reload) reloads the keys at once and does not stop the platform.
        self.platform.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "signing keys reloaded" not in self.platform.stderr():
            self.assertLess(time.monotonic(), deadline, "SIGHUP did not reload the keys")
            time.sleep(0.1)
        self.assertIsNone(self.platform.proc.poll())
        self.assertEqual(self.platform.call("GET", "/healthz").status, 200)
        self.assertEqual([k["kid"] for k in self.jwks()], [k3, k2])

    def test_rotate_keys_needs_a_data_dir(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
            f.write(cbtest.to_toml(self.config))  # no data_dir
            f.flush()
            out = subprocess.run([cbtest.BINARY, "rotate-keys", "--config", f.name], capture_output=True, text=True,
                                 timeout=30)
        self.assertEqual(out.returncode, 2, out)
        self.assertIn("data_dir", out.stderr)


if __name__ == "__main__":
    cbtest.main()
