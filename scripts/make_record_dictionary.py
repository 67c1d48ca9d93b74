#!/usr/bin/env python3
"""Builds the zstd dictionary the platform's store compresses event records with.

How src/platform/engine/record_dictionary_v1.zdict was made (kept for the record: a released
dictionary is never rebuilt or edited, since records on disk name it by number; a better one
becomes v2). Input: a platform database after a `bench/run.sh`-style talk run (every event kind
of the call flow and of messaging) and the protocol fixtures. Every identifier, name, time and
text is replaced by a random one per record first, so the dictionary learns the product's JSON
vocabulary and link shapes, not one deployment's ids (that would flatter the benchmark).

usage: make_record_dictionary.py DB FIXTURES_DIR OUT.zdict
"""
import glob
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile

rng = random.Random(20261126)
DOMAINS = ["contoso.com", "fabrikam.example", "care.example.org", "shop.example.net", "helpdesk.test"]
WORDS = "hello thanks order parcel refund delivery yes no please help account invoice where when today".split()


def hexid(n=16):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def anonymize(text):
    ids = {}

    def same(kind, old, make):
        return ids.setdefault((kind, old), make())

    domain = rng.choice(DOMAINS)
    text = re.sub(r"[0-9a-f]{16}", lambda m: same("hex", m.group(0), hexid), text)
    text = re.sub(r"\b16\d{8}\b", lambda m: same("app", m.group(0), lambda: str(rng.randrange(10**9, 10**10))), text)
    text = re.sub(r"\b1[67]\d{11}\b", lambda m: str(rng.randrange(1_600_000_000_000, 1_900_000_000_000)), text)
    text = text.replace("bench.test", domain)
    text = re.sub(r"(Visitor|Bench) \d+", lambda m: same("name", m.group(0), lambda: rng.choice(WORDS).title() + " " + rng.choice(WORDS).title()), text)
    text = re.sub(r"bench\d+@", lambda m: same("agent", m.group(0), lambda: rng.choice(WORDS) + str(rng.randrange(1000)) + "@"), text)
    text = re.sub(r"bench-\d+", lambda m: same("op", m.group(0), lambda: hexid(8) + "-" + hexid(4) + "-" + hexid(12)), text)
    text = re.sub(r"cb\.[0-9a-z.]*x+", lambda m: " ".join(rng.choice(WORDS) for _ in range(rng.randrange(2, 12))), text)
    text = re.sub(r"127\.0\.0\.1:\d+", lambda m: "127.0.0.1:" + str(rng.randrange(1024, 65535)), text)
    text = re.sub(r"sip:desk@", lambda m: "sip:" + same("endpoint", "", lambda: rng.choice(WORDS) + "-care") + "@", text)
    text = re.sub(r"(?i)bench desk", lambda m: rng.choice(["Contoso care", "Help desk", "Support"]), text)
    return re.sub(r"bench( meeting)?", lambda m: rng.choice(WORDS), text)


def main():
    db, fixtures, out = sys.argv[1:4]
    rows = sqlite3.connect(db).execute("SELECT stream, data FROM records").fetchall()
    rng.shuffle(rows)
    samples = [anonymize(d if isinstance(d, str) else d.decode()) for _, d in rows[:6000]]
    for f in sorted(glob.glob(os.path.join(fixtures, "*.json"))):
        samples.append(anonymize(open(f).read()))
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for i, s in enumerate(samples):
            names.append(os.path.join(tmp, f"{i}.rec"))
            open(names[-1], "w").write(s)
        subprocess.run(["zstd", "-q", "--train", *names, "-o", out, "--maxdict=16384", "--dictID=1", "-f"], check=True)


if __name__ == "__main__":
    main()
