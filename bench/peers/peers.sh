# Baseline peers for bench/run.sh --peers (sourced): nginx and ejabberd from Debian, each
# started in its own directory under $work on loopback and stopped by pid; never the system
# service. Needs $work, $bench, free_port (run.sh) and root for apt-get / setpriv.
peers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nginx_pid="" beam_pid=""

peers_install() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  [[ -x /usr/sbin/ejabberdctl ]] || missing+=(ejabberd)
  if ((${#missing[@]})); then
    echo "installing ${missing[*]} (Debian packages, for the baselines only)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
  # Debian's packages may start their services on install (not under this container's init):
  # the baselines run their own instances only.
}

# start_nginx: sets $nginx_pid and $nginx_url (the JSON).
start_nginx() {
  local dir="$work/nginx" port
  port="$(free_port)"
  mkdir -p "$dir/logs" "$dir/tmp"
  sed "s/@PORT@/$port/" "$peers_dir/nginx/nginx.conf" > "$dir/nginx.conf"
  /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" 2> "$dir/logs/stderr" &
  nginx_pid=$!
  nginx_url="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && return 0
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "nginx did not start:" >&2; cat "$dir/logs/stderr" "$dir/logs/error.log" >&2 2>/dev/null
  return 1
}

stop_nginx() {
  [[ -n "$nginx_pid" ]] || return 0
  kill -QUIT "$nginx_pid" 2>/dev/null || true   # graceful: workers finish, master exits
  for _ in $(seq 1 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=""
}

# start_ejabberd NAME [ERL_EXTRA]: a fresh node in $work/NAME; sets $beam_pid and $bosh_url.
# As the ejabberd user (as root, ejabberdctl re-runs itself through su, whose PAM session
# resets the open-files limit to 1024), with the hard open-files limit.
start_ejabberd() {
  local name="$1" extra="${2:-}" dir="$work/$1" port dist
  port="$(free_port)" dist="$(free_port)"
  mkdir -p "$dir/spool" "$dir/logs"
  sed "s/@BOSH_PORT@/$port/" "$peers_dir/ejabberd/ejabberd.yml" > "$dir/ejabberd.yml"
  sed -e "s/@DIST_PORT@/$dist/" -e "s|@CONFIG_DIR@|$dir|" -e "s|@ERL_EXTRA@|$extra|" \
    "$peers_dir/ejabberd/ejabberdctl.cfg" > "$dir/ejabberdctl.cfg"
  cp "$peers_dir/ejabberd/inetrc" "$dir/inetrc"
  chmod o+x "$work"
  chown -R ejabberd: "$dir"
  ( ulimit -n "$(ulimit -Hn)"
    cd "$dir/spool"
    exec env -i PATH=/usr/sbin:/usr/bin:/bin HOME="$dir/spool" \
      setpriv --reuid=ejabberd --regid=ejabberd --init-groups \
      /usr/sbin/ejabberdctl --config-dir "$dir" --spool "$dir/spool" --logs "$dir/logs" foreground
  ) > "$dir/logs/stdout" 2>&1 &
  local launcher=$!
  bosh_url="http://127.0.0.1:$port"
  beam_pid=""
  for _ in $(seq 1 300); do
    [[ -z "$beam_pid" ]] && beam_pid="$(pgrep -u ejabberd -f "beam.smp.*-sname carebridge-bench@localhost.*$dir" 2>/dev/null | head -1)" || true
    if [[ -n "$beam_pid" ]] && python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
      echo "ejabberd $name: beam.smp pid $beam_pid, BOSH $bosh_url/bosh, $(grep 'open files' "/proc/$beam_pid/limits" | tr -s ' ')" >&2
      # Warm-up: its first BOSH session and first room take seconds (lazy start-up); one tiny
      # chat end to end, so the measured runs start on a ready server.
      if ! timeout 60 "$bench" xmpp-talk --url "$bosh_url" --chats 1 --rate 4 --duration 1 --warmup 0 \
          --drain 2 --step-timeout 30 > "$dir/logs/warmup" 2>&1; then
        echo "ejabberd warm-up failed:" >&2; cat "$dir/logs/warmup" >&2
        stop_ejabberd; return 1
      fi
      return 0
    fi
    kill -0 "$launcher" 2>/dev/null || break
    sleep 0.2
  done
  echo "ejabberd did not start:" >&2; tail -30 "$dir/logs/stdout" "$dir/logs/ejabberd.log" >&2 2>/dev/null
  [[ -n "$beam_pid" ]] && kill -KILL "$beam_pid" 2>/dev/null
  beam_pid=""
  return 1
}

# stop_ejabberd: an orderly init:stop (SIGTERM to beam.smp), then SIGKILL after 15 s.
stop_ejabberd() {
  [[ -n "$beam_pid" ]] || return 0
  kill -TERM "$beam_pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$beam_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$beam_pid" 2>/dev/null || true
  beam_pid=""
}

stop_peers() { stop_nginx; stop_ejabberd; }
