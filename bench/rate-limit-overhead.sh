#!/usr/bin/env bash
# Rate-limit overhead benchmark (issue: traffic control and metering).
#
# What the shared limiter costs per request, in one run on this machine: the same non-streaming chat completion
# through the gateway (wrk, 1 thread, $CONNS connections, $DURATION) with three app keys of the demo tenant —
#   none:  no limits (no admission call at all);
#   rpm:   a requests-per-minute limit (one EVALSHA of admit.lua per request, awaited);
#   full:  requests and tokens per minute, a daily token quota and a daily cost budget (the prompt is counted,
#          the worst case reserved, and settled after the response in the usage batch: admit.lua + settle.lua);
# limits are high enough never to refuse. For each: requests/s, p50/p99 latency, the gateway's CPU per request
# (utime+stime of the pinned gateway JVM) and Redis's CPU per request (utime+stime of redis-server).
# The gateway JVM is pinned to CPU 1; the mock provider, Redis and wrk to CPU 0.
# Needs the local stack: it runs `deploy/local/nexus up` itself (and `down` at the end unless KEEP=1).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-20s}
CONNS=${CONNS:-16}

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is required"; exit 1; }

if "$ROOT/deploy/local/nexus" status 2>/dev/null | grep '^gateway .*listening' >/dev/null; then
  echo "using the running local stack"
else
  "$ROOT/deploy/local/nexus" up >/dev/null
  trap '[ "${KEEP:-0}" = 1 ] || "$ROOT/deploy/local/nexus" down >/dev/null' EXIT
fi
# shellcheck disable=SC1091
. "$ROOT/target/local/nexus.env"
PIDS="$ROOT/target/local/pids"
GW=$(cat "$PIDS/gateway.pid"); MOCK=$(cat "$PIDS/mock.pid")
REDIS_PORT=$(sed -n 's#.*redis://[^:]*:\([0-9]*\).*#\1#p' "$ROOT/target/local/infra.env" | head -1)
REDIS=$(ss -ltnpH "sport = :${REDIS_PORT:-6379}" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
taskset -a -p -c 1 "$GW" >/dev/null
taskset -a -p -c 0 "$MOCK" >/dev/null
[ -n "$REDIS" ] && taskset -a -p -c 0 "$REDIS" >/dev/null

ticks() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
clk=$(getconf CLK_TCK)
key_with() { # limits JSON -> a new app key of the demo tenant
  curl -sf "$NEXUS_ADMIN_URL/admin/v1/tenants/demo/keys" -H "Authorization: Bearer $NEXUS_ADMIN_KEY" \
    -H "Content-Type: application/json" -d "{\"name\":\"bench-limits\",\"limits\":$1}" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p'
}
KEY_RPM=$(key_with '{"rpm_limit":100000000}')
KEY_FULL=$(key_with '{"rpm_limit":100000000,"tpm_limit":2000000000,"daily_token_quota":1000000000000,"daily_cost_budget":1000000000}')
# a price for the demo model, so that the cost budget has something to reserve and settle
curl -sf -X PUT "$NEXUS_ADMIN_URL/admin/v1/prices/gpt-4o-mini" -H "Authorization: Bearer $NEXUS_ADMIN_KEY" \
  -H "Content-Type: application/json" -d '{"input_per_million":0.15,"output_per_million":0.6}' >/dev/null
sleep 1

run_wrk() { # key -> wrk output
  BENCH_KEY=$1 BENCH_MODEL=$NEXUS_MODEL taskset -c 0 wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$ROOT/bench/chat.lua" \
    "$NEXUS_GATEWAY_URL/v1/chat/completions"
}
echo "warming up (gateway JIT, every key) ..."
for k in "$NEXUS_APP_KEY" "$KEY_RPM" "$KEY_FULL"; do
  BENCH_KEY=$k BENCH_MODEL=$NEXUS_MODEL taskset -c 0 wrk -t1 -c"$CONNS" -d8s -s "$ROOT/bench/chat.lua" \
    "$NEXUS_GATEWAY_URL/v1/chat/completions" >/dev/null
done

echo "| limits of the key | requests/s | p50 | p99 | non-2xx | gateway CPU per request (1 core) | Redis CPU per request |"
echo "|---|---|---|---|---|---|---|"
for variant in none rpm full; do
  case $variant in none) k=$NEXUS_APP_KEY ;; rpm) k=$KEY_RPM ;; full) k=$KEY_FULL ;; esac
  sleep 2
  g0=$(ticks "$GW"); r0=$(ticks "$REDIS")
  out=$(run_wrk "$k")
  g1=$(ticks "$GW"); r1=$(ticks "$REDIS")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out"); bad=${bad:-0}
  gcpu=$(awk -v d=$((g1 - g0)) -v c="$clk" -v n="$n" 'BEGIN {printf "%.1f µs", d * 1000000 / c / n}')
  rcpu=$([ -n "$REDIS" ] && awk -v d=$((r1 - r0)) -v c="$clk" -v n="$n" 'BEGIN {printf "%.1f µs", d * 1000000 / c / n}' || echo "n/a")
  echo "| $variant | $(awk '/Requests\/sec/ {print $2}' <<<"$out") | $(awk '$1 == "50%" {print $2}' <<<"$out") |" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out") | $bad | $gcpu | $rcpu |"
done
