"""Writes bench/RESULTS.md from the JSON files of one bench/run.sh run (standard library only).

Every figure is the median over the runs of that scenario. Text below the KEEP marker of an
existing RESULTS.md (profiles, analysis) is carried over unchanged."""
import argparse
import glob
import json
import os
import platform
import re
import statistics

KEEP = "<!-- Everything below this line is hand-written and kept by bench/results.py. -->"


def load(work, prefix):
    runs = []
    for path in sorted(glob.glob(os.path.join(work, prefix + "-*.json"))):
        if re.fullmatch(re.escape(prefix) + r"-\d+\.json", os.path.basename(path)):
            with open(path) as f:
                runs.append(json.load(f))
    return runs


def median(runs, key):
    values = [r["metrics"][key] for r in runs if key in r.get("metrics", {})]
    return statistics.median(values) if values else None


def fmt(v, digits=1):
    if v is None:
        return "—"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def errors(runs):
    total = {}
    for r in runs:
        for what, n in r.get("errors", {}).items():
            total[what] = total.get(what, 0) + n
    return total


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return model, os.cpu_count(), platform.release(), mem_kib / 1024 / 1024


TALK_ROWS = [
    ("delivered", "delivered messages/s", 0),
    ("sent", "sent messages/s", 0),
    ("latency p50", "delivery latency p50 (ms)", 2),
    ("latency p99", "delivery latency p99 (ms)", 2),
    ("latency p999", "delivery latency p99.9 (ms)", 2),
    ("sendMessage p50", "sendMessage answer p50 (ms)", 2),
    ("sendMessage p99", "sendMessage answer p99 (ms)", 2),
    ("lost", "lost", 0),
    ("duplicated", "duplicated", 0),
    ("reordered", "reordered", 0),
    ("misrouted", "misrouted", 0),
    ("send errors", "send errors", 0),
    ("late sends", "sends behind schedule", 0),
    ("events per long-poll", "events per long-poll answer", 2),
    ("callbacks", "callbacks/s received", 0),
    ("callback connections accepted", "new callback TCP connections/s", 0),
    ("platform cpu", "platform CPU (% of a core)", 0),
    ("platform waiting for a core", "platform runnable, waiting for a core (% of time)", 0),
    ("platform cpu per message", "platform CPU per delivered message (µs)", 0),
    ("platform engine thread cpu", "of which the engine thread (% of a core)", 0),
    ("platform http io threads cpu", "of which the HTTP I/O thread (% of a core)", 0),
    ("platform store writer thread cpu", "of which the store writer (% of a core)", 0),
    ("platform store checkpointer thread cpu", "of which the store checkpointer (% of a core)", 0),
    ("platform rss", "platform RSS at the end (MiB)", 0),
    ("store file", "store file at the end (MiB)", 1),
    ("generator cpu", "generator CPU (% of a core)", 0),
    ("generator waiting for a core", "generator waiting for a core (% of time)", 0),
]


def talk_table(memory, durable, heads=("in-memory", "durable (`synchronous = \"full\"`)", "durable / in-memory")):
    out = ["| | " + " | ".join(heads) + " |", "|---|---:|---:|---:|"]
    for key, label, digits in TALK_ROWS:
        m, d = median(memory, key), median(durable, key)
        # (no ratio of near-zero shares of waiting time: it would be noise)
        ok = m is not None and d is not None and m != 0 and ("waiting" not in key or m >= 5)
        ratio = f"{d / m:.2f}" if ok else "—"
        out.append(f"| {label} | {fmt(m, digits)} | {fmt(d, digits)} | {ratio} |")
    return out


def simple_table(runs, rows):
    out = ["| | median |", "|---|---:|"]
    for key, label, digits in rows:
        out.append(f"| {label} | {fmt(median(runs, key), digits)} |")
    return out


def per_run(runs, keys):
    out = ["| run | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
    for i, r in enumerate(runs, 1):
        out.append(f"| {i} | " + " | ".join(fmt(r["metrics"].get(k), 2) for k in keys) + " |")
    return out


def main():
    ap = argparse.ArgumentParser()
    for name in ("work", "out", "started", "load-before", "load-after", "commit", "talk", "light", "setup", "setup-wide", "hold"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--peak", default="")
    ap.add_argument("--batch-ms", default="0")
    a = ap.parse_args()
    model, cpus, kernel, mem_gib = machine()
    tm, td = load(a.work, "talk-memory"), load(a.work, "talk-durable")
    xm, xd = load(a.work, "light-memory"), load(a.work, "light-durable")
    bm, bd = load(a.work, "batched-memory"), load(a.work, "batched-durable")
    batched = f"callbacks batched, `[ops] callback_batch_window_ms = {a.batch_ms}`"
    setup, hold = load(a.work, "setup-durable"), load(a.work, "hold-durable")
    setup_wide = load(a.work, "setup-wide-durable")
    # The 10,000/s target is judged on runs offered that much (the 5,000/s runs cannot show it).
    pd, pb = load(a.work, "peak-durable"), load(a.work, "peak-batched-durable")

    md = ["# carebridge benchmark results", "",
          f"Latest `bench/run.sh` run: {a.started}, commit `{a.commit}`. Each figure is the median of "
          f"{len(tm)} run(s) (hold: {len(hold)}), each against a freshly started platform on loopback. "
          "The generator (`carebridge-bench`, one thread) runs on the same machine and its CPU is reported "
          "alongside: on 2 cores the two compete.", "",
          "## Machine", "",
          f"- CPU: {model}, `nproc` = {cpus}; RAM {mem_gib:.1f} GiB; kernel {kernel}",
          f"- Load average (1/5/15 min) before: {a.load_before}; after: {a.load_after} "
          "(other engineers build on the same 2 cores, so absolute figures are pessimistic and noisy; "
          "ratios measured in the same run are the sturdier numbers)", "",
          "## Commands", "",
          "`bench/run.sh` (builds `scripts/build.sh release`, then for each scenario starts "
          "`carebridge platform` with a generated config and runs):", "",
          "```", f"carebridge-bench {a.talk} --url URL --pid PID --callback-listen 127.0.0.1:PORT",
          f"carebridge-bench {a.light} ...", *([f"carebridge-bench {a.peak} ..."] if a.peak else []),
          f"carebridge-bench {a.setup} ...", f"carebridge-bench {a.setup_wide} ...",
          f"carebridge-bench {a.hold} ...", "```", "",
          "Durable runs set `data_dir` and `[store] synchronous = \"full\"`; in-memory runs have no "
          "`data_dir`. talk and setup are measured on both sides of each message/chat by the generator "
          "(latency = sender's POST start → receiver's long-poll answer).", ""]
    md += ["## talk: " + a.talk.replace("talk ", ""), ""] + talk_table(tm, td) + [""]
    if bm and bd:
        md += ["## talk, " + batched + ": " + a.talk.replace("talk ", ""), "",
               "The same talk with the application's callbacks of all conversations sharing POSTs "
               "(an option, off by default: docs/OPERATIONS.md, \"Batching\").", ""] + talk_table(bm, bd) + [""]
    md += ["## talk, light load: " + a.light.replace("talk ", ""), ""] + talk_table(xm, xd) + [""]
    if pd:
        md += ["## talk at the peak rate, durable: " + a.peak.replace("talk ", ""), "",
               "Offered above the 10,000/s the durable target names (PEAK_RATE), so that what is "
               "delivered is what the platform can do, with default callbacks and with "
               + batched.replace("callbacks batched, ", "") + ".", ""]
        md += talk_table(pd, pb, ("default callbacks", "callbacks batched", "batched / default")) + [""]
    setup_rows = [
        ("chats/s", "complete chats/s", 1), ("setup p50", "set-up time p50 (ms)", 1),
        ("setup p99", "set-up time p99 (ms)", 1), ("requests per chat", "HTTP requests per chat", 1),
        ("callbacks per chat", "callbacks per chat", 1), ("platform cpu", "platform CPU (% of a core)", 0),
        ("platform waiting for a core", "platform waiting for a core (% of time)", 0),
        ("platform cpu per chat", "platform CPU per chat (ms)", 2),
        ("platform rss growth per chat", "platform RSS growth per chat (KiB)", 1),
        ("generator cpu", "generator CPU (% of a core)", 0)]
    for args, runs in ((a.setup, setup), (a.setup_wide, setup_wide)):
        if runs:
            md += ["## setup (durable): " + args.replace("setup ", ""), ""] + simple_table(runs, setup_rows) + [""]
    md += ["## hold (durable): " + a.hold.replace("hold ", ""), ""] + simple_table(hold, [
        ("chats opened", "chats open", 0), ("chats set-up rate", "set-up rate on the way (chats/s)", 1),
        ("platform rss at start", "platform RSS at start (MiB)", 1), ("platform rss", "platform RSS holding them (MiB)", 1),
        ("platform rss per chat", "platform RSS per chat (KiB)", 1), ("platform fds", "platform open fds", 0),
        ("platform fds per chat", "fds per chat", 2), ("platform cpu while idle", "platform CPU while idle (% of a core)", 2),
        ("platform waiting for a core while idle", "platform waiting for a core while idle (% of time)", 1),
        ("long-polls answered while idle", "long-polls answered while idle (/s)", 1),
        ("store file", "store file holding them (MiB)", 1),
        ("generator rss", "generator RSS (MiB)", 1)]) + [""]

    def target(label, value, ok):
        return f"| {label} | {value} | {'yes' if ok else '**no**'} |"
    d_rate = median(pd or td, "delivered")
    p99 = median(td, "latency p99")
    m_p99 = median(tm, "latency p99")
    loss = sum((median(r, k) or 0) for r in (tm, td, xm, xd, bm, bd, pd, pb) for k in ("lost", "duplicated", "reordered", "misrouted"))
    # The capacity: the better of the two concurrencies' medians (each table shows its latency).
    setup_best = max(((median(r, "chats/s") or 0, args) for args, r in ((a.setup, setup), (a.setup_wide, setup_wide)) if r),
                     default=(None, a.setup))
    chats_s = setup_best[0]
    rss = median(hold, "platform rss")
    held = median(hold, "chats opened")
    md += ["## Targets of issue 6 (2-core floors)", "", "| target | measured (median) | met |", "|---|---|---|",
           target("hold: 10,000 chats, RSS ≤ 1 GiB", f"{fmt(held)} chats, {fmt(rss)} MiB",
                  held is not None and held >= 10000 and rss is not None and rss <= 1024),
           target("talk: ≥ 10,000 delivered msgs/s durable", f"{fmt(d_rate)} msgs/s"
                  + (f" at {fmt(median(pd, 'target rate'))} offered" if pd else ""), (d_rate or 0) >= 10000),
           # The issue names durability for the 10,000/s target; p99 is shown both ways.
           target("talk: p99 ≤ 25 ms at 5,000 msgs/s, in memory",
                  f"{fmt(m_p99, 2)} ms at {fmt(median(tm, 'delivered'))} msgs/s delivered",
                  (m_p99 or 1e9) <= 25 and (median(tm, "delivered") or 0) >= 4900),
           target("talk: p99 ≤ 25 ms at 5,000 msgs/s, durable", f"{fmt(p99, 2)} ms at {fmt(median(td, 'delivered'))} msgs/s delivered",
                  (p99 or 1e9) <= 25 and (median(td, "delivered") or 0) >= 4900),
           *([target("talk: ≥ 10,000 delivered msgs/s durable, " + batched, f"{fmt(median(pb or bd, 'delivered'))} msgs/s"
                     + (f" at {fmt(median(pb, 'target rate'))} offered" if pb else ""),
                     (median(pb or bd, "delivered") or 0) >= 10000),
              target("talk: p99 ≤ 25 ms at 5,000 msgs/s, in memory, " + batched,
                     f"{fmt(median(bm, 'latency p99'), 2)} ms at {fmt(median(bm, 'delivered'))} msgs/s delivered",
                     (median(bm, "latency p99") or 1e9) <= 25 and (median(bm, "delivered") or 0) >= 4900),
              target("talk: p99 ≤ 25 ms at 5,000 msgs/s, durable, " + batched,
                     f"{fmt(median(bd, 'latency p99'), 2)} ms at {fmt(median(bd, 'delivered'))} msgs/s delivered",
                     (median(bd, "latency p99") or 1e9) <= 25 and (median(bd, "delivered") or 0) >= 4900)]
             if bm and bd else []),
           target("talk: zero lost/duplicated/reordered", f"{fmt(loss)} in all talk runs", loss == 0),
           target("setup: ≥ 300 chats/s", f"{fmt(chats_s)} chats/s (" + setup_best[1].split("--concurrency ")[-1].split()[0] + " in flight)",
                  (chats_s or 0) >= 300),
           "| `GET discover` ≥ 50% of nginx | measured by `bench/run.sh --peers`: see *Baselines* below | — |", ""]
    errs = {}
    for runs in (tm, td, xm, xd, bm, bd, pd, pb, setup, setup_wide, hold):
        for k, v in errors(runs).items():
            errs[k] = errs.get(k, 0) + v
    md += ["## Errors seen by the generator (all runs)", ""]
    md += [f"- {k}: {v}" for k, v in sorted(errs.items())] or ["- none"]
    md += ["", "## Per run", "", "talk at the target rate (in-memory, durable), then at the light rate (in-memory, durable)"
           + (", then " + batched + " (in-memory, durable)" if bm and bd else "")
           + (", then the peak rate durable (default, batched callbacks)" if pd else "") + ":", ""]
    for runs in (tm, td, xm, xd) + ((bm, bd) if bm and bd else ()) + tuple(r for r in (pd, pb) if r):
        md += per_run(runs, ["delivered", "latency p50", "latency p99", "platform cpu", "platform waiting for a core",
                             "generator cpu"]) + [""]
    for label, runs in (("setup:", setup), ("setup, wider:", setup_wide)):
        md += [label, ""] + per_run(runs, ["chats/s", "setup p50", "setup p99", "platform cpu",
                                           "platform waiting for a core"]) + [""]
    md += ["hold:", ""] + per_run(hold, ["chats opened", "platform rss", "platform rss per chat", "platform fds"]) + [""]

    kept = []
    if os.path.exists(a.out):
        with open(a.out) as f:
            text = f.read()
        if KEEP in text:
            kept = [text.split(KEEP, 1)[1].strip("\n")]
    with open(a.out, "w") as f:
        f.write("\n".join(md + [KEEP, ""] + kept) + "\n")


if __name__ == "__main__":
    import sys
    if "--peers" in sys.argv:  # the baselines' section only (bench/run.sh --peers)
        import results_peers
        results_peers.main()
    else:
        main()
