#!/usr/bin/env bash
# Start-up benchmark (docs/benchmarks.md, "Start-up, memory and warm-up"): in one run, on this machine,
#   - for each service: the time from its process start to /q/health/ready answering UP, and its resident memory
#     (VmRSS) after 10 s idle;
#   - for the gateway: answers per second, in 1-second buckets, of the first 30 s of non-streaming chat completions
#     (wrk -t1 -c16, bench/chat-per-second.lua) right after a fresh start, the gateway pinned to CPU 1 with
#     NEXUS_EVENT_LOOPS=1, wrk and every other process of the stack on CPU 0; steady state is the mean of seconds
#     21-30, and the warm-up time the first second reaching 80 % of it.
# Each service is restarted in place: the same command line and environment as the stack gave it (read from /proc),
# its pid file updated, so 'deploy/local/nexus down' stops it. What is measured is chosen by:
#   APPS=<dir>   run <dir>/<service>/quarkus-run.jar instead of the stack's (e.g. a fast-jar build, see below)
#   NO_AOT=1     without the stack's JDK AOT cache (target/local/aot/<service>.aot, used when it has one)
#   LABEL=...    the column's name in the output
# Needs the stack up, with its AOT caches written (deploy/local/nexus up; down; up). The "before" column of
# docs/benchmarks.md is the fast-jar packaging without cache:
#   ./mvnw package -DskipTests -pl gateway-service,... -am -Dquarkus.package.jar.type=fast-jar -Dquarkus.package.output-directory=fast-jar
#   (move each <service>/target/fast-jar to $APPS/<service>) then APPS=... NO_AOT=1 bench/startup.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/target/local"
PIDS="$STATE/pids"
LABEL=${LABEL:-stack}
SERVICES=(admin auth routing metering gateway)
declare -A MGMT_PORT=([gateway]=9321 [admin]=9322 [auth]=9323 [routing]=9324 [metering]=9325)
OUT="$ROOT/target/bench/startup-$LABEL-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "wrk is required"; exit 1; }
# shellcheck disable=SC1091
. "$STATE/nexus.env"

restart() { # service, prefix command... : restarts the service as the stack started it; prints its pid and start (ns)
  local s=$1; shift
  local pid; pid=$(cat "$PIDS/$s.pid")
  local envs=() cmd=() out=()
  mapfile -d '' envs < "/proc/$pid/environ"
  mapfile -d '' cmd < "/proc/$pid/cmdline"
  # the running command without its AOT options and jar (an earlier run of this script may have changed them),
  # then the wanted ones: the stack's jar or $APPS's, with the stack's AOT cache unless NO_AOT=1
  for a in "${cmd[@]}"; do
    [[ $a == -XX:AOT* || $a == -Xlog:aot* ]] && continue
    if [ "$a" = -jar ] && [ "${NO_AOT:-0}" != 1 ] && [ -f "$STATE/aot/$s.key" ]; then
      out+=("-XX:AOTCache=$STATE/aot/$s.aot")
    fi
    if [[ $a == */quarkus-run.jar ]]; then
      a=${APPS:+$APPS/$s/quarkus-run.jar}
      a=${a:-$ROOT/$s-service/target/quarkus-app/quarkus-run.jar}
    fi
    out+=("$a")
  done
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  local t0; t0=$(date +%s%N)
  # shellcheck disable=SC2086
  "$@" env -i "${envs[@]}" ${EXTRA_ENV:-} "${out[@]}" >>"$OUT/$s.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$s.pid"
  echo "$! $t0"
}

ready_ms() { # service, pid, start (ns) -> ms until ready
  local url="http://127.0.0.1:${MGMT_PORT[$1]}/q/health/ready"
  until curl -sf -o /dev/null --max-time 1 "$url"; do
    kill -0 "$2" 2>/dev/null || { echo "$1 died: $OUT/$1.log" >&2; exit 1; }
    sleep 0.02
  done
  echo $(( ($(date +%s%N) - $3) / 1000000 ))
}

declare -A READY RSS
for s in "${SERVICES[@]}"; do
  read -r pid t0 < <(restart "$s")
  READY[$s]=$(ready_ms "$s" "$pid" "$t0")
  sleep 10
  RSS[$s]=$(awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$pid/status")
  echo "$s: ready in ${READY[$s]} ms, ${RSS[$s]} MB resident after 10 s idle"
done

# gateway warm-up: everything else on CPU 0, a fresh gateway on CPU 1 with one event loop
for s in infra mock admin auth routing metering; do
  [ -f "$PIDS/$s.pid" ] && taskset -a -p -c 0 "$(cat "$PIDS/$s.pid")" >/dev/null 2>&1 || true
done
read -r pid t0 < <(EXTRA_ENV=NEXUS_EVENT_LOOPS=1 restart gateway taskset -c 1)
ready=$(ready_ms gateway "$pid" "$t0")
BENCH_KEY=$NEXUS_APP_KEY BENCH_MODEL=$NEXUS_MODEL taskset -c 0 wrk -t1 -c16 -d30s -s "$ROOT/bench/chat-per-second.lua" \
  "$NEXUS_GATEWAY_URL/v1/chat/completions" > "$OUT/warmup.txt"
awk -v label="$LABEL" -v ready="$ready" '
  /^second / { n[$2] = $3; bad += $4; if ($2 > last) last = $2 }
  END {
    for (i = 21; i <= 30; i++) steady += n[i]; steady /= 10
    for (i = 1; i <= last; i++) if (n[i] >= 0.8 * steady) { t80 = i; break }
    printf "gateway warm-up (%s, ready in %d ms, pinned): ", label, ready
    for (i = 1; i <= 30; i++) printf "%s%d", (i > 1 ? " " : ""), n[i]
    printf "\nsteady state (s 21-30) %.0f/s, 80 %% reached in second %d, non-200 answers %d\n", steady, t80, bad
  }' "$OUT/warmup.txt" | tee "$OUT/summary.txt"
{
  echo "| $LABEL | ready (ms) | RSS idle (MB) |"
  for s in "${SERVICES[@]}"; do echo "| $s | ${READY[$s]} | ${RSS[$s]} |"; done
} | tee -a "$OUT/summary.txt"
echo "raw output: $OUT"
