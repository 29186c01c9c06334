# Shared by bench/data-plane.sh and bench/soak.sh (sourced, not run).
#
# What runs where: the proxy under test — the gateway JVM (started with NEXUS_EVENT_LOOPS=1) or nginx
# (worker_processes 1) — is pinned to CPU $PROXY_CPU from its start; the mock provider, the rest of the local
# stack (control plane, PostgreSQL, Redis) and every load generator to CPU $LOAD_CPU.
#
# Settings (environment):
#   NETNS=<name>       run everything inside the network namespace <name> (created, with its loopback up, if
#                      missing, and deleted at the end if this script created it), so that a second local stack
#                      can use the default ports beside one that already runs on this machine
#   PROXY_CPU (1), LOAD_CPU (0), NGINX_PORT (8089), REAL_MODEL (gpt-4o-mini: the mock's model behind the demo
#   alias), GATEWAY_MAX_IN_FLIGHT (2048: the bench gateway's in-flight bound, above the 1,000 held streams; its
#   default at the local stack's -Xmx128m is about 990) and GATEWAY_UPSTREAM_POOL (upstream connections per host
#   and event loop; default: the gateway's own, which follows the in-flight bound),
#   KEEP=1 (leave the local stack running if this script started it), NO_NGINX=1 (set by the scripts that measure
#   the gateway alone: ensure_tools does not install nginx)
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROXY_CPU=${PROXY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
NGINX_PORT=${NGINX_PORT:-8089}
REAL_MODEL=${REAL_MODEL:-gpt-4o-mini}
GATEWAY_MAX_IN_FLIGHT=${GATEWAY_MAX_IN_FLIGHT:-2048}
GATEWAY_UPSTREAM_POOL=${GATEWAY_UPSTREAM_POOL:-0}
MOCK_PORT=${NEXUS_MOCK_PORT:-8090}
MOCK_URL="http://127.0.0.1:$MOCK_PORT"
BENCH_STATE="$ROOT/target/bench"
STACK="$ROOT/target/local"
PIDS="$STACK/pids"
CLK_TCK=$(getconf CLK_TCK)

say() { printf '%s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------- namespace

# Closes every file descriptor above 2 this shell inherited, so that the processes it starts in the background
# (the local stack, a restarted gateway) do not keep them open after it ends: run as
# `flock /tmp/nexus-tests.lock bench/...`, a gateway left running (KEEP=1, restore_gateway) would otherwise hold the
# lock of the test runs forever. flock itself keeps the lock until the script ends.
release_inherited_fds() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
  done
  return 0
}

# Re-runs the calling script inside network namespace $NETNS when it is set and we are not in it yet; returns
# only when the script should go on in this process. Usage (first line of a script, after ensure_tools, which needs
# the host's network to install what is missing): bench_netns "$@"
bench_netns() {
  release_inherited_fds
  [ -n "${NETNS:-}" ] || return 0
  if [ -e "/run/netns/$NETNS" ] && [ "$(stat -L -c %i "/run/netns/$NETNS")" = "$(stat -L -c %i /proc/self/ns/net)" ]; then
    # inside: the embedded PostgreSQL's Unix socket lock (/tmp/.s.PGSQL.<port>.lock) and Redis' files are shared
    # with the stacks of other namespaces, so use ports of our own unless told otherwise
    export NEXUS_EMBEDDED_DB_PORT=${NEXUS_EMBEDDED_DB_PORT:-54339}
    export NEXUS_EMBEDDED_REDIS_PORT=${NEXUS_EMBEDDED_REDIS_PORT:-63809}
    return 0
  fi
  local created=0 rc=0
  if [ ! -e "/run/netns/$NETNS" ]; then
    ip netns add "$NETNS" || die "cannot create network namespace $NETNS (needs root)"
    created=1
  fi
  ip netns exec "$NETNS" ip link set lo up
  ip netns exec "$NETNS" "$BENCH_SCRIPT" "$@" || rc=$?
  if [ $created = 1 ] && [ "${KEEP:-0}" != 1 ]; then
    if [ -n "$(ip netns pids "$NETNS")" ]; then
      say "processes still run in network namespace $NETNS: not deleting it"
    else
      ip netns del "$NETNS"
    fi
  fi
  exit $rc
}

# ---------------------------------------------------------------------------------------------- tools

ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  # scripts that measure the gateway alone set NO_NGINX=1 before calling this
  [ "${NO_NGINX:-0}" = 1 ] || command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v taskset >/dev/null || missing+=(util-linux)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (Debian packages)"
    apt-get install -y -qq "${missing[@]}" >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null; } \
      || die "could not install ${missing[*]}"
  fi
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  local j
  for j in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/*21*; do
    [ -n "$j" ] && [ -x "$j/bin/java" ] && [ -x "$j/bin/jcmd" ] && { JAVA_HOME=$j; break; }
  done
  [ -x "${JAVA_HOME:-}/bin/jcmd" ] || die "a JDK 21 or newer is needed (JAVA_HOME)"
  export JAVA_HOME
  JAVA="$JAVA_HOME/bin/java"
  JCMD="$JAVA_HOME/bin/jcmd"
  local n; n=$(ulimit -n)
  if [ "$n" != unlimited ] && [ "$n" -lt 8192 ]; then ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi
}

# ---------------------------------------------------------------------------------------------- the local stack

# Sets CP to the test-support classpath (LocalInfra, the Java bench helpers' dependencies); dies when it is not built.
test_support_cp() {
  local jar
  jar=$(ls "$ROOT"/test-support/target/test-support-*.jar 2>/dev/null | head -1 || true)
  [ -n "$jar" ] && [ -d "$ROOT/test-support/target/lib" ] || die "build test-support first (./mvnw -B -DskipTests package)"
  CP="$jar:$ROOT/test-support/target/lib/*"
}

STARTED_STACK=0
stack_up() {
  if "$ROOT/deploy/local/nexus" status 2>/dev/null | grep '^gateway .*listening' >/dev/null; then
    say "using the running local stack ($STACK)"
  else
    say "starting the local stack (deploy/local/nexus up) ..."
    "$ROOT/deploy/local/nexus" up >/dev/null || die "deploy/local/nexus up failed"
    STARTED_STACK=1
  fi
  # shellcheck disable=SC1091
  . "$STACK/nexus.env"
  # shellcheck disable=SC1091
  . "$STACK/secrets.env"
  GATEWAY_URL="$NEXUS_GATEWAY_URL/v1/chat/completions"
  GATEWAY_METRICS="http://127.0.0.1:9321/q/metrics"
  NGINX_URL="http://127.0.0.1:$NGINX_PORT/v1/chat/completions"
}

stack_down() {
  if [ "$STARTED_STACK" = 1 ] && [ "${KEEP:-0}" != 1 ]; then
    "$ROOT/deploy/local/nexus" down >/dev/null 2>&1 || true
  fi
}

pid_of() { cat "$PIDS/$1.pid" 2>/dev/null; }

# A process of ours: alive and in this network namespace (never act on another engineer's stack).
ours() {
  [ -n "$1" ] && [ -e "/proc/$1" ] && [ "$(readlink "/proc/$1/ns/net")" = "$(readlink /proc/self/ns/net)" ]
}

# Pins a process, all its threads and its descendants to a CPU.
pin_tree() { # pid cpu
  local pid=$1 cpu=$2 c
  ours "$pid" || return 0
  taskset -a -p -c "$cpu" "$pid" >/dev/null 2>&1 || true
  for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do pin_tree "$c" "$cpu"; done
}

listener_pid() { # port -> pid listening on it (this namespace)
  ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}

# Everything of the stack but the gateway goes to $LOAD_CPU: mock provider, control plane, PostgreSQL, Redis.
pin_stack() {
  local s p port
  for s in mock admin auth routing metering infra; do pin_tree "$(pid_of $s)" "$LOAD_CPU"; done
  if [ -f "$STACK/infra.env" ]; then
    for port in $(sed -n "s/^NEXUS_DB_PORT='\{0,1\}\([0-9]*\).*/\1/p; s#^NEXUS_REDIS_URL=.*:\([0-9][0-9]*\).*#\1#p" "$STACK/infra.env"); do
      p=$(listener_pid "$port")
      # an embedded server of this stack (PostgreSQL names its data directory, Redis is a child of infra), not a
      # shared one that the stack merely uses
      [ -n "$p" ] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -q "$STACK" && pin_tree "$p" "$LOAD_CPU"
    done
  fi
  return 0
}

# ---------------------------------------------------------------------------------------------- the gateway

# Restarts the gateway of the local stack with the environment and command line it had (read from /proc),
# pinned to $PROXY_CPU from its start, with NEXUS_EVENT_LOOPS=1, NEXUS_GATEWAY_MAX_IN_FLIGHT and a GC log
# ($1, optional), and $GATEWAY_JVM_OPTS (extra JVM options, for experiments). Waits until it answers a chat completion. Sets GW (pid) and GW_READY_S (start -> ready).
# The first time, the original environment and command line are kept in target/bench/gateway.orig.* so that
# restore_gateway can put the stack's gateway back as it was.
restart_gateway() {
  local gclog=${1:-} old env=() cmd=() args=() a t0 t1
  old=$(pid_of gateway)
  mkdir -p "$BENCH_STATE"
  if ! ours "$old"; then # one this script restarted may have died (e.g. of an OutOfMemoryError): start it anew
    [ -f "$BENCH_STATE/gateway.orig.environ" ] || die "no gateway of ours is running (target/local/pids/gateway.pid)"
    old=
  fi
  if [ -n "$old" ] && { ! tr '\0' '\n' < "/proc/$old/environ" | grep '^NEXUS_BENCH_PINNED=1$' >/dev/null || [ ! -f "$BENCH_STATE/gateway.orig.environ" ]; }; then
    # what it runs with; a gateway a bench script left behind (KEEP=1) without its original is taken as it is,
    # less the marker and the GC log
    tr '\0' '\n' < "/proc/$old/environ" | grep -v '^NEXUS_BENCH_PINNED=' | tr '\n' '\0' > "$BENCH_STATE/gateway.orig.environ"
    tr '\0' '\n' < "/proc/$old/cmdline" | grep -v '^-Xlog:gc:file=' | tr '\n' '\0' > "$BENCH_STATE/gateway.orig.cmdline"
    readlink "/proc/$old/cwd" > "$BENCH_STATE/gateway.orig.cwd"
  fi
  mapfile -d '' -t env < "$BENCH_STATE/gateway.orig.environ"
  mapfile -d '' -t cmd < "$BENCH_STATE/gateway.orig.cmdline"
  args=("${cmd[0]}")
  [ -n "$gclog" ] && args+=("-Xlog:gc:file=$gclog:uptime,level,tags")
  # extra JVM options for experiments go after the stack's own (the JVM takes the last -Xmx it sees, so
  # GATEWAY_JVM_OPTS=-Xmx1g overrides the stack's -Xmx128m) and before -jar / the main class
  local extra=() placed= value=
  # shellcheck disable=SC2206 # split on blanks
  [ -n "${GATEWAY_JVM_OPTS:-}" ] && extra=(${GATEWAY_JVM_OPTS})
  for a in "${cmd[@]:1}"; do
    if [ -z "$placed" ] && [ -z "$value" ] && { [ "$a" = -jar ] || [ "${a#-}" = "$a" ]; }; then
      args+=("${extra[@]}"); placed=1
    fi
    value=
    case "$a" in -cp|-classpath|--class-path|--module-path|-p) value=1 ;; esac
    case "$a" in
      # an AOT training run (the stack's first start after a build, see deploy/local/nexus) records profiles as it
      # serves and writes its cache at exit: measured as it is, that would be a training JVM, not the gateway
      -XX:AOTCacheOutput=*|-XX:AOTConfiguration=*|-Xlog:aot=*)
        [ -z "${AOT_TRAINING_DROPPED:-}" ] && say "the gateway was an AOT training run: the bench gateway runs without it (and without a cache; 'deploy/local/nexus down && up' first to measure with the cache)"
        AOT_TRAINING_DROPPED=1 ;;
      *) args+=("$a") ;;
    esac
  done
  [ -z "$placed" ] && args+=("${extra[@]}")
  stop_pid "$old"
  t0=$(date +%s.%N)
  (cd "$(cat "$BENCH_STATE/gateway.orig.cwd")" && exec nohup taskset -c "$PROXY_CPU" env -i "${env[@]}" \
     NEXUS_EVENT_LOOPS=1 NEXUS_GATEWAY_MAX_IN_FLIGHT="$GATEWAY_MAX_IN_FLIGHT" \
     NEXUS_GATEWAY_UPSTREAM_MAX_CONNECTIONS_PER_HOST="$GATEWAY_UPSTREAM_POOL" NEXUS_BENCH_PINNED=1 \
     "${args[@]}" >>"$STACK/logs/gateway.log" 2>&1 </dev/null) &
  GW=$!
  echo "$GW" > "$PIDS/gateway.pid"
  local i
  for i in $(seq 1 600); do
    kill -0 "$GW" 2>/dev/null || die "the gateway exited at its start; see $STACK/logs/gateway.log"
    if curl -sf -o /dev/null "$GATEWAY_URL" -H "Authorization: Bearer $NEXUS_APP_KEY" -H 'Content-Type: application/json' \
         -d "{\"model\":\"$NEXUS_MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"ready?\"}],\"max_tokens\":4}"; then
      break
    fi
    sleep 0.05
  done
  t1=$(date +%s.%N)
  GW_READY_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  say "gateway restarted: pid $GW, pinned to CPU $PROXY_CPU, 1 event loop, answering after ${GW_READY_S} s"
}

# The gateway of the local stack, pinned and with one event loop; restarted only when it is not that already.
ensure_bench_gateway() {
  GW=$(pid_of gateway)
  ours "$GW" || die "no gateway of ours is running"
  if tr '\0' '\n' < "/proc/$GW/environ" | grep '^NEXUS_BENCH_PINNED=1$' >/dev/null \
     && [ "$(taskset -p -c "$GW" | sed 's/.*: //')" = "$PROXY_CPU" ]; then
    return 0
  fi
  restart_gateway "${1:-}"
}

# Puts back the gateway the local stack had before restart_gateway (when the stack was already running).
restore_gateway() {
  [ "$STARTED_STACK" = 1 ] && return 0
  [ -f "$BENCH_STATE/gateway.orig.environ" ] || return 0
  local old env=() cmd=()
  old=$(pid_of gateway)
  ours "$old" || return 0
  tr '\0' '\n' < "/proc/$old/environ" | grep '^NEXUS_BENCH_PINNED=1$' >/dev/null || return 0
  mapfile -d '' -t env < "$BENCH_STATE/gateway.orig.environ"
  mapfile -d '' -t cmd < "$BENCH_STATE/gateway.orig.cmdline"
  local cwd
  cwd=$(cat "$BENCH_STATE/gateway.orig.cwd")   # read before the files go (the subshell would race the rm below)
  stop_pid "$old"
  (cd "$cwd" && exec nohup env -i "${env[@]}" "${cmd[@]}" >>"$STACK/logs/gateway.log" 2>&1 </dev/null) &
  echo $! > "$PIDS/gateway.pid"
  rm -f "$BENCH_STATE"/gateway.orig.*
  say "gateway restored unpinned (pid $!)"
}

stop_pid() { # pid: TERM, then KILL after 15 s
  local pid=$1 i
  ours "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

# ---------------------------------------------------------------------------------------------- nginx

# nginx in front of the same mock provider: one worker pinned to $PROXY_CPU, a keep-alive upstream pool,
# HTTP/1.1 upstream, no buffering either way (streams pass through as they come), access log off.
# Sets NGINX_WORKER.
nginx_start() {
  local dir="$BENCH_STATE/nginx"
  mkdir -p "$dir/logs" "$dir/tmp"
  nginx_stop
  cat > "$dir/nginx.conf" <<CONF
# written by bench/lib.sh
worker_processes 1;
worker_rlimit_nofile 65536;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
  worker_connections 16384;
  multi_accept on;
}
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_max_body_size 64m;
  upstream mock {
    server 127.0.0.1:$MOCK_PORT;
    keepalive 256;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 600s;
    }
  }
}
CONF
  (exec taskset -c "$PROXY_CPU" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >>"$dir/logs/stderr.log" 2>&1 </dev/null) &
  NGINX_MASTER=$!
  local i
  for i in $(seq 1 100); do
    NGINX_WORKER=$(cat /proc/"$NGINX_MASTER"/task/"$NGINX_MASTER"/children 2>/dev/null | awk '{print $1}')
    [ -n "$NGINX_WORKER" ] && curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/health" && break
    kill -0 "$NGINX_MASTER" 2>/dev/null || die "nginx did not start: see $dir/logs"
    sleep 0.1
  done
  [ -n "$NGINX_WORKER" ] || die "nginx did not start: see $dir/logs"
  echo "$NGINX_MASTER" > "$dir/master.pid"
}

nginx_stop() {
  local f="$BENCH_STATE/nginx/master.pid"
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if ours "$pid" && grep -q nginx "/proc/$pid/cmdline" 2>/dev/null; then
    kill -QUIT "$pid" 2>/dev/null || true
    local i; for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# ---------------------------------------------------------------------------------------------- measuring

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }          # utime + stime, in clock ticks
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
cpu_us_per() { awk -v d="$1" -v c="$CLK_TCK" -v n="$2" 'BEGIN {if (n > 0) printf "%.1f", d * 1000000 / c / n; else print "nan"}'; }

# wrk output -> value
wrk_requests() { awk '/requests in/ {print $1}' <<<"$1"; }
wrk_rps() { awk '/^Requests\/sec/ {print $2}' <<<"$1"; }
wrk_non2xx() { local v; v=$(awk '/Non-2xx/ {print $5}' <<<"$1"); echo "${v:-0}"; }
wrk_errors() { # connect + read + write + timeout socket errors
  local v; v=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$1"); echo "${v:-0}"
}
wrk_pct_us() { # output percentile(50%|99%) -> microseconds
  awk -v p="$2" '$1 == p {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    f = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : (u == "m") ? 60000000 : 1; printf "%.0f", v * f}' <<<"$1"
}

target_url() { case $1 in nginx) echo "$NGINX_URL" ;; gateway) echo "$GATEWAY_URL" ;; esac; }
target_key() { case $1 in nginx) echo "$MOCK_API_KEY" ;; gateway) echo "$NEXUS_APP_KEY" ;; esac; }
target_model() { case $1 in nginx) echo "$REAL_MODEL" ;; gateway) echo "$NEXUS_MODEL" ;; esac; }
target_pid() { case $1 in nginx) echo "$NGINX_WORKER" ;; gateway) echo "$GW" ;; esac; }

# ---------------------------------------------------------------------------------------------- the mock

MOCK_RULES=()
# Paces every stream of $REAL_MODEL at the mock (both paths ask the mock for that model): one content chunk
# every $1 ms. A rule at the mock, because the gateway does not forward the mock's test headers.
mock_pace() {
  local id
  id=$(curl -sf -X POST "$MOCK_URL/_mock/faults" -H 'Content-Type: application/json' \
    -d "{\"model\":\"$REAL_MODEL\",\"token_delay_ms\":$1}" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
  [ -n "$id" ] || die "could not add a fault rule at the mock"
  MOCK_RULES+=("$id")
}
mock_unpace() {
  local id
  for id in "${MOCK_RULES[@]}"; do curl -sf -X DELETE "$MOCK_URL/_mock/faults/$id" >/dev/null || true; done
  MOCK_RULES=()
}

# ---------------------------------------------------------------------------------------------- gateway metrics

metric() { # name -> value summed over its series (0 when absent)
  curl -s "$GATEWAY_METRICS" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s += $2} END {printf "%.0f", s}'
}

# ---------------------------------------------------------------------------------------------- summary

# rounds.csv (scenario,variant,round,target,metric,value; target nginx, gateway or diff) -> a markdown table:
# per measure the median over the rounds for each target, the ratio gateway ÷ nginx of the medians, and the
# range of the per-round ratios (each round's gateway figure over the nginx figure measured next to it).
summarize() { # csv
  awk -F, '
    function fmt_int(x,   s, neg) {
      x = sprintf("%.0f", x); neg = (x < 0); if (neg) x = -x
      s = ""; while (length(x) > 3) { s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3) }
      return (neg ? "-" : "") x s
    }
    function fmt(v, unit) {
      if (v == "") return "–"
      if (unit == "rate") return (v >= 100) ? fmt_int(v) : sprintf("%.1f", v)
      if (unit == "us") return (v >= 100000 || v <= -100000) ? fmt_int(v / 1000) " ms" : (v >= 10000 || v <= -10000) ? sprintf("%.1f ms", v / 1000) : fmt_int(v) " µs"
      if (unit == "cpu") return sprintf("%.1f µs", v)
      if (unit == "mb") return sprintf("%.1f MB", v)
      if (unit == "kb") return sprintf("%.1f KiB", v)
      if (unit == "s") return sprintf("%.1f s", v)
      return fmt_int(v)
    }
    function streamy(s) { return s == "streams" || s == "paced" || s == "held" }
    function label(s, m) {
      if (m == "rps") return streamy(s) ? "streams/s" : "requests/s"
      if (m == "p50_us") return streamy(s) ? "stream duration p50" : "latency p50"
      if (m == "p99_us") return streamy(s) ? "stream duration p99" : "latency p99"
      if (m == "cpu_us") return streamy(s) ? "**CPU per stream** (proxy process, 1 core)" : "**CPU per request** (proxy process, 1 core)"
      if (m == "bad") return "non-2xx, socket errors, incomplete streams (sum over rounds)"
      if (m == "ttfb_p50_us") return "time to first byte p50"
      if (m == "ttfb_p99_us") return "time to first byte p99"
      if (m == "content_p50_us") return "time to first content chunk p50"
      if (m == "content_p99_us") return "time to first content chunk p99"
      if (m == "overhead_p50_us") return "**first byte: p50 of per-pair differences** (gateway − nginx)"
      if (m == "overhead_content_p50_us") return "**first content chunk: p50 of per-pair differences** (gateway − nginx)"
      if (m == "rss_idle_mb") return "RSS before (0 held)"
      if (m == "rss_held_mb") return "**RSS while held**"
      if (m == "rss_per_stream_kb") return "RSS growth per held stream"
      if (m == "live_idle_mb") return "heap live after a full GC, 0 held"
      if (m == "live_held_mb") return "heap live after a full GC, all held"
      if (m == "live_per_stream_kb") return "**heap per held stream** (live, held − 0 held)"
      if (m == "live_after_mb") return "heap live after a full GC once they ended"
      if (m == "ready_s") return "process start → first answer"
      if (m == "first_rps") return "requests/s in the first second"
      if (m == "steady_rps") return "steady requests/s (median of the last 10 s)"
      if (m == "t80_s") return "**time to 80 % of steady**"
      if (m == "t80_stays_s") return "time from which it stays ≥ 80 %"
      return m
    }
    function unit(m) {
      if (m == "rps" || m == "first_rps" || m == "steady_rps") return "rate"
      if (m ~ /_us$/ && m != "cpu_us") return "us"
      if (m == "cpu_us") return "cpu"
      if (m ~ /_mb$/) return "mb"
      if (m ~ /_kb$/) return "kb"
      if (m ~ /_s$/) return "s"
      return "count"
    }
    function title(s) {
      if (s == "nonstream") return "non-streaming"
      if (s == "streams") return "streams back to back"
      if (s == "paced") return "paced streams"
      if (s == "ttfb") return "stream TTFB"
      if (s == "held") return "held streams"
      if (s == "warmup") return "gateway warm-up"
      return s
    }
    function median(k, t,   n, i, j, a, x) {
      n = cnt[k, t]; if (!n) return ""
      for (i = 1; i <= n; i++) a[i] = val[k, t, i] + 0
      for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function total(k, t,   n, i, s) { n = cnt[k, t]; if (!n) return ""; s = 0; for (i = 1; i <= n; i++) s += val[k, t, i]; return s }
    NR == 1 { next }
    $6 == "" || $6 == "nan" || $5 == "requests" { next }
    {
      k = $1 SUBSEP $2 SUBSEP $5
      if (!(k in seen)) { seen[k] = 1; order[++nk] = k; sc[k] = $1; va[k] = $2; me[k] = $5 }
      cnt[k, $4]++; val[k, $4, cnt[k, $4]] = $6; rv[k, $4, $3] = $6; rd[k, $3] = 1
    }
    END {
      print "| scenario | measure | nginx | gateway | gateway ÷ nginx | per-round ratios |"
      print "|---|---|---|---|---|---|"
      for (i = 1; i <= nk; i++) {
        k = order[i]; m = me[k]; u = unit(m)
        agg = (m == "bad") ? "sum" : "median"
        n = (agg == "sum") ? total(k, "nginx") : median(k, "nginx")
        g = (agg == "sum") ? total(k, "gateway") : median(k, "gateway")
        if (cnt[k, "diff"]) g = median(k, "diff")
        ratio = "–"; range = "–"
        if (n != "" && g != "" && n + 0 != 0 && agg == "median") {
          ratio = sprintf("×%.2f", g / n)
          lo = ""; hi = ""; rounds = 0
          for (key in rd) {
            split(key, p, SUBSEP)
            if (p[1] SUBSEP p[2] SUBSEP p[3] != k) continue
            r = p[4]
            if (((k, "nginx", r) in rv) && ((k, "gateway", r) in rv) && rv[k, "nginx", r] + 0 != 0) {
              q = rv[k, "gateway", r] / rv[k, "nginx", r]; rounds++
              if (lo == "" || q < lo) lo = q
              if (hi == "" || q > hi) hi = q
            }
          }
          if (rounds > 1) range = sprintf("%.2f–%.2f (%d)", lo, hi, rounds)
        }
        print "| " title(sc[k]) ", " va[k] " | " label(sc[k], m) " | " fmt(n, u) " | " fmt(g, u) " | " ratio " | " range " |"
      }
    }' "$1"
}
