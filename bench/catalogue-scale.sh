#!/usr/bin/env bash
# Catalogue scale (issue 15): the gateway's CPU per request with 10 / 1,000 / 100,000 aliases configured and
# 100 / 10,000 / 1,000,000 app keys in use, each case as a ratio to the smallest (10 aliases, 100 keys).
#
# The local stack (deploy/local/nexus up, or the one running) gets the keys and aliases seeded straight into its
# control-plane database by bench/Catalogue.java (generate_series, sha256(); deterministic keys that
# bench/catalogue.lua computes itself), every alias one route to the demo provider's real model. Per key count
# (ascending) the gateway is restarted as bench/data-plane.sh does it (pinned to CPU $PROXY_CPU, one event loop,
# the stack's heap unless GATEWAY_JVM_OPTS says otherwise), so that its principal cache starts empty; then:
#   JIT warm-up   $JIT_WARMUP of random keys and aliases (c=$CONNS)
#   key pass      every key once, in order (c=$WARMUP_CONNS), at most $KEY_PASS_MAX s: each new key costs the
#                 gateway one auth-service lookup, after which it is answered from its cache
# and per alias count (ascending; aliases are added, config_version bumped and a ROUTES change published on the
# config channel as admin-service does; the gateway pulls the new snapshot from routing-service):
#   alias pass    every alias once (c=$WARMUP_CONNS), at most $ALIAS_PASS_MAX s (the gateway's per-alias meters)
# then the measured rounds, interleaved: $WARM_ROUNDS warm-up cycles (run as the others, their figures noted but
# not counted: the first cycle after a restart and key pass runs on a JIT still compiling the paths it had not
# taken) and $MEASURE_ROUNDS measured cycles over the alias counts, each cycle one round of
# $DURATION at c=$CONNS per alias count (the catalogue switched to it first, aliases added or removed the same way,
# then an alias pass again: removed aliases come back as new deployments, whose first use is not measured),
# key and alias uniformly at random per request, so that a slow spell of the shared machine falls on every case
# alike rather than on one case's rounds; per case the round with the median CPU is reported (every round's in the
# notes): gateway CPU (utime+stime
#                 of /proc/<pid>/stat) per request, requests/s, answers other than 200, keys the gateway looked up
#                 (nexus_key_cache_lookups_total: its cache misses; the hit rate is 1 - lookups / requests) and the
#                 auth-service calls they took (its http_server_requests count of /internal/v1/keys/resolve and
#                 resolve-batch), aliases folded into model="other" (nexus_metrics_aliases_folded_total), then the gateway's live heap
#                 after a full GC (jcmd GC.class_histogram), RSS, and the number of cached principals and meters
#                 (instances of io.nexusai.api.auth.Principal and of Micrometer's Meter$Id in that histogram).
# A case whose snapshot the gateway did not install within $SNAPSHOT_WAIT s, or whose gateway died, is reported
# as such with the log lines that say why.
#
# At the end every seeded key and alias is deleted, config_version bumped and the changes published, and the
# gateway put back as it was (or the stack stopped, if this script started it).
#
# Settings (environment): ALIASES ("10 1000 100000"), KEYS ("100 10000 1000000"), DURATION (10s), MEASURE_ROUNDS (3),
# WARM_ROUNDS (0: cycles run as the measured ones before them, their figures noted but not counted), CONNS (16),
# WARMUP_CONNS (64), JIT_WARMUP (15s), KEY_PASS_MAX (360), ALIAS_PASS_MAX (120), SNAPSHOT_WAIT (120), GAP (2),
# RUN_UNTIL (epoch seconds after which no new case begins; for a run that must end in time), PROFILE (1: a JFR
# recording of the gateway over each measured round, $RUN/raw/profile-<aliases>-<keys>-<round>.jfr; its figures then
# include the recorder's own cost; PROFILE_SETTINGS: the recording's settings, "profile" or a .jfc file, e.g. one of
# `jfr configure --input profile method-profiling=max` for a sample every millisecond), and
# ROUTING_JVM_OPTS (extra JVM options of routing-service when this script has to start it again after it died), and
# those of bench/lib.sh (NETNS, PROXY_CPU, LOAD_CPU, GATEWAY_MAX_IN_FLIGHT, GATEWAY_JVM_OPTS, KEEP).
# Output: the table on stdout (markdown, for docs/benchmarks.md); target/bench/catalogue-<time>/ keeps cases.csv,
# summary.md, the wrk outputs, histograms and the gateway log of the run.
set -euo pipefail
BENCH_SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=bench/lib.sh
. "$(dirname "$BENCH_SCRIPT")/lib.sh"

ALIASES=${ALIASES:-10 1000 100000}
KEYS=${KEYS:-100 10000 1000000}
DURATION=${DURATION:-10s}
MEASURE_ROUNDS=${MEASURE_ROUNDS:-3}
WARM_ROUNDS=${WARM_ROUNDS:-0}
CONNS=${CONNS:-16}
WARMUP_CONNS=${WARMUP_CONNS:-64}
JIT_WARMUP=${JIT_WARMUP:-15s}
KEY_PASS_MAX=${KEY_PASS_MAX:-360}
ALIAS_PASS_MAX=${ALIAS_PASS_MAX:-120}
SNAPSHOT_WAIT=${SNAPSHOT_WAIT:-120}
GAP=${GAP:-2}
RUN_UNTIL=${RUN_UNTIL:-} # epoch seconds: cases not begun by then are skipped (and listed as such)
TENANT=demo
PROVIDER=mock

# before entering NETNS: a namespace of our own has no route to the package mirror
NO_NGINX=1 ensure_tools
bench_netns "$@"

test_support_cp

RUN="$BENCH_STATE/catalogue-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN/raw"
CSV="$RUN/cases.csv"
NOTES="$RUN/notes.md"
echo "aliases,keys,metric,value" > "$CSV"
: > "$NOTES"
record() { echo "$1,$2,$3,$4" >> "$CSV"; }
note() { echo "$*" >> "$NOTES"; say "$*"; }

SEEDED=0
cleanup() {
  set +e
  if [ "$SEEDED" = 1 ]; then
    say "removing the seeded keys and aliases ..."
    helper clean >&2
    helper publish routes >&2
    helper publish keys >&2
  fi
  restore_gateway
  stack_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_up
pin_stack
# shellcheck disable=SC1091
. "$STACK/infra.env"
JDBC="jdbc:postgresql://${NEXUS_DB_HOST:-localhost}:${NEXUS_DB_PORT:-5432}/${NEXUS_DB_NAME:-nexus}"
helper() { # command args... (bench/Catalogue.java against the stack's database and Redis), on $LOAD_CPU
  local c=$1; shift
  case $c in
    publish) set -- "${NEXUS_REDIS_URL:-redis://localhost:6379}" "${NEXUS_REDIS_NAMESPACE:-nexus}" "$@" ;;
  esac
  taskset -c "$LOAD_CPU" "$JAVA" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CP" "$ROOT/bench/Catalogue.java" \
    "$c" "$JDBC" "${NEXUS_DB_USER:-postgres}" "${NEXUS_DB_PASSWORD:-}" "$@"
}
STARTED_AT=$(date +%s)
say "run directory: $RUN"

# routing-service builds every snapshot in its heap: with many aliases it may die of an OutOfMemoryError
# (-XX:+ExitOnOutOfMemoryError). Its command line and environment are kept so that the next key count can start it
# again as it was (plus $ROUTING_JVM_OPTS, for experiments).
ROUTING_PID=$(pid_of routing)
ours "$ROUTING_PID" || die "no routing-service of ours is running"
tr '\0' '\n' < "/proc/$ROUTING_PID/environ" | tr '\n' '\0' > "$RUN/routing.environ"
tr '\0' '\n' < "/proc/$ROUTING_PID/cmdline" | tr '\n' '\0' > "$RUN/routing.cmdline"
readlink "/proc/$ROUTING_PID/cwd" > "$RUN/routing.cwd"
ensure_routing() {
  local pid env=() cmd=() i
  pid=$(pid_of routing)
  ours "$pid" && return 0
  mapfile -d '' -t env < "$RUN/routing.environ"
  mapfile -d '' -t cmd < "$RUN/routing.cmdline"
  # shellcheck disable=SC2206 # extra JVM options, split on blanks
  [ -n "${ROUTING_JVM_OPTS:-}" ] && cmd=("${cmd[0]}" ${ROUTING_JVM_OPTS} "${cmd[@]:1}")
  (cd "$(cat "$RUN/routing.cwd")" && exec nohup taskset -c "$LOAD_CPU" env -i "${env[@]}" "${cmd[@]}" \
     >>"$STACK/logs/routing.log" 2>&1 </dev/null) &
  echo $! > "$PIDS/routing.pid"
  for i in $(seq 1 240); do curl -sf -o /dev/null http://127.0.0.1:9324/q/health/ready && break; sleep 0.5; done
  note "routing-service had died ($(grep -a 'Terminating due to' "$STACK/logs/routing.log" | tail -1)); started again (pid $!${ROUTING_JVM_OPTS:+, with $ROUTING_JVM_OPTS})"
}
GATEWAY_LOG="$STACK/logs/gateway.log"
AUTH_METRICS="http://127.0.0.1:9323/q/metrics"

auth_lookups() { # resolve and resolve-batch calls auth-service has answered so far (its HTTP server metrics;
  # resolve-batch also counts the gateway's periodic revalidation, one call per 1,000 held keys a minute)
  curl -s "$AUTH_METRICS" | awk '/^http_server_requests_seconds_count\{/ && /uri="\/internal\/v1\/keys\/resolve(-batch)?"/ {s += $2} END {printf "%.0f", s}'
}
gw_lookups() { metric nexus_key_cache_lookups_total; } # keys the gateway asked auth-service about (cache misses)
gw_alive() { ours "$GW" && kill -0 "$GW" 2>/dev/null; }
log_mark() { stat -c %s "$GATEWAY_LOG"; }
log_since() { tail -c +"$(($1 + 1))" "$GATEWAY_LOG"; }

# waits until the gateway logs that it installed a snapshot with $1 aliases (+1: the demo alias) after log offset $2
wait_snapshot() { # aliases mark -> 0 when installed
  local want=$(($1 + 1)) mark=$2 i t0 line
  t0=$(date +%s.%N)
  for i in $(seq 1 $((SNAPSHOT_WAIT * 4))); do
    line=$(log_since "$mark" | grep -a "route snapshot version [0-9]* installed: $want aliases" | tail -1 || true)
    if [ -n "$line" ]; then
      SNAPSHOT_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
      return 0
    fi
    gw_alive || return 1
    sleep 0.25
  done
  return 1
}

wrk_pass() { # label keys aliases mode conns duration [offset] -> wrk output (also in $RUN/raw/<label>.txt)
  local label=$1 k=$2 a=$3 mode=$4 c=$5 d=$6 offset=${7:-0} out
  out=$(BENCH_KEYS=$k BENCH_ALIASES=$a BENCH_MODE=$mode BENCH_OFFSET=$offset taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$c" -d"$d" --timeout 10s --latency -s "$ROOT/bench/catalogue.lua" "$GATEWAY_URL" 2>&1 || true)
  echo "$out" >> "$RUN/raw/$label.txt"
  echo "$out"
}

# Every key (or alias) once, in order: runs of wrk of a few seconds, each going on where the previous stopped
# (wrk runs for its whole duration), until $4 requests were sent or $5 seconds passed. Sets PASS_N (answers),
# PASS_S (seconds), PASS_SENT and PASS_OUT (STATUS lines summed over the runs).
seq_pass() { # label keys aliases count max_seconds
  local label=$1 k=$2 a=$3 count=$4 max=$5 t0 now out chunk rate=2000 sent
  t0=$(date +%s.%N); PASS_N=0; PASS_SENT=0; PASS_OUT=""
  while [ "$PASS_SENT" -lt "$count" ]; do
    now=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%d", b - a}')
    [ "$now" -lt "$max" ] || break
    chunk=$(awk -v r="$((count - PASS_SENT))" -v q="$rate" -v m="$((max - now))" 'BEGIN {c = int(r / q) + 1; if (c > 30) c = 30; if (c > m) c = m; if (c < 1) c = 1; print c}')
    out=$(wrk_pass "$label" "$k" "$a" sequential "$WARMUP_CONNS" "${chunk}s" "$PASS_SENT")
    sent=$(awk '$1 == "SENT" {print $2}' <<<"$out"); sent=${sent:-0}
    [ "$sent" -gt 0 ] || break
    PASS_SENT=$((PASS_SENT + sent)); PASS_N=$((PASS_N + $(wrk_requests "$out")))
    PASS_OUT+=$(grep '^STATUS' <<<"$out" || true)$'\n'
    rate=$(awk -v n="$sent" -v c="$chunk" 'BEGIN {r = int(n / c); print (r < 50) ? 50 : r}')
  done
  PASS_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  PASS_OUT=$(awk '$1 == "STATUS" {s[$2] += $3} END {for (k in s) print "STATUS", k, s[k]}' <<<"$PASS_OUT")
}
statuses() { awk '$1 == "STATUS" && $2 != 200 {printf "%s%s×%s", sep, $2, $3; sep = " "; n++} END {if (!n) printf "none"}' <<<"$1"; }
bad_count() { awk '$1 == "STATUS" && $2 != 200 {s += $3} END {print s + 0}' <<<"$1"; }
batch_calls() { # key revalidations (resolve-batch) auth-service has answered so far, by status: "200×n 413×m"
  curl -s "$AUTH_METRICS" | awk '/^http_server_requests_seconds_count\{/ && /uri="\/internal\/v1\/keys\/resolve-batch"/ {
    st = $0; sub(/.*status="/, "", st); sub(/".*/, "", st); s[st] += $2} END {for (k in s) printf "%s%s×%d", (n++ ? " " : ""), k, s[k]}'
}

probe() { # file prefix -> live_bytes principals meters heap_committed_kb rss_kb
  local f=$1
  "$JCMD" "$GW" GC.class_histogram > "$f.histogram" 2>&1 || true
  "$JCMD" "$GW" GC.heap_info > "$f.heap" 2>&1 || true
  awk '$1 == "Total" {t = $3} /jdk\.internal\.vm\.Filler/ {f += $3}
       $4 == "io.nexusai.api.auth.Principal" {p = $2} $4 == "io.micrometer.core.instrument.Meter$Id" {m = $2}
       END {printf "%d %d %d", t - f, p, m}' "$f.histogram"
  printf ' %s' "$(awk '/ total [0-9]+K, used [0-9]+K/ && !/space/ {for (i = 1; i < NF; i++) if ($i == "total") {v = $(i + 1); gsub(/[K,]/, "", v); t += v}} END {print t + 0}' "$f.heap")"
  printf ' %s\n' "$(rss_kb "$GW")"
}

CURRENT_ALIASES=0
FIRST_ALIASES=${ALIASES%% *}
# installs $1 aliases (added or removed, config_version bumped, the change published), waits for the gateway's
# snapshot; 1 (noted) when it was not installed
switch_aliases() { # aliases
  local A=$1 mark
  say "  -> $A aliases: $(helper aliases "$PROVIDER" "$REAL_MODEL" "$A")"
  mark=$(log_mark)
  say "  $(helper publish routes)"
  CURRENT_ALIASES=$A
  if ! wait_snapshot "$A" "$mark"; then
    note "$K keys, $A aliases: no snapshot with $A bench aliases installed within ${SNAPSHOT_WAIT}s: $(log_since "$mark" | grep -aE 'snapshot|ERROR|OutOfMemory|Exception' | tail -3 | tr '\n' ' ')"
    ours "$(pid_of routing)" || note "$K keys, $A aliases: routing-service died: $(grep -a 'Terminating due to' "$STACK/logs/routing.log" | tail -1)"
    record "$A" "$K" snapshot_failed 1
    return 1
  fi
  record "$A" "$K" snapshot_s "$SNAPSHOT_S"
  say "  snapshot of $A aliases installed ${SNAPSHOT_S}s after the change was published"
}

# one case's figures from its rounds (R_* of the key count) and its probe (live principals meters committed rss)
case_figures() { # aliases keys
  local A=$1 K=$2 cpu median_round n=${R_N[$1]:-0} out
  read -r cpu median_round < <(printf '%s' "${R_ROUNDS[$A]}" | sort -g | awk 'NF {l[++n] = $0} END {print l[int((n + 1) / 2)]}')
  out=$(cat "$RUN/raw/measure-$A-$K-$median_round.txt" 2>/dev/null || true)
  note "$A aliases, $K keys: CPU per request by round: $(printf '%s' "${R_ROUNDS[$A]}" | sort -k2 -n | awk 'NF {printf "%s%s µs", (n++ ? " / " : ""), $1}') (median reported, with that round's requests/s and latency)${R_WARM[$A]:+; warm-up cycle(s), not counted: ${R_WARM[$A]}}"
  record "$A" "$K" cpu_us "$cpu"
  record "$A" "$K" rps "$(wrk_rps "$out")"
  record "$A" "$K" p50_us "$(wrk_pct_us "$out" 50%)"
  record "$A" "$K" requests "$n"
  record "$A" "$K" bad "${R_BAD[$A]:-0}"
  record "$A" "$K" lookups "${R_LOOK[$A]:-0}"
  record "$A" "$K" calls "${R_CALLS[$A]:-0}"
  record "$A" "$K" hit_pct "$(awk -v l="${R_LOOK[$A]:-0}" -v n="$n" 'BEGIN {printf "%.1f", (n > 0) ? 100 * (1 - l / n) : 0}')"
  record "$A" "$K" folded "$(metric nexus_metrics_aliases_folded_total)"
  record "$A" "$K" live_mb "$(awk -v b="$live" 'BEGIN {printf "%.1f", b / 1048576}')"
  record "$A" "$K" committed_mb "$(awk -v k="$committed" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$A" "$K" rss_mb "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$A" "$K" principals "$principals"
  record "$A" "$K" meters "$meters"
  [ "${R_BAD[$A]:-0}" -gt 0 ] && note "$A aliases, $K keys: answers other than 200 in the measured rounds: ${R_OUT[$A]:-socket errors}"
  say "  $A aliases, $K keys: CPU $cpu µs/request (median round $median_round), non-200 ${R_BAD[$A]:-0}, keys looked up ${R_LOOK[$A]:-0} in ${R_CALLS[$A]:-0} auth-service calls, live heap $((live / 1048576)) MB, principals $principals, meters $meters, RSS $((rss / 1024)) MB"
  return 0
}

late() { [ -n "$RUN_UNTIL" ] && [ "$(date +%s)" -ge "$RUN_UNTIL" ]; }
for K in $KEYS; do
  if late; then note "$K keys: not run (RUN_UNTIL reached)"; continue; fi
  say "== $K keys: seeding ..."
  say "  $(helper keys "$TENANT" "$K")"
  say "  $(helper aliases "$PROVIDER" "$REAL_MODEL" "$FIRST_ALIASES")"
  SEEDED=1
  say "  $(helper publish keys)"
  CURRENT_ALIASES=$FIRST_ALIASES
  ensure_routing
  mark=$(log_mark)
  # the snapshot the gateway kept on disk may be one of 100,000 aliases from the previous key count: it would load
  # it at its start; it pulls the current one (and keeps it) anyway
  rm -f "$STACK/gateway-routes.json"
  restart_gateway "$RUN/gateway-gc-$K.log"
  if ! wait_snapshot "$CURRENT_ALIASES" "$mark"; then
    note "$K keys: the restarted gateway did not install a snapshot with $CURRENT_ALIASES bench aliases: $(log_since "$mark" | grep -aE 'snapshot|ERROR|OutOfMemory' | tail -3 | tr '\n' ' ')"
    continue
  fi
  a0=$(auth_lookups); l0=$(gw_lookups); t0=$(ticks "$GW")
  say "  key pass: every one of the $K keys once (at most ${KEY_PASS_MAX}s) ..."
  seq_pass "keys-$K" "$K" "$CURRENT_ALIASES" "$K" "$KEY_PASS_MAX"
  a1=$(auth_lookups); l1=$(gw_lookups); t1=$(ticks "$GW")
  record "$FIRST_ALIASES" "$K" key_pass_requests "$PASS_SENT"
  record "$FIRST_ALIASES" "$K" key_pass_s "$PASS_S"
  record "$FIRST_ALIASES" "$K" key_pass_lookups $((l1 - l0))
  record "$FIRST_ALIASES" "$K" key_pass_calls $((a1 - a0))
  note "$K keys: key pass $PASS_SENT requests sent, $PASS_N answered in ${PASS_S}s ($(awk -v n="$PASS_N" -v s="$PASS_S" 'BEGIN {printf "%.0f", n / s}')/s), $((l1 - l0)) keys looked up in $((a1 - a0)) auth-service calls, gateway CPU $(cpu_us_per $((t1 - t0)) "$PASS_N") µs a request, keys cached $(metric nexus_key_cache_entries), answers other than 200: $(statuses "$PASS_OUT")"
  say "  JIT warm-up ($JIT_WARMUP, random keys and aliases) ..."
  wrk_pass "jit-$K" "$K" "$CURRENT_ALIASES" random "$CONNS" "$JIT_WARMUP" >/dev/null
  # every alias count installed once, in ascending order, with its alias pass (the first use of each alias)
  declare -A OK=() R_ROUNDS=() R_WARM=() R_N=() R_BAD=() R_LOOK=() R_CALLS=() R_OUT=()
  for A in $ALIASES; do
    if late; then note "$K keys, $A aliases: not run (RUN_UNTIL reached)"; continue; fi
    gw_alive || { note "$K keys, $A aliases: the gateway is not running (see $RUN/gateway-$K.log)"; break; }
    if [ "$A" != "$CURRENT_ALIASES" ]; then
      switch_aliases "$A" || continue
      seq_pass "aliases-$A-$K" "$K" "$A" "$A" "$ALIAS_PASS_MAX"
      say "  alias pass: $PASS_SENT requests in ${PASS_S}s, answers other than 200: $(statuses "$PASS_OUT")"
      [ "$(statuses "$PASS_OUT")" != none ] && note "$K keys, $A aliases: alias pass answers other than 200: $(statuses "$PASS_OUT")"
    fi
    OK[$A]=1
  done
  # measured: $MEASURE_ROUNDS cycles over the alias counts, one round of each per cycle (the catalogue switched
  # between rounds as above, no alias pass), so that a slow spell of the machine falls on every case alike instead
  # of deciding one case's figure alone
  died=0
  for r in $(seq $((1 - WARM_ROUNDS)) "$MEASURE_ROUNDS"); do
    for A in $ALIASES; do
      [ -n "${OK[$A]:-}" ] || continue
      late && { note "$K keys, $A aliases: round $r not run (RUN_UNTIL reached)"; continue; }
      if [ "$A" != "$CURRENT_ALIASES" ]; then
        switch_aliases "$A" || { unset "OK[$A]"; continue; }
        # the aliases removed by the switch before came back as new deployments (new targets): their first use
        # (a target's health and breaker) is not what a round measures
        seq_pass "aliases-$A-$K-$r" "$K" "$A" "$A" "$ALIAS_PASS_MAX"
      fi
      gw_alive || { died=1; break 2; }
      say "== $A aliases, $K keys: $([ "$r" -le 0 ] && echo "warm-up cycle $((r + WARM_ROUNDS)) of $WARM_ROUNDS" || echo "round $r of $MEASURE_ROUNDS") ($DURATION at c=$CONNS) ..."
      [ "${PROFILE:-0}" = 1 ] && "$JCMD" "$GW" JFR.start name=round settings="${PROFILE_SETTINGS:-profile}" >/dev/null
      sleep "$GAP"
      a0=$(auth_lookups); l0=$(gw_lookups); t0=$(ticks "$GW")
      out=$(wrk_pass "measure-$A-$K-$r" "$K" "$A" random "$CONNS" "$DURATION")
      gw_alive || { died=1; break 2; }
      t1=$(ticks "$GW"); a1=$(auth_lookups); l1=$(gw_lookups); nr=$(wrk_requests "$out")
      [ "${PROFILE:-0}" = 1 ] && "$JCMD" "$GW" JFR.stop name=round filename="$RUN/raw/profile-$A-$K-$r.jfr" >/dev/null
      if [ "$r" -le 0 ]; then # a warm-up cycle: noted, not counted
        R_WARM[$A]+="$(cpu_us_per $((t1 - t0)) "$nr") µs (answers other than 200: $(statuses "$out")) "
        continue
      fi
      R_ROUNDS[$A]+="$(cpu_us_per $((t1 - t0)) "$nr") $r"$'\n'
      R_N[$A]=$(( ${R_N[$A]:-0} + nr )); R_BAD[$A]=$(( ${R_BAD[$A]:-0} + $(bad_count "$out") + $(wrk_errors "$out") ))
      R_LOOK[$A]=$(( ${R_LOOK[$A]:-0} + l1 - l0 )); R_CALLS[$A]=$(( ${R_CALLS[$A]:-0} + a1 - a0 ))
      [ "$(bad_count "$out")" -gt 0 ] && R_OUT[$A]+="round $r: $(statuses "$out"); "
      if [ "$r" = "$MEASURE_ROUNDS" ]; then # the case's last round: its memory, then its figures
        read -r live principals meters committed rss < <(probe "$RUN/raw/probe-$A-$K")
        case_figures "$A" "$K"
      fi
    done
  done
  if [ "$died" = 1 ]; then
    note "$K keys, $CURRENT_ALIASES aliases: the gateway died during the measured rounds: $(grep -aE 'OutOfMemory|Terminating' "$GATEWAY_LOG" | tail -2 | tr '\n' ' ')"
    record "$CURRENT_ALIASES" "$K" died 1
  fi
  note "$K keys: key revalidations (resolve-batch) answered by auth-service so far, by status: $(batch_calls)"
  cp "$GATEWAY_LOG" "$RUN/gateway-$K.log" 2>/dev/null || true
done

ELAPSED=$(( $(date +%s) - STARTED_AT ))
{
  echo "| aliases | keys | **CPU per request** (gateway, 1 core) | ÷ 10 aliases, 100 keys | requests/s | latency p50 | non-200 | key cache hit rate | keys looked up (auth-service calls) | live heap after full GC | heap committed | RSS | cached principals | meters (aliases folded) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F, 'NR > 1 {v[$1 "," $2 "," $3] = $4; if (!(($1 "," $2) in seen)) {seen[$1 "," $2] = 1; order[++n] = $1 "," $2}}
    function g(c, m) {return ((c "," m) in v) ? v[c "," m] : ""}
    function num(x,   s) {x = sprintf("%.0f", x); s = ""; while (length(x) > 3) {s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3)}; return x s}
    END {
      base = ""
      for (i = 1; i <= n; i++) if (g(order[i], "cpu_us") != "") {split(order[i], p, ","); if (base == "" || (p[1] + 0 <= bA && p[2] + 0 <= bK)) {base = g(order[i], "cpu_us"); bA = p[1] + 0; bK = p[2] + 0}}
      for (i = 1; i <= n; i++) {
        c = order[i]; split(c, p, ",")
        if (g(c, "cpu_us") == "") {
          why = (g(c, "snapshot_failed") != "") ? "snapshot not installed" : (g(c, "died") != "") ? "gateway died" : ""
          if (why != "") printf "| %s | %s | %s | | | | | | | | | | | |\n", num(p[1]), num(p[2]), why
          continue
        }
        printf "| %s | %s | %.1f µs | ×%.2f | %s | %s µs | %s | %s %% | %s (%s) | %s MB | %s MB | %s MB | %s | %s (%s) |\n", num(p[1]), num(p[2]),
          g(c, "cpu_us"), g(c, "cpu_us") / base, num(g(c, "rps")), num(g(c, "p50_us")), g(c, "bad"), g(c, "hit_pct"),
          num(g(c, "lookups")), num(g(c, "calls")),
          g(c, "live_mb"), g(c, "committed_mb"), g(c, "rss_mb"), num(g(c, "principals")), num(g(c, "meters")), num(g(c, "folded"))
      }
    }' "$CSV"
  echo
  cat "$NOTES"
  echo
  echo "Run: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); ALIASES=\"$ALIASES\" KEYS=\"$KEYS\" DURATION=$DURATION WARM_ROUNDS=$WARM_ROUNDS MEASURE_ROUNDS=$MEASURE_ROUNDS CONNS=$CONNS; gateway JVM: $(tr '\0' ' ' < "$BENCH_STATE/gateway.orig.cmdline" 2>/dev/null | grep -oE -- '-Xmx[0-9]+[mMgG]' || echo '?') ${GATEWAY_JVM_OPTS:-}; $ELAPSED s."
} > "$RUN/summary.md"
echo
cat "$RUN/summary.md"
echo
echo "(figures: $CSV)"
