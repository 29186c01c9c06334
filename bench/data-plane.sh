#!/usr/bin/env bash
# Data-plane benchmark: the gateway against nginx in front of the same upstream, in one run.
#
#   bench/data-plane.sh [scenario...]          scenarios: warmup nonstream streams ttfb paced held, or all (default)
#   bench/data-plane.sh summary [run dir]      prints the table of a finished run again (default: the latest)
#   NETNS=nxbench bench/data-plane.sh all      the same inside a network namespace of its own (see bench/lib.sh)
#
# nginx (worker_processes 1, keep-alive upstream pool, HTTP/1.1 upstream, no buffering, access log off) and the
# gateway of the local stack (NEXUS_EVENT_LOOPS=1) are both pinned to CPU $PROXY_CPU (1) from their start; the mock
# provider, the rest of the stack and every load generator run on CPU $LOAD_CPU (0). Both proxies forward to the
# same mock provider: nginx is called with the mock's key and the real model ($REAL_MODEL), the gateway with the
# demo app key and the alias ($NEXUS_MODEL) — the same upstream work. The two alternate — nginx, gateway, nginx,
# gateway ... for $ROUNDS rounds — so that drift and noise on this shared machine hit both alike, and every figure
# is reported with its ratio gateway ÷ nginx from the same run. CPU is the proxy process's utime+stime from
# /proc/<pid>/stat over each measured run (nginx: its worker), divided by the requests or streams served.
#
# Scenarios:
#   warmup     restarts the gateway and counts its answers per second for the first $WARMUP_S s (non-streaming,
#              16 connections): time until it reaches 80 % of its steady state (median of the last 10 s)
#   nonstream  non-streaming chat completions, wrk -t1 at $CONNS connections (1 16 64), $DURATION each:
#              requests/s, p50/p99 latency, CPU per request; the gateway's requests all metered (checked)
#   streams    streams back to back, 16 clients (wrk, bench/stream.lua: stream + include_usage, 50 chunks, no
#              delay between chunks, the whole SSE answer read): streams/s, CPU per stream
#   ttfb       time to first byte and to the first content chunk, nginx and gateway alternating request by
#              request ($STREAM_PAIRS pairs after $STREAM_WARMUP): p50 of the per-pair differences
#   paced      streams paced at $PACE_MS ms per chunk (a rule at the mock), 16 clients, $PACED_DURATION each:
#              CPU per stream, stream duration
#   held       $HELD streams held open at once ($HELD_PACE_MS ms per chunk, bench/StreamLoad.java): CPU per
#              stream, RSS while held, and for the gateway the live heap after a full GC with all held and
#              with none held (jcmd GC.class_histogram) — the memory each idle stream holds
#
# Settings: DURATION (10s), ROUNDS (3), CONNS ("1 16 64"), STREAM_CONNS (16), WARMUP_S (30), JIT_WARMUP (15s),
# STREAM_PAIRS (2000), STREAM_WARMUP (1000), PACE_MS (20), PACED_DURATION (20s), HELD (1000), HELD_PACE_MS (400),
# HELD_ROUNDS (2), HELD_RAMP_MS (2000), GAP (2: seconds between runs), and those of bench/lib.sh (NETNS, PROXY_CPU,
# LOAD_CPU, NGINX_PORT, GATEWAY_MAX_IN_FLIGHT, GATEWAY_UPSTREAM_POOL, GATEWAY_JVM_OPTS: extra JVM options of the
# bench gateway, e.g. GATEWAY_JVM_OPTS=-XX:CompileThresholdScaling=0.3 bench/data-plane.sh warmup, KEEP).
# Output: the table on stdout (markdown, for docs/benchmarks.md); target/bench/data-plane-<time>/ keeps
# rounds.csv (every figure of every round), summary.md, warmup.csv, held histograms and the raw outputs.
set -euo pipefail
BENCH_SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=bench/lib.sh
. "$(dirname "$BENCH_SCRIPT")/lib.sh"

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-1 16 64}
STREAM_CONNS=${STREAM_CONNS:-16}
WARMUP_S=${WARMUP_S:-30}
JIT_WARMUP=${JIT_WARMUP:-15s}
STREAM_PAIRS=${STREAM_PAIRS:-2000}
STREAM_WARMUP=${STREAM_WARMUP:-1000}
PACE_MS=${PACE_MS:-20}
PACED_DURATION=${PACED_DURATION:-20s} # ~16 streams/s: long enough for CPU ticks (10 ms) to count
HELD=${HELD:-1000}
HELD_PACE_MS=${HELD_PACE_MS:-400}
HELD_ROUNDS=${HELD_ROUNDS:-2}
HELD_RAMP_MS=${HELD_RAMP_MS:-2000}
GAP=${GAP:-2}
CHUNKS=50

# ---------------------------------------------------------------------------------------------- sub-commands

# _probe <target> <pid> <out file>: run by StreamLoad while the streams are held (and by held() with none held)
if [ "${1:-}" = _probe ]; then
  target=$2 pid=$3 out=$4
  JCMD="$JAVA_HOME/bin/jcmd"
  {
    echo "t0_ticks=$(ticks "$pid")"
    echo "rss_kb=$(rss_kb "$pid")"
    if [ "$target" = gateway ]; then
      "$JCMD" "$pid" GC.class_histogram > "$out.histogram" 2>&1 # a full GC first: live objects only
      # live objects: the total less the fillers the serial collector's full GC leaves in place of dead objects it
      # does not compact away (MarkSweepDeadRatio, up to 5 % of the old generation)
      echo "live_bytes=$(awk '$1 == "Total" {t = $3} /jdk\.internal\.vm\.Filler/ {f += $3} END {print t - f}' "$out.histogram")"
      "$JCMD" "$pid" GC.heap_info | awk '/ total [0-9]+K, used [0-9]+K/ && !/space/ {for (i = 1; i < NF; i++) {
          v = $(i + 1); gsub(/[K,]/, "", v); if ($i == "total") t += v; if ($i == "used") u += v }}
        END {print "heap_used_kb=" u; print "heap_committed_kb=" t}'
    fi
    echo "t1_ticks=$(ticks "$pid")"
  } > "$out"
  exit 0
fi

if [ "${1:-}" = summary ]; then
  dir=${2:-$(ls -d "$BENCH_STATE"/data-plane-* 2>/dev/null | tail -1)}
  [ -f "$dir/rounds.csv" ] || die "no rounds.csv in ${dir:-target/bench}"
  summarize "$dir/rounds.csv"
  [ -f "$dir/notes.md" ] && cat "$dir/notes.md"
  exit 0
fi

# before entering NETNS: a namespace of our own has no route to the package mirror
ensure_tools
bench_netns "$@"

SCENARIOS=${*:-${SCENARIO:-all}}
[ "$SCENARIOS" = all ] && SCENARIOS="warmup nonstream streams ttfb paced held"
for s in $SCENARIOS; do
  case $s in warmup|nonstream|streams|ttfb|paced|held) ;; *) die "unknown scenario '$s' (warmup nonstream streams ttfb paced held all)" ;; esac
done

RUN="$BENCH_STATE/data-plane-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN/raw"
CSV="$RUN/rounds.csv"
NOTES="$RUN/notes.md"
echo "scenario,variant,round,target,metric,value" > "$CSV"
: > "$NOTES"
record() { echo "$1,$2,$3,$4,$5,$6" >> "$CSV"; } # scenario variant round target metric value
note() { echo "$*" >> "$NOTES"; say "$*"; }

cleanup() {
  set +e
  mock_unpace
  nginx_stop
  restore_gateway
  stack_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_up
pin_stack
STARTED_AT=$(date +%s)
say "run directory: $RUN"

# the bench gateway; the warm-up scenario restarts it anyway
if [[ " $SCENARIOS " != *" warmup "* ]]; then ensure_bench_gateway "$RUN/gateway-gc.log"; fi
nginx_start
say "nginx worker pid $NGINX_WORKER on CPU $PROXY_CPU; mock provider, stack and load on CPU $LOAD_CPU"

# one wrk run against a target, CPU of the target's process measured around it -> the round's figures
wrk_round() { # scenario variant round target conns duration lua [timeout]
  local sc=$1 va=$2 r=$3 t=$4 c=$5 d=$6 lua=$7 timeout=${8:-10s} pid out t0 t1 n
  pid=$(target_pid "$t")
  sleep "$GAP"
  t0=$(ticks "$pid")
  out=$(BENCH_KEY=$(target_key "$t") BENCH_MODEL=$(target_model "$t") BENCH_MAX_TOKENS=$CHUNKS \
    taskset -c "$LOAD_CPU" wrk -t1 -c"$c" -d"$d" --timeout "$timeout" --latency -s "$ROOT/bench/$lua" "$(target_url "$t")")
  t1=$(ticks "$pid")
  echo "$out" > "$RUN/raw/$sc-$(tr -c 'a-zA-Z0-9=\n' _ <<<"$va")-$r-$t.txt"
  n=$(wrk_requests "$out")
  record "$sc" "$va" "$r" "$t" rps "$(wrk_rps "$out")"
  record "$sc" "$va" "$r" "$t" p50_us "$(wrk_pct_us "$out" 50%)"
  record "$sc" "$va" "$r" "$t" p99_us "$(wrk_pct_us "$out" 99%)"
  record "$sc" "$va" "$r" "$t" cpu_us "$(cpu_us_per $((t1 - t0)) "$n")"
  record "$sc" "$va" "$r" "$t" bad $(( $(wrk_non2xx "$out") + $(wrk_errors "$out") ))
  record "$sc" "$va" "$r" "$t" requests "$n"
  say "  $sc $va round $r $t: $(wrk_rps "$out") /s, p50 $(awk '$1 == "50%" {print $2}' <<<"$out"), cpu $(cpu_us_per $((t1 - t0)) "$n") µs, non-2xx $(wrk_non2xx "$out"), socket errors $(wrk_errors "$out")"
}

jit_warmup() {
  [ "${WARMED:-0}" = 1 ] && return 0
  say "warming up both proxies ($JIT_WARMUP non-streaming + streams through the gateway) ..."
  local t
  for t in gateway nginx; do
    BENCH_KEY=$(target_key $t) BENCH_MODEL=$(target_model $t) taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"$JIT_WARMUP" \
      -s "$ROOT/bench/chat.lua" "$(target_url $t)" >/dev/null
    BENCH_KEY=$(target_key $t) BENCH_MODEL=$(target_model $t) BENCH_MAX_TOKENS=$CHUNKS taskset -c "$LOAD_CPU" wrk -t1 -c16 \
      -d5s -s "$ROOT/bench/stream.lua" "$(target_url $t)" >/dev/null
  done
  WARMED=1
}

metered() { # requests metering has recorded so far (all tenants)
  curl -s "$NEXUS_METERING_URL/v1/usage?start=2000-01-01" -H "Authorization: Bearer $NEXUS_ADMIN_KEY" \
    | sed -n 's/.*"totals":{[^}]*"requests":\([0-9]*\).*/\1/p'
}

# ---------------------------------------------------------------------------------------------- scenarios

scenario_warmup() {
  say "== warm-up: fresh gateway start, non-streaming at 16 connections for ${WARMUP_S}s"
  restart_gateway "$RUN/gateway-gc.log"
  record warmup "c=16" 1 gateway ready_s "$GW_READY_S"
  local out buckets steady
  out=$(BENCH_KEY=$NEXUS_APP_KEY BENCH_MODEL=$NEXUS_MODEL taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"${WARMUP_S}s" \
    -s "$ROOT/bench/warmup.lua" "$GATEWAY_URL")
  echo "$out" > "$RUN/raw/warmup.txt"
  buckets=$(awk '$1 == "BUCKETS" {$1 = ""; print}' <<<"$out" | cut -d' ' -f2-$((WARMUP_S + 1)))
  echo "second,responses" > "$RUN/warmup.csv"
  awk '{for (i = 1; i <= NF; i++) print i "," $i}' <<<"$buckets" >> "$RUN/warmup.csv"
  read -r steady first t80 stays < <(awk -v n="$WARMUP_S" '{
      last = (NF < 10) ? NF : 10; m = 0
      for (i = NF - last + 1; i <= NF; i++) a[++m] = $i
      for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      s = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
      t = -1; for (i = 1; i <= NF; i++) if ($i >= 0.8 * s) { t = i; break }
      st = NF; for (i = NF; i >= 1; i--) { if ($i < 0.8 * s) break; st = i }
      print s, $1, t, st }' <<<"$buckets")
  record warmup "c=16" 1 gateway first_rps "$first"
  record warmup "c=16" 1 gateway steady_rps "$steady"
  record warmup "c=16" 1 gateway t80_s "$t80"
  record warmup "c=16" 1 gateway t80_stays_s "$stays"
  record warmup "c=16" 1 gateway bad $(( $(wrk_non2xx "$out") + $(wrk_errors "$out") ))
  note "Warm-up curve (gateway answers per second after a fresh start, ready in ${GW_READY_S} s): $buckets"
  WARMED=0
}

scenario_nonstream() {
  jit_warmup
  local c r t m0 m1 served=0 i
  m0=$(metered)
  for i in $(seq 1 60); do sleep 1; m1=$(metered); [ "$m1" = "$m0" ] && break; m0=$m1; done # metering caught up
  for c in $CONNS; do
    say "== non-streaming, $c connection(s), $ROUNDS rounds of $DURATION per proxy"
    for r in $(seq 1 "$ROUNDS"); do
      for t in nginx gateway; do
        wrk_round nonstream "c=$c" "$r" "$t" "$c" "$DURATION" chat.lua
        [ "$t" = gateway ] && served=$((served + $(tail -1 "$CSV" | cut -d, -f6)))
      done
    done
  done
  for i in $(seq 1 60); do m1=$(metered); [ "$((m1 - m0))" -ge "$served" ] && break; sleep 1; done
  note "Non-streaming: the gateway served $served requests in the measured runs; metering recorded $((m1 - m0)) in that time."
}

scenario_streams() {
  jit_warmup
  local r t
  say "== streams back to back ($CHUNKS chunks, no delay), $STREAM_CONNS clients, $ROUNDS rounds of $DURATION"
  for r in $(seq 1 "$ROUNDS"); do
    for t in nginx gateway; do wrk_round streams "c=$STREAM_CONNS" "$r" "$t" "$STREAM_CONNS" "$DURATION" stream.lua; done
  done
}

scenario_paced() {
  jit_warmup
  local r t
  say "== streams paced at $PACE_MS ms per chunk ($CHUNKS chunks), $STREAM_CONNS clients, $ROUNDS rounds of $PACED_DURATION"
  mock_pace "$PACE_MS"
  for r in $(seq 1 "$ROUNDS"); do
    for t in nginx gateway; do wrk_round paced "c=$STREAM_CONNS ${PACE_MS}ms/chunk" "$r" "$t" "$STREAM_CONNS" "$PACED_DURATION" stream.lua 60s; done
  done
  mock_unpace
}

scenario_ttfb() {
  jit_warmup
  say "== stream TTFB: nginx and gateway alternating, $STREAM_PAIRS pairs after $STREAM_WARMUP"
  local out k v va="$STREAM_PAIRS pairs"
  out=$(taskset -c "$LOAD_CPU" "$JAVA" "$ROOT/bench/StreamTtfb.java" "$STREAM_PAIRS" "$STREAM_WARMUP" "$CHUNKS" \
    nginx "$NGINX_URL" "$MOCK_API_KEY" "$REAL_MODEL" gateway "$GATEWAY_URL" "$NEXUS_APP_KEY" "$NEXUS_MODEL")
  echo "$out" > "$RUN/raw/ttfb.txt"
  for kv in $out; do
    k=${kv%%=*} v=${kv#*=}
    case $k in
      nginx_p50_us|gateway_p50_us) record ttfb "$va" 1 "${k%%_*}" ttfb_p50_us "$v" ;;
      nginx_p99_us|gateway_p99_us) record ttfb "$va" 1 "${k%%_*}" ttfb_p99_us "$v" ;;
      nginx_content_p50_us|gateway_content_p50_us) record ttfb "$va" 1 "${k%%_*}" content_p50_us "$v" ;;
      nginx_content_p99_us|gateway_content_p99_us) record ttfb "$va" 1 "${k%%_*}" content_p99_us "$v" ;;
      overhead_p50_us|overhead_content_p50_us) record ttfb "$va" 1 diff "$k" "$v" ;;
    esac
  done
  say "  $out"
}

scenario_held() {
  jit_warmup
  local r t pid va="$HELD at ${HELD_PACE_MS}ms/chunk" f out t0 t1 n bad
  say "== $HELD held streams ($CHUNKS chunks at $HELD_PACE_MS ms), $HELD_ROUNDS rounds"
  mock_pace "$HELD_PACE_MS"
  for r in $(seq 1 "$HELD_ROUNDS"); do
    for t in nginx gateway; do
      pid=$(target_pid "$t")
      f="$RUN/raw/held-$r-$t"
      sleep "$GAP"
      "$BENCH_SCRIPT" _probe "$t" "$pid" "$f.idle"
      t0=$(ticks "$pid")
      out=$(taskset -c "$LOAD_CPU" "$JAVA" "$ROOT/bench/StreamLoad.java" held --url "$(target_url "$t")" \
        --key "$(target_key "$t")" --model "$(target_model "$t")" --max-tokens "$CHUNKS" --streams "$HELD" \
        --ramp-ms "$HELD_RAMP_MS" --on-held "'$BENCH_SCRIPT' _probe $t $pid '$f.held'")
      t1=$(ticks "$pid")
      echo "$out" > "$f.txt"
      sleep 1
      "$BENCH_SCRIPT" _probe "$t" "$pid" "$f.after"
      at_idle() { sed -n "s/^$1=//p" "$f.idle"; }
      at_held() { sed -n "s/^$1=//p" "$f.held"; }
      at_after() { sed -n "s/^$1=//p" "$f.after"; }
      n=$(sed -n 's/^RESULT.* complete=\([0-9]*\).*/\1/p' <<<"$out")
      bad=$(sed -n 's/^RESULT.* incomplete=\([0-9]*\) aborted=[0-9]* non200=\([0-9]*\) failed=\([0-9]*\).*/\1 \2 \3/p' <<<"$out" | awk '{print $1 + $2 + $3}')
      # the probe's own CPU (a full GC for the gateway) is left out: ticks over the run minus ticks during the probe
      record held "$va" "$r" "$t" cpu_us "$(cpu_us_per $(( (t1 - t0) - ($(at_held t1_ticks) - $(at_held t0_ticks)) )) "$HELD")"
      record held "$va" "$r" "$t" rss_idle_mb "$(awk -v k="$(at_idle rss_kb)" 'BEGIN {print k / 1024}')"
      record held "$va" "$r" "$t" rss_held_mb "$(awk -v k="$(at_held rss_kb)" 'BEGIN {print k / 1024}')"
      record held "$va" "$r" "$t" rss_per_stream_kb "$(awk -v a="$(at_idle rss_kb)" -v b="$(at_held rss_kb)" -v n="$HELD" 'BEGIN {print (b - a) / n}')"
      if [ "$t" = gateway ]; then
        record held "$va" "$r" "$t" live_idle_mb "$(awk -v b="$(at_idle live_bytes)" 'BEGIN {print b / 1048576}')"
        record held "$va" "$r" "$t" live_held_mb "$(awk -v b="$(at_held live_bytes)" 'BEGIN {print b / 1048576}')"
        record held "$va" "$r" "$t" live_per_stream_kb "$(awk -v a="$(at_idle live_bytes)" -v b="$(at_held live_bytes)" -v n="$HELD" 'BEGIN {print (b - a) / n / 1024}')"
        record held "$va" "$r" "$t" live_after_mb "$(awk -v b="$(at_after live_bytes)" 'BEGIN {print b / 1048576}')"
      fi
      record held "$va" "$r" "$t" bad "$bad"
      say "  held round $r $t: $(grep -E '^(HELD|PROBE|RESULT)' <<<"$out" | tr '\n' ' ')"
      grep -q 'open_after_probe=0 ' <<<"$out" && note "Held streams, round $r, $t: every stream had ended before the probe finished: raise HELD_PACE_MS."
    done
  done
  mock_unpace
  # what a held stream keeps on the gateway's heap: the classes that grew most between 0 and all held (last round)
  f="$RUN/raw/held-$HELD_ROUNDS-gateway"
  if [ -f "$f.idle.histogram" ] && [ -f "$f.held.histogram" ]; then
    {
      echo
      echo "Gateway heap with $HELD streams held minus none held (last round, live objects, jcmd GC.class_histogram), largest growth:"
      echo
      echo "| class | instances | bytes per held stream |"
      echo "|---|---|---|"
      awk -v n="$HELD" 'FNR == NR && $1 ~ /^[0-9]+:$/ {i0[$4] = $2; b0[$4] = $3; next}
        $1 ~ /^[0-9]+:$/ && $4 !~ /jdk\.internal\.vm\.Filler/ {d = $3 - b0[$4]; if (d > 0) print d, $2 - i0[$4], $4}' "$f.idle.histogram" "$f.held.histogram" \
        | sort -rn | head -12 | awk -v n="$HELD" '{printf "| %s | %+d | %.0f |\n", $3, $2, $1 / n}'
    } >> "$NOTES"
  fi
}

for s in $SCENARIOS; do "scenario_$s"; done

ELAPSED=$(( $(date +%s) - STARTED_AT ))
note ""
note "Run: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); scenarios: $SCENARIOS; DURATION=$DURATION ROUNDS=$ROUNDS; $ELAPSED s."
summarize "$CSV" > "$RUN/summary.md"
cat "$NOTES" >> "$RUN/summary.md"
echo
cat "$RUN/summary.md"
echo
echo "(figures of every round: $CSV)"
