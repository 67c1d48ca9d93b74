#!/usr/bin/env bash
# Benchmarks the carebridge platform with carebridge-bench on loopback (issue 6).
#
#   bench/run.sh            release build, then talk at the target rate and at a light rate
#                           (each in-memory and durable), setup, hold; 3 runs each (hold: 1),
#                           each on a fresh platform; writes bench/RESULTS.md (~15 minutes)
#   bench/run.sh --smoke    a few chats for a few seconds against a platform with a temporary
#                           data_dir; exits non-zero on any lost/duplicated/reordered message
#                           (CTest: bench.smoke). No timing assertions.
#   bench/run.sh --callgrind  instructions of the platform's engine and HTTP I/O threads (callgrind, a durable
#                           platform) for fixed workloads, set-up and talk (10 s and 30 s: their
#                           difference gives instructions per message): the same count run after
#                           run, unlike timings on a shared machine; compare two commits with it
#                           (~8 minutes; needs valgrind)
#   bench/run.sh --ab OLD   interleaved A/B of talk at TALK_RATE: the platform binary OLD (e.g.
#                           a copy of an earlier commit's build/release/carebridge) against this
#                           build (or --platform), AB_PAIRS (3) pairs each of durable and of
#                           in-memory (AB_STORES), with default callbacks and batched ones
#                           (BATCH_MS), AB_SECONDS (10) long; prints one line per run: the
#                           comparison on a noisy shared machine (~10 minutes for the default)
#   bench/run.sh --peers    the baselines instead (~20 minutes; installs Debian's nginx and
#                           ejabberd when missing, needs root): GET discover against nginx's fixed
#                           JSON vs carebridge; hold and talk against ejabberd over BOSH vs
#                           carebridge, same shapes; rewrites the Baselines section of RESULTS.md
#                           (bench/peers/, bench/results.py --peers).
# Options: --platform BIN --bench BIN (skip the build), --runs N, --out FILE (RESULTS.md),
#          --keep (keep the work directory). Sizes: environment variables below.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

smoke=0 peers=0 callgrind=0 ab="" runs=3 platform="" bench="" keep=0 out="$root/bench/RESULTS.md"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1; shift ;;
    --peers) peers=1; shift ;;
    --callgrind) callgrind=1; shift ;;
    --ab) ab="$2"; shift 2 ;;
    --platform) platform="$2"; shift 2 ;;
    --bench) bench="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--smoke|--peers|--callgrind|--ab OLD_BIN] [--platform BIN --bench BIN] [--runs N] [--out FILE] [--keep]" >&2; exit 2 ;;
  esac
done

# Sizes of the full run (override from the environment).
TALK_CHATS=${TALK_CHATS:-200} TALK_RATE=${TALK_RATE:-5000} TALK_SECONDS=${TALK_SECONDS:-15}
LIGHT_RATE=${LIGHT_RATE:-500}
# The durable throughput target (10,000/s delivered) is measured offered at this rate, above
# the target: offered exactly 10,000/s a run can only land on either side of it by a few
# messages, and what the platform can do beyond it is not seen (0 skips those runs).
PEAK_RATE=${PEAK_RATE:-11000}
# talk is also run with the callbacks of all conversations sharing POSTs ([ops]
# callback_batch_window_ms, off by default): the application's callbacks are a third of the
# HTTP exchanges per message otherwise. 0 skips those runs.
BATCH_MS=${BATCH_MS:-2}
SETUP_CHATS=${SETUP_CHATS:-2000} SETUP_CONCURRENCY=${SETUP_CONCURRENCY:-64}
# Set-up is also run with twice as many chats in flight: at 64 a chat's ~20 steps, each waiting
# for its commit, leave the cores partly idle, so the platform's capacity shows only wider.
SETUP_WIDE_CONCURRENCY=${SETUP_WIDE_CONCURRENCY:-128}
HOLD_CHATS=${HOLD_CHATS:-10000} HOLD_AGENTS=${HOLD_AGENTS:-1000} HOLD_SECONDS=${HOLD_SECONDS:-10}
HOLD_RUNS=${HOLD_RUNS:-1}
# Sizes of the baselines (--peers). Hold: 2 BOSH sessions per chat, each a parked request, so
# 5,000 chats is ~10,000 descriptors on each side (the hard limit here is 20,000).
DISCOVER_CONNECTIONS=${DISCOVER_CONNECTIONS:-64} DISCOVER_THREADS=${DISCOVER_THREADS:-2}
DISCOVER_SECONDS=${DISCOVER_SECONDS:-10} DISCOVER_RUNS=${DISCOVER_RUNS:-3}
PEER_HOLD_CHATS=${PEER_HOLD_CHATS:-5000} PEER_TALK_CHATS=${PEER_TALK_CHATS:-200}
PEER_TALK_RATES=${PEER_TALK_RATES:-"500 2000 5000"} PEER_TALK_SECONDS=${PEER_TALK_SECONDS:-15}

if [[ -z "$platform" || -z "$bench" ]]; then
  "$root/scripts/build.sh" release
  cmake -S "$root" -B "$root/build/release" -DCAREBRIDGE_BENCH=ON >/dev/null
  cmake --build "$root/build/release" --parallel "$(nproc)"
  platform="$root/build/release/carebridge" bench="$root/build/release/bench/carebridge-bench"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/carebridge-bench.XXXXXX")"
pid=""
nginx_pid="" beam_pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  if [[ -n "$nginx_pid" ]]; then kill -KILL "$nginx_pid" 2>/dev/null || true; fi
  if [[ -n "$beam_pid" ]]; then kill -KILL "$beam_pid" 2>/dev/null || true; fi
  if [[ $keep == 1 ]]; then echo "work directory: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
# Every parked long-poll is a socket on both sides: raise the descriptor limit to the maximum.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Tenths of a second to wait for the platform to listen, and to exit (longer under valgrind).
START_TENTHS=200

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# write_config FILE CALLBACK_PORT AGENTS [DATA_DIR]
write_config() {
  local file="$1" cb="$2" agents="$3" data="${4:-}"
  {
    echo 'listen = "127.0.0.1:0"'
    [[ -n "$data" ]] && echo "data_dir = \"$data\""
    echo '[tokens]'
    echo 'access_token_ttl = 3600'
    echo 'anon_token_ttl = 3600'
    echo 'user_token_ttl = 3600'
    echo '[events]'
    echo 'long_poll_timeout = 30'
    echo 'long_poll_max = 180'
    [[ -n "$data" ]] && printf '[store]\nsynchronous = "full"\n'
    # One load generator on one IP: the defences' rate limits and caps (docs/SECURITY.md) are off.
    echo '[limits]'
    printf 'anon_tokens_per_minute = 0\nanon_apps_per_minute = 0\nmessages_per_10s = 0\n'
    printf 'app_requests_per_second = 0\nsign_ins_per_minute = 0\n'
    printf 'chats_per_application = 1000000\nmax_connections = 100000\n'
    # Access lines off, as nginx's access_log is off in the baseline: one JSON line per request
    # at the default info level costs about a third of a discover's CPU (see RESULTS.md).
    printf '[ops]\nlog_level = "%s"\ncallback_batch_window_ms = %s\n' "${PLATFORM_LOG_LEVEL:-warn}" "${CALLBACK_BATCH_MS:-0}"
    echo '[security]'
    echo 'allow_http_loopback_origins = true'
    echo 'allow_http_callbacks = true'
    echo '[[applications]]'
    echo 'id = "1627259584"'
    echo 'name = "Bench desk"'
    echo 'client_id = "bench"'
    echo 'client_secret = "bench-secret"'
    echo 'endpoints = ["sip:desk@bench.test"]'
    echo "callback_url = \"http://127.0.0.1:$cb/callback\""
    for ((i = 1; i <= agents; i++)); do
      printf '[[agents]]\nuri = "sip:bench%d@bench.test"\ndisplay_name = "Bench %d"\nusername = "bench%d"\npassword = "bench-pass"\n' "$i" "$i" "$i"
    done
  } > "$file"
}

# start_platform CONFIG: sets $pid and $url.
start_platform() {
  local log="$work/platform.$$.$RANDOM"
  "$platform" platform --config "$1" > "$log.out" 2> "$log.err" &
  pid=$!
  url=""
  for _ in $(seq 1 "$START_TENTHS"); do
    url="$(grep -o 'listening on http://[0-9.:]*' "$log.out" 2>/dev/null | head -1 | cut -d' ' -f3)" || true
    [[ -n "$url" ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "platform did not start:" >&2
  cat "$log.err" >&2
  return 1
}

# stop_platform: SIGTERM, the exit status must be 0.
stop_platform() {
  local code=0
  kill -TERM "$pid"
  for _ in $(seq 1 "$START_TENTHS"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "platform did not stop" >&2; code=1; fi
  wait "$pid" || code=$?
  pid=""
  return "$code"
}

# bench_run NAME STORE(memory|durable) AGENTS LIMIT_SECONDS -- carebridge-bench arguments
bench_run() {
  local name="$1" store="$2" agents="$3" limit="$4" data="" code=0
  shift 5
  local cb attempt
  # The callback port is picked before the platform starts (its config names it); another
  # program may take it meanwhile (CTest runs tests in parallel): then try another one.
  for attempt in 1 2 3; do
    code=0
    cb="$(free_port)"
    [[ "$store" == durable ]] && data="$work/data-$name" && rm -rf "$data" && mkdir -p "$data"
    write_config "$work/$name.toml" "$cb" "$agents" "$data"
    start_platform "$work/$name.toml"
    echo "== $name: carebridge-bench $* (platform $store, pid $pid)" >&2
    timeout "$limit" "$bench" "$@" --url "$url" --pid "$pid" --callback-listen "127.0.0.1:$cb" \
      --json "$work/$name.json" > "$work/$name.txt" 2> "$work/$name.err" || code=$?
    cat "$work/$name.txt" "$work/$name.err" >&2
    stop_platform || code=1
    if [[ "$store" == durable ]]; then
      # What the store file came to (after the platform's closing checkpoint): RESULTS tracks it.
      [[ -f "$work/$name.json" ]] && python3 - "$work/$name.json" "$data" <<'PY'
import json, os, sys
path, data = sys.argv[1], sys.argv[2]
size = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("carebridge.db"))
doc = json.load(open(path))
doc.setdefault("metrics", {})["store file"] = size / 1048576
doc.setdefault("units", {})["store file"] = "MiB"
json.dump(doc, open(path, "w"))
PY
      rm -rf "$data"
    fi
    grep -q "bind: Address already in use" "$work/$name.err" || break
    echo "== $name: callback port $cb was taken, again with another" >&2
  done
  return "$code"
}

if [[ $smoke == 1 ]]; then
  bench_run smoke durable 2 120 -- talk --chats 4 --agents 2 --rate 40 --duration 3 --warmup 1 \
    --drain 10 --poll-timeout 5 --concurrency 4 --step-timeout 30
  echo "bench smoke: ok" >&2
  exit 0
fi

if [[ $callgrind == 1 ]]; then
  command -v valgrind >/dev/null || { echo "bench --callgrind: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
  # The platform runs under callgrind, counting only inside the engine thread's io_context::run
  # (start-up, key generation and the store's threads are left out).
  real_platform="$platform" platform="$work/platform-under-callgrind" START_TENTHS=3000
  printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file="$CALLGRIND_OUT" --dump-instr=no %s "%s" "$@"\n' \
    "'--toggle-collect=boost::asio::detail::scheduler::run(*'" "$real_platform" > "$platform"
  chmod +x "$platform"
  status=0
  # talk-long is talk for 30 s instead of 10: the difference between the two, divided by the
  # messages between them, is the cost of one message (sign-in and set-up cancel out).
  for w in setup talk talk-long; do
    export CALLGRIND_OUT="$work/callgrind.$w.out"
    case $w in
      setup) bench_run callgrind-setup durable 50 900 -- setup --chats 200 --agents 50 --concurrency 8 || status=1 ;;
      talk) bench_run callgrind-talk durable 20 900 -- talk --chats 20 --rate 40 --duration 10 --warmup 2 || status=1 ;;
      talk-long) bench_run callgrind-talk-long durable 20 900 -- talk --chats 20 --rate 40 --duration 30 --warmup 2 || status=1 ;;
    esac
    total="$(callgrind_annotate "$CALLGRIND_OUT" 2>/dev/null | awk '/PROGRAM TOTALS/ {print $1}')"
    echo "callgrind $w: ${total:-?} instructions in the engine thread ($(git -C "$root" describe --always --dirty 2>/dev/null))"
    printf '%s\n' "${total//,/}" > "$work/callgrind.$w.total"
  done
  python3 - "$work" <<'PY' || status=1
import json, sys
w = sys.argv[1]
total = lambda n: int(open(f"{w}/callgrind.{n}.total").read())
sent = lambda n: (lambda m: m["sent"] * 30 if n == "talk-long" else m["sent"] * 10)(json.load(open(f"{w}/callgrind-{n}.json"))["metrics"])
print(f"callgrind per message: {(total('talk-long') - total('talk')) / (sent('talk-long') - sent('talk')):,.0f} instructions in the engine and HTTP I/O threads")
PY
  exit "$status"
fi

if [[ -n "$ab" ]]; then
  [[ -x "$ab" ]] || { echo "bench --ab: $ab is not an executable platform binary" >&2; exit 2; }
  new="$platform" status=0
  summary() {  # one line from a run's JSON
    python3 - "$1" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
g = lambda k: m.get(k, 0)
print(f"{sys.argv[2]:<34} {g('delivered'):>7.0f}/s  p50 {g('latency p50'):7.1f} ms  p99 {g('latency p99'):7.1f} ms  "
      f"{g('platform cpu per message'):5.0f} us/msg  writer {g('platform store writer thread cpu'):3.0f}%  "
      f"checkpointer {g('platform store checkpointer thread cpu'):3.0f}%  generator {g('generator cpu'):3.0f}%  "
      f"lost {g('lost'):.0f}")
PY
  }
  echo "A = $ab"; echo "B = $new"
  for store in ${AB_STORES:-durable memory}; do
    windows=(0); [[ "$BATCH_MS" != 0 ]] && windows+=("$BATCH_MS")
    for w in "${windows[@]}"; do
      for ((pair = 1; pair <= ${AB_PAIRS:-3}; pair++)); do
        for side in A B; do
          platform="$ab"; [[ $side == B ]] && platform="$new"
          name="ab-$store-w$w-$pair-$side"
          CALLBACK_BATCH_MS=$w bench_run "$name" "$store" "$TALK_CHATS" 300 -- talk --chats "$TALK_CHATS" \
            --rate "$TALK_RATE" --duration "${AB_SECONDS:-10}" --warmup 3 2>/dev/null || status=1
          [[ -f "$work/$name.json" ]] && summary "$work/$name.json" "$side $store batch=${w}ms #$pair"
        done
      done
    done
  done
  exit "$status"
fi

# peer_bench NAME SERVER_PID LIMIT_SECONDS -- carebridge-bench arguments (a baseline peer)
peer_bench() {
  local name="$1" server="$2" limit="$3" code=0
  shift 4
  echo "== $name: carebridge-bench $* (pid $server)" >&2
  timeout "$limit" "$bench" "$@" --pid "$server" --json "$work/$name.json" > "$work/$name.txt" || code=$?
  cat "$work/$name.txt" >&2
  return "$code"
}

if [[ $peers == 1 ]]; then
  source "$root/bench/peers/peers.sh"
  peers_install
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  status=0
  disc=(discover --connections "$DISCOVER_CONNECTIONS" --threads "$DISCOVER_THREADS" --duration "$DISCOVER_SECONDS" --warmup 2)
  # discover: nginx, the platform's discover, the visitor's discover; alternating, fresh servers.
  for ((r = 1; r <= DISCOVER_RUNS; r++)); do
    start_nginx
    peer_bench "peer-discover-nginx-$r" "$nginx_pid" 120 -- "${disc[@]}" --url "$nginx_url" --path /discover || status=1
    stop_nginx
    bench_run "peer-discover-platform-$r" memory 1 120 -- "${disc[@]}" || status=1
    bench_run "peer-discover-visitor-$r" memory 1 120 -- "${disc[@]}" --visitor 1 || status=1
  done
  # hold: one agent per chat on both sides (a chat = visitor + agent), in memory on both.
  hold_peer=(--chats "$PEER_HOLD_CHATS" --concurrency 64 --duration "$HOLD_SECONDS" --poll-timeout 30)
  bench_run "peer-hold-carebridge-1" memory "$PEER_HOLD_CHATS" 900 -- hold "${hold_peer[@]}" --agents "$PEER_HOLD_CHATS" || status=1
  start_ejabberd ejabberd-hold
  peer_bench "peer-hold-ejabberd-1" "$beam_pid" 900 -- xmpp-hold "${hold_peer[@]}" --url "$bosh_url" || status=1
  stop_ejabberd
  # talk at each rate: carebridge in memory and durable; ejabberd as shipped and with the
  # Erlang schedulers' busy-wait off (which inflates its CPU figures at low load).
  for rate in $PEER_TALK_RATES; do
    # (a long drain: an overloaded server's backlog is late, not lost, until the drain ends)
    talk_peer=(--chats "$PEER_TALK_CHATS" --rate "$rate" --duration "$PEER_TALK_SECONDS" --warmup 3 --drain 30)
    bench_run "peer-talk-carebridge-$rate-1" memory "$PEER_TALK_CHATS" 300 -- talk "${talk_peer[@]}" || status=1
    bench_run "peer-talk-durable-$rate-1" durable "$PEER_TALK_CHATS" 300 -- talk "${talk_peer[@]}" || status=1
    start_ejabberd "ejabberd-talk-$rate"
    peer_bench "peer-talk-ejabberd-$rate-1" "$beam_pid" 300 -- xmpp-talk "${talk_peer[@]}" --url "$bosh_url" || status=1
    stop_ejabberd
    start_ejabberd "ejabberd-talk-nbw-$rate" "+sbwt none +sbwtdcpu none +sbwtdio none"
    peer_bench "peer-talk-ejabberdnbw-$rate-1" "$beam_pid" 300 -- xmpp-talk "${talk_peer[@]}" --url "$bosh_url" || status=1
    stop_ejabberd
  done
  load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
  python3 "$root/bench/results.py" --peers --work "$work" --out "$out" --started "$started" \
    --load-before "$load_before" --load-after "$load_after" \
    --commit "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
    --discover "${disc[*]}" --hold "${hold_peer[*]}" --talk "--chats $PEER_TALK_CHATS --rate R --duration $PEER_TALK_SECONDS --warmup 3 --drain 30" \
    --rates "$PEER_TALK_RATES" \
    --versions "$(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2); ejabberd $(dpkg-query -W -f='${Version}' ejabberd 2>/dev/null)"
  echo "wrote $out" >&2
  exit "$status"
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
status=0
talk_args=(talk --chats "$TALK_CHATS" --rate "$TALK_RATE" --duration "$TALK_SECONDS" --warmup 3)
light_args=(talk --chats "$TALK_CHATS" --rate "$LIGHT_RATE" --duration "$TALK_SECONDS" --warmup 3)
peak_args=(talk --chats "$TALK_CHATS" --rate "$PEAK_RATE" --duration "$TALK_SECONDS" --warmup 3)
peak_described=""
((PEAK_RATE > 0)) && peak_described="${peak_args[*]}"
setup_args=(setup --chats "$SETUP_CHATS" --agents 100 --concurrency "$SETUP_CONCURRENCY")
setup_wide_args=(setup --chats "$SETUP_CHATS" --agents 100 --concurrency "$SETUP_WIDE_CONCURRENCY")
hold_args=(hold --chats "$HOLD_CHATS" --agents "$HOLD_AGENTS" --concurrency 64 --duration "$HOLD_SECONDS")
for ((r = 1; r <= runs; r++)); do
  bench_run "talk-memory-$r" memory "$TALK_CHATS" 300 -- "${talk_args[@]}" || status=1
  bench_run "talk-durable-$r" durable "$TALK_CHATS" 300 -- "${talk_args[@]}" || status=1
  bench_run "light-memory-$r" memory "$TALK_CHATS" 300 -- "${light_args[@]}" || status=1
  bench_run "light-durable-$r" durable "$TALK_CHATS" 300 -- "${light_args[@]}" || status=1
  if ((BATCH_MS > 0)); then
    CALLBACK_BATCH_MS=$BATCH_MS bench_run "batched-memory-$r" memory "$TALK_CHATS" 300 -- "${talk_args[@]}" || status=1
    CALLBACK_BATCH_MS=$BATCH_MS bench_run "batched-durable-$r" durable "$TALK_CHATS" 300 -- "${talk_args[@]}" || status=1
  fi
  if ((PEAK_RATE > 0)); then
    bench_run "peak-durable-$r" durable "$TALK_CHATS" 300 -- "${peak_args[@]}" || status=1
    if ((BATCH_MS > 0)); then
      CALLBACK_BATCH_MS=$BATCH_MS bench_run "peak-batched-durable-$r" durable "$TALK_CHATS" 300 -- "${peak_args[@]}" || status=1
    fi
  fi
  bench_run "setup-durable-$r" durable 100 300 -- "${setup_args[@]}" || status=1
  bench_run "setup-wide-durable-$r" durable 100 300 -- "${setup_wide_args[@]}" || status=1
done
for ((r = 1; r <= HOLD_RUNS; r++)); do
  bench_run "hold-durable-$r" durable "$HOLD_AGENTS" 900 -- "${hold_args[@]}" || status=1
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 "$root/bench/results.py" --work "$work" --out "$out" --started "$started" \
  --load-before "$load_before" --load-after "$load_after" --commit "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
  --talk "${talk_args[*]}" --light "${light_args[*]}" --batch-ms "$BATCH_MS" --peak "$peak_described" --setup "${setup_args[*]}" --setup-wide "${setup_wide_args[*]}" --hold "${hold_args[*]}"
echo "wrote $out" >&2
exit "$status"
