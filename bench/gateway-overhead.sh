#!/usr/bin/env bash
# Gateway overhead benchmark (issue: data plane at near-proxy speed).
#
# Measures, in one run, on this machine:
#   - requests/s and p50/p99 latency of non-streaming chat completions, directly to the mock provider and
#     through the gateway (wrk, 1 thread, $CONNS connections, $DURATION);
#   - the gateway's CPU time per request (utime+stime from /proc/<pid>/stat over the gateway run);
#   - the gateway's resident memory after the load (VmRSS, VmHWM);
#   - time to first byte of streamed chat completions (16 chunks), direct vs through the gateway, alternating
#     request by request in one client JVM (bench/StreamTtfb.java);
#   - that every request served was recorded by metering (usage totals before and after).
# The gateway JVM is pinned to CPU 1, the mock provider and the load generators to CPU 0.
# Needs the local stack: it runs `deploy/local/nexus up` itself (and `down` at the end unless KEEP=1).
# bench/data-plane.sh measures the same against nginx in front of the same mock, alternating the two in one run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-20s}
CONNS=${CONNS:-16}
STREAMS=${STREAMS:-2000}

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is required"; exit 1; }

"$ROOT/deploy/local/nexus" up >/dev/null
trap '[ "${KEEP:-0}" = 1 ] || "$ROOT/deploy/local/nexus" down >/dev/null' EXIT
# shellcheck disable=SC1091
. "$ROOT/target/local/nexus.env"
# shellcheck disable=SC1091
. "$ROOT/target/local/secrets.env"
PIDS="$ROOT/target/local/pids"
GW=$(cat "$PIDS/gateway.pid"); MOCK=$(cat "$PIDS/mock.pid")
taskset -a -p -c 1 "$GW" >/dev/null
taskset -a -p -c 0 "$MOCK" >/dev/null
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
clk=$(getconf CLK_TCK)

run_wrk() { # url key model -> prints wrk output
  BENCH_KEY=$2 BENCH_MODEL=$3 taskset -c 0 wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$ROOT/bench/chat.lua" "$1"
}
requests_of() { awk '/requests in/ {print $1}' <<<"$1"; }
rps_of() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
pct_of() { awk -v p="$2" '$1 == p {print $2}' <<<"$1"; }

echo "warming up (gateway JIT) ..."
BENCH_KEY=$NEXUS_APP_KEY BENCH_MODEL=$NEXUS_MODEL taskset -c 0 wrk -t1 -c"$CONNS" -d15s -s "$ROOT/bench/chat.lua" "$NEXUS_GATEWAY_URL/v1/chat/completions" >/dev/null
BENCH_KEY=$MOCK_API_KEY BENCH_MODEL=gpt-4o-mini taskset -c 0 wrk -t1 -c"$CONNS" -d10s -s "$ROOT/bench/chat.lua" "http://127.0.0.1:8090/v1/chat/completions" >/dev/null

metered() { # requests metering has recorded for the demo tenant so far
  curl -s "$NEXUS_METERING_URL/v1/usage?start=2000-01-01" -H "Authorization: Bearer $NEXUS_ADMIN_KEY" \
    | sed -n 's/.*"totals":{[^}]*"requests":\([0-9]*\).*/\1/p'
}
direct=$(run_wrk "http://127.0.0.1:8090/v1/chat/completions" "$MOCK_API_KEY" gpt-4o-mini)
sleep 3
m0=$(metered)
t0=$(ticks "$GW")
gateway=$(run_wrk "$NEXUS_GATEWAY_URL/v1/chat/completions" "$NEXUS_APP_KEY" "$NEXUS_MODEL")
t1=$(ticks "$GW")
n=$(requests_of "$gateway")
cpu_us=$(awk -v d=$((t1 - t0)) -v c="$clk" -v n="$n" 'BEGIN {printf "%.1f", d * 1000000 / c / n}')
rss=$(awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/$GW/status")
for _ in $(seq 1 60); do m1=$(metered); [ "$((m1 - m0))" -ge "$n" ] && break; sleep 1; done
m1=$(metered)
hwm=$(awk '/VmHWM/ {print $2/1024 " MB"}' "/proc/$GW/status")

streams=$(taskset -c 0 "$JAVA" "$ROOT/bench/StreamTtfb.java" "$STREAMS" 1000 16 \
  direct "http://127.0.0.1:8090/v1/chat/completions" "$MOCK_API_KEY" gpt-4o-mini \
  gateway "$NEXUS_GATEWAY_URL/v1/chat/completions" "$NEXUS_APP_KEY" "$NEXUS_MODEL")
ttfb() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$streams"; }

cat <<TABLE
| measure | direct to mock | through gateway |
|---|---|---|
| requests/s (wrk -t1 -c$CONNS -d$DURATION) | $(rps_of "$direct") | $(rps_of "$gateway") |
| latency p50 | $(pct_of "$direct" 50%) | $(pct_of "$gateway" 50%) |
| latency p99 | $(pct_of "$direct" 99%) | $(pct_of "$gateway" 99%) |
| gateway CPU per request (pinned to 1 core) | – | ${cpu_us} µs |
| gateway RSS after load (peak) | – | ${rss} (${hwm}) |
| requests served / usage rows recorded by metering | – | $n / $((m1 - m0)) |
| stream TTFB p50 / p99 ($STREAMS alternating pairs) | $(ttfb direct_p50_us) / $(ttfb direct_p99_us) µs | $(ttfb gateway_p50_us) / $(ttfb gateway_p99_us) µs |
| stream TTFB overhead, p50 of per-pair differences | – | $(ttfb overhead_p50_us) µs |
TABLE
