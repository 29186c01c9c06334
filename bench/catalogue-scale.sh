#!/usr/bin/env bash
# Catalogue scale (issue 15): the gateway's CPU per request with 10 / 1,000 / 100,000 aliases configured and
# 100 / 10,000 / 1,000,000 app keys in use, each case as a ratio to the smallest (10 aliases, 100 keys).
#
# The local stack (deploy/local/nexus up, or the one running) gets the keys and aliases seeded straight into its
# control-plane database by bench/Catalogue.java (generate_series, sha256(); deterministic keys that
# bench/catalogue.lua computes itself), every alias one route to the demo provider's real model.
# The run has one phase per count of keys held ($HELD, ascending; by default only the largest of $KEYS). Per phase
# H keys are seeded and the gateway is restarted as bench/data-plane.sh does it (pinned to CPU $PROXY_CPU, one event
# loop, the stack's heap unless GATEWAY_JVM_OPTS says otherwise), so that its principal cache starts empty; then:
#   key pass      every one of the H keys once, in order (c=$WARMUP_CONNS), at most $KEY_PASS_MAX s: each new key
#                 costs the gateway one auth-service lookup, after which it is answered from its cache (H keys held)
#   JIT warm-up   $JIT_WARMUP of random keys and aliases (c=$CONNS)
#   idle          $IDLE without requests: the gateway's CPU then is what holding H keys costs by itself (their
#                 periodic revalidation with auth-service, timers, GC), and the revalidation calls it made
# and per alias count (ascending; aliases are added, config_version bumped and a ROUTES change published on the
# config channel as admin-service does; the gateway pulls the new snapshot from routing-service):
#   alias pass    every alias once (c=$WARMUP_CONNS), at most $ALIAS_PASS_MAX s (the gateway's per-alias meters)
# then the measured rounds, interleaved over every case of the phase: alias count × key count in use (those of
# $KEYS not above H; a round with K keys in use spreads its requests over the first K of the keys held).
# $WARM_ROUNDS warm-up cycles (run as the others, their figures noted but not counted: the first cycle after a
# restart and key pass runs on a JIT still compiling the paths it had not taken) and $MEASURE_ROUNDS measured
# cycles; a cycle goes over the alias counts (the catalogue switched to each first, aliases added or removed the same
# way, then an alias pass again: removed aliases come back as new deployments, whose first use is not measured) and
# per alias count runs one round of $DURATION at c=$CONNS per key count in use, their order rotated from one cycle to
# the next. Key and alias are drawn uniformly at random per request. So a slow spell of the shared machine falls on
# every case alike rather than on one case's rounds, and every round has a round of the phase's smallest case in the
# same cycle to be divided by: the "cycle by cycle" ratio is the median of those quotients. Per case the round with
# the median CPU is reported (every round's in the notes): gateway CPU (utime+stime of /proc/<pid>/stat) per
# request, requests/s, answers other than 200, keys the gateway looked up (nexus_key_cache_lookups_total: its cache
# misses; the hit rate is 1 - lookups / requests) and the auth-service calls they took (its http_server_requests
# count of /internal/v1/keys/resolve and resolve-batch), aliases folded into model="other"
# (nexus_metrics_aliases_folded_total); after an alias count's last rounds, the gateway's live heap after a full GC
# (jcmd GC.class_histogram), RSS, and the number of cached principals and meters (instances of
# io.nexusai.api.auth.Principal and of Micrometer's Meter$Id in that histogram).
# A case whose snapshot the gateway did not install within $SNAPSHOT_WAIT s, or whose gateway died, is reported
# as such with the log lines that say why.
#
# At the end every seeded key and alias is deleted, config_version bumped and the changes published, and the
# gateway put back as it was (or the stack stopped, if this script started it).
#
# Settings (environment): ALIASES ("10 1000 100000"), KEYS ("100 10000 1000000": key counts in use), HELD (the
# largest of KEYS: key counts held, one phase each; e.g. "100 1000000" adds a phase in which only 100 keys are held),
# DURATION (10s), MEASURE_ROUNDS (3), WARM_ROUNDS (0), CONNS (16), WARMUP_CONNS (64), JIT_WARMUP (15s), IDLE (60s; 0:
# none), KEY_PASS_MAX (360), ALIAS_PASS_MAX (120), SNAPSHOT_WAIT (120), GAP (2),
# RUN_UNTIL (epoch seconds after which no new case begins; for a run that must end in time), PROFILE (1: a JFR
# recording of the gateway over each measured round, $RUN/raw/profile-<aliases>-<keys>-<held>-<round>.jfr; its
# figures then include the recorder's own cost, and the gateway runs with -XX:+DebugNonSafepoints; PROFILE_SETTINGS: the recording's settings, "profile" or a .jfc
# file, e.g. one of `jfr configure --input profile method-profiling=max` for a sample every millisecond), and
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
HELD=${HELD:-$(printf '%s\n' $KEYS | sort -n | tail -1)}
IDLE=${IDLE:-60s}
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
# a recording started by jcmd attributes samples by the debug information of code compiled before it started: without
# DebugNonSafepoints (which JFR turns on only when it starts) a sample between safepoints lands on a nearby scope
[ "${PROFILE:-0}" = 1 ] && GATEWAY_JVM_OPTS="${GATEWAY_JVM_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints"

test_support_cp

RUN="$BENCH_STATE/catalogue-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN/raw"
CSV="$RUN/cases.csv"
NOTES="$RUN/notes.md"
echo "aliases,keys,held,metric,value" > "$CSV"
: > "$NOTES"
record() { echo "$1,$2,$3,$4,$5" >> "$CSV"; } # aliases keys held metric value
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

auth_calls() { # path regex under /internal/v1/keys/ -> calls auth-service has answered there so far (its HTTP
  # server metrics)
  curl -s "$AUTH_METRICS" | awk -v uri="uri=\"/internal/v1/keys/$1\"" '/^http_server_requests_seconds_count\{/ && $0 ~ uri {s += $2} END {printf "%.0f", s}'
}
# resolve and resolve-batch calls; resolve-batch also counts the gateway's periodic revalidation, one call per 1,000
# held keys a minute
auth_lookups() { auth_calls 'resolve(-batch)?'; }
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
    note "$H keys held, $A aliases: no snapshot with $A bench aliases installed within ${SNAPSHOT_WAIT}s: $(log_since "$mark" | grep -aE 'snapshot|ERROR|OutOfMemory|Exception' | tail -3 | tr '\n' ' ')"
    ours "$(pid_of routing)" || note "$H keys held, $A aliases: routing-service died: $(grep -a 'Terminating due to' "$STACK/logs/routing.log" | tail -1)"
    record "$A" "" "$H" snapshot_failed 1
    return 1
  fi
  record "$A" "" "$H" snapshot_s "$SNAPSHOT_S"
  say "  snapshot of $A aliases installed ${SNAPSHOT_S}s after the change was published"
}

median() { sort -g | awk 'NF {l[++n] = $1} END {if (n) print l[int((n + 1) / 2)]}'; }

# one case's figures from its rounds (R_*["aliases,keys"]) and its probe (live principals meters committed rss)
case_figures() { # aliases keys
  local A=$1 K=$2 c="$1,$2" cpu median_round n=${R_N["$1,$2"]:-0} out ratios r
  read -r cpu median_round < <(printf '%s' "${R_ROUNDS[$c]}" | sort -g | awk 'NF {l[++n] = $0} END {print l[int((n + 1) / 2)]}')
  out=$(cat "$RUN/raw/measure-$A-$K-$H-$median_round.txt" 2>/dev/null || true)
  # cycle by cycle: each round over the smallest case's round of the same cycle, the median of those ratios
  ratios=""
  for r in $(seq 1 "$MEASURE_ROUNDS"); do
    [ -n "${CYC[$c,$r]:-}" ] && [ -n "${CYC[$BASE,$r]:-}" ] && ratios+="$(awk -v a="${CYC[$c,$r]}" -v b="${CYC[$BASE,$r]}" 'BEGIN {if (b > 0) printf "%.3f", a / b}')"$'\n'
  done
  note "$A aliases, $K keys in use ($H held): CPU per request by round: $(printf '%s' "${R_ROUNDS[$c]}" | sort -k2 -n | awk 'NF {printf "%s%s µs", (n++ ? " / " : ""), $1}') (median reported, with that round's requests/s and latency); over the same cycle's round of ${BASE/,/ aliases, } keys: $(printf '%s' "$ratios" | awk 'NF {printf "%s×%.2f", (n++ ? " / " : ""), $1}')${R_WARM[$c]:+; warm-up cycle(s), not counted: ${R_WARM[$c]}}"
  record "$A" "$K" "$H" cpu_us "$cpu"
  record "$A" "$K" "$H" cycle_ratio "$(printf '%s' "$ratios" | median)"
  record "$A" "$K" "$H" rounds "$(printf '%s' "${R_ROUNDS[$c]}" | sort -k2 -n | awk 'NF {printf "%s%s", (n++ ? " / " : ""), $1}')"
  record "$A" "$K" "$H" rps "$(wrk_rps "$out")"
  record "$A" "$K" "$H" p50_us "$(wrk_pct_us "$out" 50%)"
  record "$A" "$K" "$H" requests "$n"
  record "$A" "$K" "$H" bad "${R_BAD[$c]:-0}"
  record "$A" "$K" "$H" lookups "${R_LOOK[$c]:-0}"
  record "$A" "$K" "$H" calls "${R_CALLS[$c]:-0}"
  record "$A" "$K" "$H" hit_pct "$(awk -v l="${R_LOOK[$c]:-0}" -v n="$n" 'BEGIN {printf "%.1f", (n > 0) ? 100 * (1 - l / n) : 0}')"
  record "$A" "$K" "$H" folded "$(metric nexus_metrics_aliases_folded_total)"
  record "$A" "$K" "$H" live_mb "$(awk -v b="$live" 'BEGIN {printf "%.1f", b / 1048576}')"
  record "$A" "$K" "$H" committed_mb "$(awk -v k="$committed" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$A" "$K" "$H" rss_mb "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$A" "$K" "$H" principals "$principals"
  record "$A" "$K" "$H" meters "$meters"
  [ "${R_BAD[$c]:-0}" -gt 0 ] && note "$A aliases, $K keys in use ($H held): answers other than 200 in the measured rounds: ${R_OUT[$c]:-socket errors}"
  say "  $A aliases, $K keys in use ($H held): CPU $cpu µs/request (median round $median_round), non-200 ${R_BAD[$c]:-0}, keys looked up ${R_LOOK[$c]:-0} in ${R_CALLS[$c]:-0} auth-service calls, live heap $((live / 1048576)) MB, principals $principals, meters $meters, RSS $((rss / 1024)) MB"
  return 0
}

# the gateway's CPU while no request comes (what holding $H keys costs by itself: the periodic revalidation of every
# held key, timers, GC), over $IDLE
idle_figures() {
  local t0 t1 a0 a1 s
  [ "$IDLE" = 0 ] && return 0
  s=$(awk -v d="$IDLE" 'BEGIN {print d + 0}')
  say "  idle: ${s}s without requests ..."
  a0=$(auth_calls resolve-batch); t0=$(ticks "$GW")
  sleep "$s"
  t1=$(ticks "$GW"); a1=$(auth_calls resolve-batch)
  record "" "" "$H" idle_cpu_pct "$(awk -v d=$((t1 - t0)) -v c="$CLK_TCK" -v s="$s" 'BEGIN {printf "%.1f", 100 * d / c / s}')"
  note "$H keys held: gateway CPU while idle for ${s}s: $(awk -v d=$((t1 - t0)) -v c="$CLK_TCK" -v s="$s" 'BEGIN {printf "%.1f %% of a core (%.0f ms a second)", 100 * d / c / s, 1000 * d / c / s}'), $((a1 - a0)) key revalidation calls (resolve-batch) answered by auth-service meanwhile"
}

late() { [ -n "$RUN_UNTIL" ] && [ "$(date +%s)" -ge "$RUN_UNTIL" ]; }
for H in $HELD; do
  if late; then note "$H keys held: not run (RUN_UNTIL reached)"; continue; fi
  # the key counts in use measured in this phase: those of $KEYS not above the keys held
  IN_USE=$(for K in $KEYS; do [ "$K" -gt "$H" ] || echo "$K"; done | sort -n | tr '\n' ' ')
  [ -n "$IN_USE" ] || { note "$H keys held: no key count of KEYS ($KEYS) is at most $H"; continue; }
  BASE="$FIRST_ALIASES,${IN_USE%% *}"
  say "== $H keys held (in use: $IN_USE): seeding ..."
  say "  $(helper keys "$TENANT" "$H")"
  say "  $(helper aliases "$PROVIDER" "$REAL_MODEL" "$FIRST_ALIASES")"
  SEEDED=1
  say "  $(helper publish keys)"
  CURRENT_ALIASES=$FIRST_ALIASES
  ensure_routing
  mark=$(log_mark)
  # the snapshot the gateway kept on disk may be one of 100,000 aliases from the previous phase: it would load
  # it at its start; it pulls the current one (and keeps it) anyway
  rm -f "$STACK/gateway-routes.json"
  restart_gateway "$RUN/gateway-gc-$H.log"
  if ! wait_snapshot "$CURRENT_ALIASES" "$mark"; then
    note "$H keys held: the restarted gateway did not install a snapshot with $CURRENT_ALIASES bench aliases: $(log_since "$mark" | grep -aE 'snapshot|ERROR|OutOfMemory' | tail -3 | tr '\n' ' ')"
    continue
  fi
  a0=$(auth_lookups); l0=$(gw_lookups); t0=$(ticks "$GW")
  say "  key pass: every one of the $H keys once (at most ${KEY_PASS_MAX}s) ..."
  seq_pass "keys-$H" "$H" "$CURRENT_ALIASES" "$H" "$KEY_PASS_MAX"
  a1=$(auth_lookups); l1=$(gw_lookups); t1=$(ticks "$GW")
  record "" "" "$H" key_pass_requests "$PASS_SENT"
  record "" "" "$H" key_pass_s "$PASS_S"
  record "" "" "$H" key_pass_lookups $((l1 - l0))
  record "" "" "$H" key_pass_calls $((a1 - a0))
  note "$H keys held: key pass $PASS_SENT requests sent, $PASS_N answered in ${PASS_S}s ($(awk -v n="$PASS_N" -v s="$PASS_S" 'BEGIN {printf "%.0f", n / s}')/s), $((l1 - l0)) keys looked up in $((a1 - a0)) auth-service calls, gateway CPU $(cpu_us_per $((t1 - t0)) "$PASS_N") µs a request, keys cached $(metric nexus_key_cache_entries), answers other than 200: $(statuses "$PASS_OUT")"
  say "  JIT warm-up ($JIT_WARMUP, random keys and aliases) ..."
  wrk_pass "jit-$H" "$H" "$CURRENT_ALIASES" random "$CONNS" "$JIT_WARMUP" >/dev/null
  idle_figures
  # every alias count installed once, in ascending order, with its alias pass (the first use of each alias)
  declare -A OK=() R_ROUNDS=() R_WARM=() R_N=() R_BAD=() R_LOOK=() R_CALLS=() R_OUT=() CYC=()
  for A in $ALIASES; do
    if late; then note "$H keys held, $A aliases: not run (RUN_UNTIL reached)"; continue; fi
    gw_alive || { note "$H keys held, $A aliases: the gateway is not running (see $RUN/gateway-$H.log)"; break; }
    if [ "$A" != "$CURRENT_ALIASES" ]; then
      switch_aliases "$A" || continue
      seq_pass "aliases-$A-$H" "$H" "$A" "$A" "$ALIAS_PASS_MAX"
      say "  alias pass: $PASS_SENT requests in ${PASS_S}s, answers other than 200: $(statuses "$PASS_OUT")"
      [ "$(statuses "$PASS_OUT")" != none ] && note "$H keys held, $A aliases: alias pass answers other than 200: $(statuses "$PASS_OUT")"
    fi
    OK[$A]=1
  done
  # measured: $MEASURE_ROUNDS cycles, each one round of every case (alias count × key count in use): per alias count
  # (ascending, the catalogue switched to it first, no alias pass) one round per key count, their order rotated from
  # one cycle to the next; a slow spell of the machine thus falls on every case alike instead of deciding one case's
  # figure alone, and every case has a round of the smallest case in the same cycle to be compared with
  read -r -a KS <<<"$IN_USE"
  died=0
  for r in $(seq $((1 - WARM_ROUNDS)) "$MEASURE_ROUNDS"); do
    for A in $ALIASES; do
      [ -n "${OK[$A]:-}" ] || continue
      late && { note "$H keys held, $A aliases: round $r not run (RUN_UNTIL reached)"; continue; }
      if [ "$A" != "$CURRENT_ALIASES" ]; then
        switch_aliases "$A" || { unset "OK[$A]"; continue; }
        # the aliases removed by the switch before came back as new deployments (new targets): their first use
        # (a target's health and breaker) is not what a round measures
        seq_pass "aliases-$A-$H-$r" "$H" "$A" "$A" "$ALIAS_PASS_MAX"
      fi
      for i in $(seq 0 $((${#KS[@]} - 1))); do
        K=${KS[$(( (i + r + WARM_ROUNDS) % ${#KS[@]} ))]}; c="$A,$K"
        gw_alive || { died=1; break 3; }
        say "== $A aliases, $K keys in use ($H held): $([ "$r" -le 0 ] && echo "warm-up cycle $((r + WARM_ROUNDS)) of $WARM_ROUNDS" || echo "round $r of $MEASURE_ROUNDS") ($DURATION at c=$CONNS) ..."
        [ "${PROFILE:-0}" = 1 ] && "$JCMD" "$GW" JFR.start name=round settings="${PROFILE_SETTINGS:-profile}" >/dev/null
        sleep "$GAP"
        a0=$(auth_lookups); l0=$(gw_lookups); t0=$(ticks "$GW")
        out=$(wrk_pass "measure-$A-$K-$H-$r" "$K" "$A" random "$CONNS" "$DURATION")
        gw_alive || { died=1; break 3; }
        t1=$(ticks "$GW"); a1=$(auth_lookups); l1=$(gw_lookups); nr=$(wrk_requests "$out")
        [ "${PROFILE:-0}" = 1 ] && "$JCMD" "$GW" JFR.stop name=round filename="$RUN/raw/profile-$A-$K-$H-$r.jfr" >/dev/null
        if [ "$r" -le 0 ]; then # a warm-up cycle: noted, not counted
          R_WARM[$c]+="$(cpu_us_per $((t1 - t0)) "$nr") µs (answers other than 200: $(statuses "$out")) "
          continue
        fi
        CYC[$c,$r]=$(cpu_us_per $((t1 - t0)) "$nr")
        R_ROUNDS[$c]+="${CYC[$c,$r]} $r"$'\n'
        R_N[$c]=$(( ${R_N[$c]:-0} + nr )); R_BAD[$c]=$(( ${R_BAD[$c]:-0} + $(bad_count "$out") + $(wrk_errors "$out") ))
        R_LOOK[$c]=$(( ${R_LOOK[$c]:-0} + l1 - l0 )); R_CALLS[$c]=$(( ${R_CALLS[$c]:-0} + a1 - a0 ))
        [ "$(bad_count "$out")" -gt 0 ] && R_OUT[$c]+="round $r: $(statuses "$out"); "
      done
      if [ "$r" = "$MEASURE_ROUNDS" ]; then # the alias count's last rounds: its memory, then its cases' figures
        read -r live principals meters committed rss < <(probe "$RUN/raw/probe-$A-$H")
        for K in "${KS[@]}"; do [ -n "${R_ROUNDS[$A,$K]:-}" ] && case_figures "$A" "$K"; done
      fi
    done
  done
  if [ "$died" = 1 ]; then
    note "$H keys held, $CURRENT_ALIASES aliases: the gateway died during the measured rounds: $(grep -aE 'OutOfMemory|Terminating' "$GATEWAY_LOG" | tail -2 | tr '\n' ' ')"
    record "$CURRENT_ALIASES" "" "$H" died 1
  fi
  note "$H keys held: key revalidations (resolve-batch) answered by auth-service so far, by status: $(batch_calls)"
  cp "$GATEWAY_LOG" "$RUN/gateway-$H.log" 2>/dev/null || true
done

ELAPSED=$(( $(date +%s) - STARTED_AT ))
{
  echo "| aliases | app keys in use | keys held | **CPU per request** (gateway, 1 core; median round) | ÷ smallest case, cycle by cycle (median) | ÷ smallest case (medians) | the rounds (cycles 1–$MEASURE_ROUNDS) | requests/s | latency p50 | non-200 | key cache hit rate | keys looked up (auth-service calls) | live heap after full GC | heap committed | RSS | cached principals | meters (aliases folded) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F, 'NR > 1 {c = $1 "," $2 "," $3; v[c "," $4] = $5; if ($1 != "" && $2 != "" && !(c in seen)) {seen[c] = 1; order[++n] = c}}
    function g(c, m) {return ((c "," m) in v) ? v[c "," m] : ""}
    function num(x,   s) {x = sprintf("%.0f", x); s = ""; while (length(x) > 3) {s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3)}; return x s}
    END {
      # the smallest case of each phase (keys held)
      for (i = 1; i <= n; i++) if (g(order[i], "cpu_us") != "") {split(order[i], p, ","); h = p[3]
        if (!(h in base) || (p[1] + 0 <= bA[h] && p[2] + 0 <= bK[h])) {base[h] = g(order[i], "cpu_us"); bA[h] = p[1] + 0; bK[h] = p[2] + 0}}
      for (i = 1; i <= n; i++) {
        c = order[i]; split(c, p, ",")
        if (g(c, "cpu_us") == "") continue
        printf "| %s | %s | %s | %.1f µs | ×%.2f | ×%.2f | %s | %s | %s µs | %s | %s %% | %s (%s) | %s MB | %s MB | %s MB | %s | %s (%s) |\n", num(p[1]), num(p[2]), num(p[3]),
          g(c, "cpu_us"), g(c, "cycle_ratio"), g(c, "cpu_us") / base[p[3]], g(c, "rounds"), num(g(c, "rps")), num(g(c, "p50_us")), g(c, "bad"), g(c, "hit_pct"),
          num(g(c, "lookups")), num(g(c, "calls")),
          g(c, "live_mb"), g(c, "committed_mb"), g(c, "rss_mb"), num(g(c, "principals")), num(g(c, "meters")), num(g(c, "folded"))
      }
    }' "$CSV"
  echo
  cat "$NOTES"
  echo
  echo "Run: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); ALIASES=\"$ALIASES\" KEYS=\"$KEYS\" HELD=\"$HELD\" DURATION=$DURATION WARM_ROUNDS=$WARM_ROUNDS MEASURE_ROUNDS=$MEASURE_ROUNDS CONNS=$CONNS IDLE=$IDLE; gateway JVM: $(tr '\0' ' ' < "$BENCH_STATE/gateway.orig.cmdline" 2>/dev/null | grep -oE -- '-Xmx[0-9]+[mMgG]' || echo '?') ${GATEWAY_JVM_OPTS:-}; $ELAPSED s."
} > "$RUN/summary.md"
echo
cat "$RUN/summary.md"
echo
echo "(figures: $CSV)"
