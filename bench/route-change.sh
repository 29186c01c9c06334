#!/usr/bin/env bash
# Route change at catalogue size (issue 15): with $ALIASES aliases configured and TWO gateways serving, one route
# is changed through the admin API, as a user would; measured per gateway: the time from the admin API's 200 until
# that gateway serves the change, and the bytes it received for it from routing-service.
#
# The local stack (deploy/local/nexus up, or the one running) gets $ALIASES aliases seeded straight into its
# control-plane database by bench/Catalogue.java (one transaction with a config_version increment, then a ROUTES
# change published on the config channel, as admin-service does); its gateway pulls them. A second gateway is
# started like the first (same command line, -Xmx128m included, and environment; other ports, its own kept
# snapshot file and usage journal), so its first pull is the whole table: its size and time are reported from the
# gateway's log line "whole route table pulled". Then a second provider ("mock-b", the same mock) is created and,
# $CHANGES times, the one route of alias $PROBE is moved to the other provider (PATCH /admin/v1/routes/{id}): each
# gateway is asked for a chat completion of $PROBE until its x-nexus-provider header names the new provider (both
# polled in turn, so a figure is at most about two requests late); the delta bytes are the change of its
# nexus_snapshot_bytes_total{kind="delta"}. At the end: the live heap (jcmd GC.class_histogram total) of both
# gateways and of routing-service.
#
# At the end the route is put back on "mock", the seeded aliases are deleted (and published), "mock-b" deleted, the
# second gateway stopped, and the stack stopped if this script started it.
#
# Settings (environment): ALIASES (100000), CHANGES (10), PROBE (bench-alias-000042), SNAPSHOT_WAIT (180 s for a
# table to be installed), CHANGE_WAIT (30 s for a change to be served), GAP (1 s between changes), GW2_PORT (8180),
# GW2_MGMT_PORT (9331), and those of bench/lib.sh (NETNS, KEEP).
# Output: the tables on stdout (markdown, for docs/benchmarks.md); target/bench/route-change-<time>/ keeps
# changes.csv, summary.md, the histograms and the second gateway's log.
set -euo pipefail
BENCH_SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=bench/lib.sh
. "$(dirname "$BENCH_SCRIPT")/lib.sh"

ALIASES=${ALIASES:-100000}
CHANGES=${CHANGES:-10}
PROBE=${PROBE:-bench-alias-000042}
SNAPSHOT_WAIT=${SNAPSHOT_WAIT:-180}
CHANGE_WAIT=${CHANGE_WAIT:-30}
GAP=${GAP:-1}
GW2_PORT=${GW2_PORT:-8180}
GW2_MGMT_PORT=${GW2_MGMT_PORT:-9331}

# before entering NETNS: a namespace of our own has no route to the package mirror
NO_NGINX=1 ensure_tools
bench_netns "$@"
command -v jq >/dev/null || die "jq is needed"

test_support_cp

RUN="$BENCH_STATE/route-change-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
CSV="$RUN/changes.csv"
echo "change,provider,gateway,ms,delta_bytes" > "$CSV"
GW2_LOG="$RUN/gateway2.log"
GW2=
SEEDED=0
PROVIDER_B=
ROUTE_ID=
cleanup() {
  set +e
  if [ -n "$ROUTE_ID" ] && [ -n "${PROVIDER_A:-}" ]; then admin PATCH "/admin/v1/routes/$ROUTE_ID" "{\"provider_id\":$PROVIDER_A}" >/dev/null; fi
  if [ -n "$PROVIDER_B" ]; then admin DELETE "/admin/v1/providers/$PROVIDER_B" >/dev/null; fi
  if [ "$SEEDED" = 1 ]; then
    say "removing the seeded aliases ..."
    helper clean >&2
    helper publish routes >&2
  fi
  [ -n "$GW2" ] && stop_pid "$GW2"
  stack_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_up
# shellcheck disable=SC1091
. "$STACK/infra.env"
JDBC="jdbc:postgresql://${NEXUS_DB_HOST:-localhost}:${NEXUS_DB_PORT:-5432}/${NEXUS_DB_NAME:-nexus}"
helper() { # command args... (bench/Catalogue.java against the stack's database and Redis)
  local c=$1; shift
  case $c in
    publish) set -- "${NEXUS_REDIS_URL:-redis://localhost:6379}" "${NEXUS_REDIS_NAMESPACE:-nexus}" "$@" ;;
  esac
  "$JAVA" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CP" "$ROOT/bench/Catalogue.java" \
    "$c" "$JDBC" "${NEXUS_DB_USER:-postgres}" "${NEXUS_DB_PASSWORD:-}" "$@"
}
admin() { # method path [json] -> body (fails on a status other than 2xx)
  curl -sf -X "$1" "$NEXUS_ADMIN_URL$2" -H "Authorization: Bearer $NEXUS_ADMIN_KEY" -H 'Content-Type: application/json' ${3:+-d "$3"}
}
now_ms() { date +%s%3N; }
GW1=$(pid_of gateway)
ours "$GW1" || die "no gateway of ours is running"
GW1_LOG="$STACK/logs/gateway.log"
GW1_URL="$NEXUS_GATEWAY_URL"
GW2_URL="http://127.0.0.1:$GW2_PORT"
mgmt_of() { case $1 in 1) echo 9321 ;; 2) echo "$GW2_MGMT_PORT" ;; esac; }
url_of() { case $1 in 1) echo "$GW1_URL" ;; 2) echo "$GW2_URL" ;; esac; }
delta_bytes() { # gateway -> its nexus_snapshot_bytes_total{kind="delta"}
  curl -s "http://127.0.0.1:$(mgmt_of "$1")/q/metrics" | awk '/^nexus_snapshot_bytes_total\{/ && /kind="delta"/ {printf "%.0f", $2}'
}
served_by() { # gateway -> the x-nexus-provider of a chat completion of $PROBE
  curl -s -o /dev/null -D - "$(url_of "$1")/v1/chat/completions" -H "Authorization: Bearer $NEXUS_APP_KEY" \
    -H 'Content-Type: application/json' -d "{\"model\":\"$PROBE\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}" \
    | tr -d '\r' | awk -F': ' 'tolower($1) == "x-nexus-provider" {print $2}'
}
wait_log() { # file offset pattern -> the matching line, once it appears after offset (SNAPSHOT_WAIT)
  local i line
  for i in $(seq 1 $((SNAPSHOT_WAIT * 4))); do
    line=$(tail -c +"$(($2 + 1))" "$1" | grep -a -- "$3" | tail -1 || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    sleep 0.25
  done
  return 1
}
live_heap() { # pid label -> live bytes (class histogram total less filler objects)
  "$JCMD" "$1" GC.class_histogram > "$RUN/$2.histogram" 2>&1 || true
  awk '$1 == "Total" {t = $3} /jdk\.internal\.vm\.Filler/ {f += $3} END {printf "%d", t - f}' "$RUN/$2.histogram"
}
mb() { awk -v b="$1" 'BEGIN {printf "%.1f MB", b / 1e6}'; }

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say "run directory: $RUN"

# ---- seed: the first gateway pulls the new aliases (a delta of $ALIASES aliases from its version)
MARK=$(stat -c %s "$GW1_LOG")
say "seeding $ALIASES aliases ..."
SEEDED=1
say "  $(helper aliases mock "$REAL_MODEL" "$ALIASES")"
T0=$(now_ms)
say "  $(helper publish routes)"
LINE=$(wait_log "$GW1_LOG" "$MARK" "installed: $((ALIASES + 1)) aliases") || die "gateway 1 did not install $((ALIASES + 1)) aliases in ${SNAPSHOT_WAIT}s (see $GW1_LOG)"
SEED_S=$(awk -v a="$T0" -v b="$(now_ms)" 'BEGIN {printf "%.1f", (b - a) / 1000}')
say "  gateway 1: $LINE (${SEED_S} s after the publish)"
SEED_DELTA=$(delta_bytes 1)

# ---- the second gateway: started like the first, other ports; its first pull is the whole table
mapfile -d '' -t ENV1 < "/proc/$GW1/environ"
mapfile -d '' -t CMD1 < "/proc/$GW1/cmdline"
ENV2=()
for e in "${ENV1[@]}"; do
  case "$e" in QUARKUS_HTTP_PORT=*|MONITORING_PORT=*|NEXUS_GATEWAY_SNAPSHOT_FILE=*|NEXUS_GATEWAY_USAGE_SPOOL_DIR=*|NEXUS_BENCH_PINNED=*) ;; *) ENV2+=("$e") ;; esac
done
ENV2+=("QUARKUS_HTTP_PORT=$GW2_PORT" "MONITORING_PORT=$GW2_MGMT_PORT" "NEXUS_GATEWAY_USAGE_SPOOL_DIR=$RUN/usage-journal-2")
CMD2=()
for a in "${CMD1[@]}"; do
  case "$a" in -XX:AOTCacheOutput=*|-XX:AOTConfiguration=*|-Xlog:aot=*|-Xlog:gc:file=*) ;; *) CMD2+=("$a") ;; esac
done
say "starting gateway 2 on port $GW2_PORT ..."
T0=$(now_ms)
(cd "$(readlink "/proc/$GW1/cwd")" && exec nohup env -i "${ENV2[@]}" "${CMD2[@]}" >"$GW2_LOG" 2>&1 </dev/null) &
GW2=$!
FULL_LINE=$(wait_log "$GW2_LOG" 0 "whole route table pulled: .* $((ALIASES + 1)) aliases") || die "gateway 2 did not pull the whole table in ${SNAPSHOT_WAIT}s (see $GW2_LOG)"
wait_log "$GW2_LOG" 0 "installed: $((ALIASES + 1)) aliases" >/dev/null || die "gateway 2 did not install the table"
GW2_READY_S=$(awk -v a="$T0" -v b="$(now_ms)" 'BEGIN {printf "%.1f", (b - a) / 1000}')
FULL_BYTES=$(sed -n 's/.* \([0-9]*\) bytes in \([0-9]*\) ms.*/\1/p' <<<"$FULL_LINE")
FULL_MS=$(sed -n 's/.* \([0-9]*\) bytes in \([0-9]*\) ms.*/\2/p' <<<"$FULL_LINE")
say "  gateway 2: $FULL_LINE"

# ---- the route to change, and a second provider to move it to
PROVIDER_A=$(admin GET /admin/v1/providers | jq -r '.[] | select(.name == "mock") | .id')
PROVIDER_B=$(admin GET /admin/v1/providers | jq -r '.[] | select(.name == "mock-b") | .id')
if [ -z "$PROVIDER_B" ]; then
  PROVIDER_B=$(admin POST /admin/v1/providers "{\"name\":\"mock-b\",\"endpoint\":\"$MOCK_URL/v1\",\"api_key\":\"$MOCK_API_KEY\",\"weight\":100,\"rate_limit\":0}" | jq -r .id)
fi
ROUTE_ID=$(admin GET "/admin/v1/routes?alias=$PROBE" | jq -r '.[0].id')
[ -n "$PROVIDER_A" ] && [ -n "$PROVIDER_B" ] && [ -n "$ROUTE_ID" ] && [ "$ROUTE_ID" != null ] || die "no provider mock / mock-b or no route of $PROBE"
sleep 2
for g in 1 2; do [ "$(served_by $g)" = mock ] || die "gateway $g does not serve $PROBE from mock"; done

# ---- the changes
for i in $(seq 1 "$CHANGES"); do
  if [ $((i % 2)) = 1 ]; then to=$PROVIDER_B; name=mock-b; else to=$PROVIDER_A; name=mock; fi
  b1=$(delta_bytes 1); b2=$(delta_bytes 2)
  admin PATCH "/admin/v1/routes/$ROUTE_ID" "{\"provider_id\":$to}" >/dev/null || die "the admin API refused the change"
  t0=$(now_ms)
  declare -A seen=()
  while [ ${#seen[@]} -lt 2 ]; do
    for g in 1 2; do
      [ -n "${seen[$g]:-}" ] && continue
      if [ "$(served_by $g)" = "$name" ]; then seen[$g]=$(($(now_ms) - t0)); fi
    done
    [ $(($(now_ms) - t0)) -lt $((CHANGE_WAIT * 1000)) ] || break
  done
  sleep 0.3
  for g in 1 2; do
    b=$(( $(delta_bytes $g) - $([ $g = 1 ] && echo "$b1" || echo "$b2") ))
    echo "$i,$name,$g,${seen[$g]:-timeout},$b" >> "$CSV"
  done
  say "  change $i -> $name: gateway 1 ${seen[1]:-timeout} ms, gateway 2 ${seen[2]:-timeout} ms"
  unset seen
  sleep "$GAP"
done

# ---- live heaps with the table in place
HEAP1=$(live_heap "$GW1" gateway1)
HEAP2=$(live_heap "$GW2" gateway2)
ROUTING_PID=$(pid_of routing)
HEAP_R=$( (ours "$ROUTING_PID" && live_heap "$ROUTING_PID" routing) || echo 0)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo "+dirty")

stat_of() { # gateway column(ms|bytes) -> "median max" (sorted by sort(1): mawk has no asort)
  awk -F, -v g="$1" -v c="$2" 'NR > 1 && $3 == g && $4 != "timeout" {print (c == "ms") ? $4 : $5}' "$CSV" | sort -n \
    | awk '{v[NR] = $1} END {if (!NR) {print "- -"; exit} m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%g %g", m, v[NR]}'
}
timeouts() { awk -F, -v g="$1" 'NR > 1 && $3 == g && $4 == "timeout" {n++} END {print n + 0}' "$CSV"; }
{
  echo "Run: $STARTED_AT, commit $COMMIT, load average $LOAD_START at the start, $LOAD_END at the end; \`NETNS=${NETNS:-} bench/route-change.sh\` (ALIASES=$ALIASES, CHANGES=$CHANGES)."
  echo
  echo "| gateway | change served after the admin API's 200: median | max | timed out | bytes received per change: median | max |"
  echo "|---|---|---|---|---|---|"
  for g in 1 2; do
    read -r mm mx <<<"$(stat_of $g ms)"; read -r bm bx <<<"$(stat_of $g bytes)"
    echo "| $g | $mm ms | $mx ms | $(timeouts $g) of $CHANGES | $bm B | $bx B |"
  done
  echo
  echo "| at $((ALIASES + 1)) aliases | value |"
  echo "|---|---|"
  echo "| whole table pull (gateway 2 at its start): bytes | $FULL_BYTES ($(mb "$FULL_BYTES"), $(awk -v b="$FULL_BYTES" -v n="$((ALIASES + 1))" 'BEGIN {printf "%.0f", b / n}') B per alias) |"
  echo "| whole table pull: time (request to table installed) | $FULL_MS ms |"
  echo "| gateway 2: start to table installed | $GW2_READY_S s |"
  echo "| seeding delta ($ALIASES aliases) on gateway 1: publish to installed | $SEED_S s, $SEED_DELTA B of deltas received so far |"
  echo "| live heap, gateway 1 | $(mb "$HEAP1") |"
  echo "| live heap, gateway 2 | $(mb "$HEAP2") |"
  echo "| live heap, routing-service | $(mb "$HEAP_R") |"
} | tee "$RUN/summary.md"
