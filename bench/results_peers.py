"""The Baselines section of bench/RESULTS.md (bench/run.sh --peers): nginx vs carebridge for
GET discover, ejabberd (BOSH + MUC) vs carebridge for hold and talk. Standard library only.

The section lives between PEERS_BEGIN and PEERS_END below the KEEP marker, so a full
bench/run.sh keeps it and a --peers run replaces only it (and the discover row of the targets)."""
import argparse
import re

from results import errors, fmt, load, machine, median

PEERS_BEGIN = "<!-- peers: written by bench/run.sh --peers (bench/results_peers.py) -->"
PEERS_END = "<!-- peers: end -->"
DISCOVER_TARGET = "| `GET discover` ≥ 50% of nginx |"


def ratio(a, b, digits=2):
    return f"{a / b:.{digits}f}" if a is not None and b else "—"


def table(header, columns, rows, ratio_of=None):
    """columns: [(label, runs)]; rows: [(key, label, digits)]; ratio_of: (i, j) adds column i / column j."""
    out = ["| | " + " | ".join(c[0] for c in columns) + (f" | {header} |" if ratio_of else " |"),
           "|---|" + "---:|" * (len(columns) + (1 if ratio_of else 0))]
    for key, label, digits in rows:
        values = [median(runs, key) for _, runs in columns]
        line = f"| {label} | " + " | ".join(fmt(v, digits) for v in values)
        if ratio_of:
            i, j = ratio_of
            line += " | " + (ratio(values[i], values[j]) if "waiting" not in key else "—")
        out.append(line + " |")
    return out


def section(a):
    model, cpus, kernel, mem_gib = machine()
    nginx, plat, vis = (load(a.work, f"peer-discover-{k}") for k in ("nginx", "platform", "visitor"))
    hold_cb, hold_ej = load(a.work, "peer-hold-carebridge"), load(a.work, "peer-hold-ejabberd")
    n_rps, p_rps, v_rps = (median(r, "requests") for r in (nginx, plat, vis))
    md = [PEERS_BEGIN, "## Baselines: nginx and ejabberd in the same run (`bench/run.sh --peers`)", "",
          f"Run {a.started}, commit `{a.commit}`, nginx {a.versions} (Debian 12 packages, started by the "
          f"script in its work directory on loopback, stopped by pid). CPU: {model}, `nproc` = {cpus}, "
          f"RAM {mem_gib:.1f} GiB, kernel {kernel}. Load average before: {a.load_before}; after: "
          f"{a.load_after} (the machine is shared with other engineers' builds: compare columns, not "
          "absolute figures). Configs: `bench/peers/nginx/nginx.conf` (`worker_processes 2`: the same 2 "
          "cores the platform has, access log off), `bench/peers/ejabberd/` (SASL ANONYMOUS, `mod_muc`, "
          "`mod_bosh`, no TLS, MAM, ping or shapers; started as the `ejabberd` user with the hard "
          "open-files limit). Server figures are of the server's own processes (`/proc`: nginx master + "
          "workers, `beam.smp`, the platform); the generator shares the same 2 cores and its CPU is shown.", ""]

    md += [f"### GET discover: the HTTP ceiling (median of {len(nginx)} runs each)", "",
           f"`carebridge-bench {a.discover} --url URL --path P` — keep-alive connections doing GET back "
           "to back; the platform is a fresh in-memory one per run; the visitor's discover is "
           "`GET /platformservice/discover?anonymousContext=psat…` with its `Origin` (token from the "
           "Service Application, CORS answer).", ""]
    md += table("", [("nginx, fixed JSON (200 B)", nginx), ("carebridge `GET /platformservice/discover`", plat),
                     ("carebridge visitor discover", vis)], [
        ("requests", "requests/s", 0), ("latency p50", "latency p50 (ms)", 3), ("latency p99", "latency p99 (ms)", 3),
        ("server cpu", "server CPU (% of a core)", 0), ("server cpu per request", "server CPU per request (µs)", 1),
        ("generator cpu", "generator CPU (% of a core)", 0), ("failed", "failed requests", 0)])
    md += [f"| **ratio to nginx (target ≥ 0.50)** | 1.00 | **{ratio(p_rps, n_rps)}** | **{ratio(v_rps, n_rps)}** |", ""]

    md += [f"### hold: idle chats, carebridge vs ejabberd (`{a.hold}`)", "",
           "A chat is a visitor and an agent on both sides (carebridge: `--agents` = `--chats`; "
           "ejabberd: two anonymous BOSH sessions joined to the chat's MUC room, the agent creating it "
           "as an instant room). Both in memory (carebridge without `data_dir`; ejabberd keeps rooms and "
           "sessions in RAM). Idle: each side keeps one parked long-poll (BOSH `wait` = the platform's "
           "poll timeout = 30 s), the other keep-alive connection closed. RSS from a fresh start.", ""]
    md += table("carebridge / ejabberd", [("carebridge", hold_cb), ("ejabberd", hold_ej)], [
        ("chats opened", "chats open", 0), ("chats set-up rate", "set-up rate on the way (chats/s)", 1),
        ("platform rss at start", "server RSS at start (MiB)", 1), ("platform rss", "server RSS holding them (MiB)", 1),
        ("platform rss per chat", "**server RSS per chat (KiB)**", 1), ("platform fds", "server open fds", 0),
        ("platform fds per chat", "fds per chat", 2), ("platform cpu while idle", "server CPU while idle (% of a core)", 2),
        ("long-polls answered while idle", "long-polls answered while idle (/s)", 1),
        ("sessions ended", "chats with a session ended or stuck", 0)], ratio_of=(0, 1))
    md += [""]

    talk_rows = [
        ("sent", "sent messages/s", 0),
        ("delivered", "**delivered messages/s**", 0), ("latency p50", "delivery latency p50 (ms)", 2),
        ("latency p99", "**delivery latency p99 (ms)**", 2), ("latency p999", "delivery latency p99.9 (ms)", 2),
        ("lost", "lost (not received by the end of the drain)", 0), ("duplicated", "duplicated", 0), ("reordered", "reordered", 0), ("misrouted", "misrouted", 0),
        ("late sends", "sends behind schedule", 0), ("sessions ended", "BOSH sessions ended or stuck", 0),
        ("platform cpu", "server CPU (% of a core)", 0),
        ("platform waiting for a core", "server waiting for a core (% of time)", 0),
        ("platform cpu per message", "server CPU per delivered message (µs)", 0),
        ("platform rss", "server RSS at the end (MiB)", 0), ("generator cpu", "generator CPU (% of a core)", 0)]
    md += ["### talk: carebridge vs ejabberd at the same offered rate", "",
           f"`{a.talk}` with R below, one run each, fresh servers. Same traffic shape on both: "
           "every visitor and agent sends on a fixed schedule, texts carry chat, direction, sequence "
           "number and send time, the receiver checks them (ejabberd: a `groupchat` message to the "
           "room; MUC also reflects it to its sender, which the generator ignores). Latency: carebridge, "
           "sender's POST start → receiver's long-poll answer; ejabberd, stanza queued by the sender "
           "→ receiver's BOSH answer (a session's second request waits 2 ms after its first: see "
           "`bench/bosh.hpp`). ejabberd runs twice: as shipped, and with the Erlang schedulers' "
           "busy-wait off (`+sbwt none +sbwtdcpu none +sbwtdio none`), which inflates its CPU at low load. "
           "Beyond saturation the two differ by protocol: a carebridge sender waits for its POST's answer "
           "before the next message (late sends are counted and the offered rate drops to what is "
           "served), an XMPP sender has no answer to wait for, so an overloaded ejabberd builds a "
           "backlog (sent > delivered, latency in seconds). Compare latency only where both deliver "
           "the offered rate.", ""]
    for rate in a.rates.split():
        cols = [("carebridge in-memory", load(a.work, f"peer-talk-carebridge-{rate}")),
                ("carebridge durable", load(a.work, f"peer-talk-durable-{rate}")),
                ("ejabberd", load(a.work, f"peer-talk-ejabberd-{rate}")),
                ("ejabberd, no busy-wait", load(a.work, f"peer-talk-ejabberdnbw-{rate}"))]
        md += [f"R = {rate} messages/s:", ""]
        md += table("carebridge in-memory / ejabberd", cols, talk_rows, ratio_of=(0, 2))
        cb = median(cols[0][1], "delivered")
        md += [f"| delivered messages/s ÷ nginx discover requests/s | {ratio(cb, n_rps, 3)} | "
               f"{ratio(median(cols[1][1], 'delivered'), n_rps, 3)} | {ratio(median(cols[2][1], 'delivered'), n_rps, 3)} | "
               f"{ratio(median(cols[3][1], 'delivered'), n_rps, 3)} | — |", ""]

    errs = {}
    for prefix in ["peer-discover-nginx", "peer-discover-platform", "peer-discover-visitor", "peer-hold-carebridge",
                   "peer-hold-ejabberd"] + [f"peer-talk-{k}-{r}" for r in a.rates.split()
                                             for k in ("carebridge", "durable", "ejabberd", "ejabberdnbw")]:
        for k, v in errors(load(a.work, prefix)).items():
            errs[f"{prefix}: {k}"] = errs.get(f"{prefix}: {k}", 0) + v
    md += ["Errors seen by the generator in these runs:", ""]
    md += [f"- {k}: {v}" for k, v in sorted(errs.items())] or ["- none"]
    md += ["", PEERS_END]
    target_row = (f"{DISCOVER_TARGET} {fmt(p_rps)} vs nginx {fmt(n_rps)} requests/s: {ratio(p_rps, n_rps)} "
                  f"(visitor's: {ratio(v_rps, n_rps)}), `--peers` run {a.started} | "
                  f"{'yes' if p_rps and n_rps and p_rps >= 0.5 * n_rps else '**no**'} |")
    return "\n".join(md), target_row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", action="store_true")
    for name in ("work", "out", "started", "load-before", "load-after", "commit", "discover", "hold", "talk",
                 "rates", "versions"):
        ap.add_argument("--" + name, required=True)
    a = ap.parse_args()
    text, target_row = section(a)
    with open(a.out) as f:
        old = f.read()
    if PEERS_BEGIN in old and PEERS_END in old:
        head, rest = old.split(PEERS_BEGIN, 1)
        new = head + text + rest.split(PEERS_END, 1)[1]
    else:  # first time: where the TODO of the baselines was, else before the Soak section
        m = re.search(r"^## TODO: baselines of issue 6.*?(?=^## )", old, re.S | re.M)
        if m:
            new = old[:m.start()] + text + "\n\n" + old[m.end():]
        elif "\n## Soak" in old:
            new = old.replace("\n## Soak", "\n" + text + "\n\n## Soak", 1)
        else:
            new = old.rstrip("\n") + "\n\n" + text + "\n"
    new = "\n".join(target_row if line.startswith(DISCOVER_TARGET) else line for line in new.split("\n"))
    with open(a.out, "w") as f:
        f.write(new)


if __name__ == "__main__":
    main()
