#!/usr/bin/env bash
# Soak of the gateway: $DURATION (30m) of mixed traffic, sampled every $SAMPLE_S (10) seconds, to see whether memory
# or the in-flight gauges creep.
#
#   bench/soak.sh                       30 minutes
#   DURATION=2m bench/soak.sh           a short check
#   NETNS=nxbench bench/soak.sh         inside a network namespace of its own (see bench/lib.sh)
#
# The gateway of the local stack is restarted for the soak (fresh JVM, pinned to CPU $PROXY_CPU, NEXUS_EVENT_LOOPS=1,
# a GC log); the mock provider, the rest of the stack and the load run on CPU $LOAD_CPU. Load, for $DURATION:
#   - wrk, non-streaming chat completions on $SOAK_CONNS (8) connections, as fast as they go;
#   - bench/StreamLoad.java soak: $SOAK_STREAMS (8) clients streaming back to back (stream + include_usage, 50 chunks
#     paced at $SOAK_PACE_MS (20) ms by a rule at the mock: ~1 s each), every $ABORT_EVERY-th (10th) stream abandoned
#     by its client after $ABORT_AFTER (5) chunks (socket closed).
# Every $SAMPLE_S seconds: the gateway's RSS (VmRSS), heap after the last GC (from its GC log), the live heap after
# a full GC forced with jcmd GC.run (at the first sample, then every $FULL_GC_EVERY (60) seconds; 0 = never; the
# column is empty in between), nexus_requests_in_flight and nexus_active_streams,
# requests/s and non-2xx/s (from nexus_requests_total), and its CPU use.
# Output: target/bench/soak-<time>/soak.csv and a report: least-squares slopes per hour of RSS, of heap after GC and
# of the live heap (over the samples after the first $SLOPE_FROM seconds, default a sixth of the run: class loading,
# JIT and pools filling up are not a leak), and the gauges once the load has stopped (they must return to 0).
set -euo pipefail
BENCH_SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=bench/lib.sh
. "$(dirname "$BENCH_SCRIPT")/lib.sh"

DURATION=${DURATION:-30m}
SAMPLE_S=${SAMPLE_S:-10}
SOAK_CONNS=${SOAK_CONNS:-8}
SOAK_STREAMS=${SOAK_STREAMS:-8}
SOAK_PACE_MS=${SOAK_PACE_MS:-20}
ABORT_EVERY=${ABORT_EVERY:-10}
ABORT_AFTER=${ABORT_AFTER:-5}
FULL_GC_EVERY=${FULL_GC_EVERY:-60}

seconds() { # 90, 90s, 30m, 1h -> seconds
  case $1 in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
SECS=$(seconds "$DURATION")
SLOPE_FROM=${SLOPE_FROM:-$((SECS / 6))}

# before entering NETNS: a namespace of our own has no route to the package mirror
ensure_tools
bench_netns "$@"
RUN="$BENCH_STATE/soak-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
CSV="$RUN/soak.csv"
GCLOG="$RUN/gateway-gc.log"
WRK_PID="" LOAD_PID=""

cleanup() {
  set +e
  for p in $WRK_PID $LOAD_PID; do kill "$p" 2>/dev/null; done
  mock_unpace
  restore_gateway
  stack_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_up
pin_stack
restart_gateway "$GCLOG"
mock_pace "$SOAK_PACE_MS"

gc_after() { # Pause|Pause Full -> heap in MB after the last such GC in the gateway's GC log
  grep -h "$1" "$GCLOG"* 2>/dev/null | tail -1 \
    | sed -n 's/.*->\([0-9.]*\)\([KMG]\)(.*/\1 \2/p' \
    | awk '{v = $1; if ($2 == "K") v /= 1024; if ($2 == "G") v *= 1024; printf "%.1f", v}'
}
scrape() { curl -s "$GATEWAY_METRICS"; }
gauge() { awk -v m="$1" '$1 == m {printf "%.0f", $2}' <<<"$2"; }
requests_by() { # metrics -> "total non2xx" of nexus_requests_total
  awk '/^nexus_requests_total\{/ {t += $2; if ($0 !~ /status="2/) b += $2} END {printf "%.0f %.0f\n", t, b}' <<<"$1"
}

say "soak: $DURATION, wrk $SOAK_CONNS connections non-streaming + $SOAK_STREAMS streaming clients (${SOAK_PACE_MS} ms/chunk, every ${ABORT_EVERY}th abandoned after $ABORT_AFTER chunks); samples every ${SAMPLE_S}s in $CSV"
echo "t_s,rss_mb,heap_after_gc_mb,live_after_forced_gc_mb,in_flight,active_streams,rps,non2xx_per_s,cpu_pct" > "$CSV"

BENCH_KEY=$NEXUS_APP_KEY BENCH_MODEL=$NEXUS_MODEL taskset -c "$LOAD_CPU" wrk -t1 -c"$SOAK_CONNS" -d"${SECS}s" --timeout 30s \
  --latency -s "$ROOT/bench/chat.lua" "$GATEWAY_URL" > "$RUN/wrk.txt" 2>&1 &
WRK_PID=$!
taskset -c "$LOAD_CPU" "$JAVA" "$ROOT/bench/StreamLoad.java" soak --url "$GATEWAY_URL" --key "$NEXUS_APP_KEY" \
  --model "$NEXUS_MODEL" --concurrency "$SOAK_STREAMS" --duration "$SECS" --abort-every "$ABORT_EVERY" \
  --abort-after "$ABORT_AFTER" --report-every 60 > "$RUN/streams.txt" 2>&1 &
LOAD_PID=$!

t_start=$(date +%s.%N)
m=$(scrape); read -r req0 bad0 < <(requests_by "$m"); tick0=$(ticks "$GW"); t_prev=$t_start
last_gc=-$FULL_GC_EVERY i=0 # a full GC at the first sample, then every FULL_GC_EVERY seconds
while kill -0 "$WRK_PID" 2>/dev/null || kill -0 "$LOAD_PID" 2>/dev/null; do
  i=$((i + 1))
  now=$(date +%s.%N)
  wait_s=$(awk -v s="$t_start" -v n="$now" -v k="$i" -v p="$SAMPLE_S" 'BEGIN {w = s + k * p - n; print (w > 0) ? w : 0}')
  sleep "$wait_s"
  kill -0 "$GW" 2>/dev/null || die "the gateway died during the soak; see $STACK/logs/gateway.log"
  now=$(date +%s.%N)
  t=$(awk -v s="$t_start" -v n="$now" 'BEGIN {printf "%.0f", n - s}')
  m=$(scrape); read -r req bad < <(requests_by "$m"); tick=$(ticks "$GW")
  rss=$(awk -v k="$(rss_kb "$GW")" 'BEGIN {printf "%.1f", k / 1024}')
  after_gc=$(gc_after 'Pause')
  # the forced full GC comes after the other figures of the sample (its own CPU lands in the next interval)
  live=""
  if [ "$FULL_GC_EVERY" -gt 0 ] && [ $((t - last_gc)) -ge "$FULL_GC_EVERY" ]; then
    "$JCMD" "$GW" GC.run >/dev/null 2>&1 || true
    last_gc=$t
    live=$(gc_after 'Pause Full')
  fi
  dt=$(awk -v a="$t_prev" -v b="$now" 'BEGIN {print b - a}')
  printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$t" "$rss" \
    "$after_gc" "$live" "$(gauge nexus_requests_in_flight "$m")" "$(gauge nexus_active_streams "$m")" \
    "$(awk -v a="$req0" -v b="$req" -v d="$dt" 'BEGIN {printf "%.0f", (b - a) / d}')" \
    "$(awk -v a="$bad0" -v b="$bad" -v d="$dt" 'BEGIN {printf "%.1f", (b - a) / d}')" \
    "$(awk -v a="$tick0" -v b="$tick" -v d="$dt" -v c="$CLK_TCK" 'BEGIN {printf "%.0f", (b - a) / c / d * 100}')" >> "$CSV"
  req0=$req bad0=$bad tick0=$tick t_prev=$now
  [ $((i % 6)) = 0 ] && say "  $(tail -1 "$CSV")"
done
wait "$WRK_PID" || true
wait "$LOAD_PID" || true

# the load has stopped: the gauges must return to 0
m=$(scrape)
stop_inflight=$(gauge nexus_requests_in_flight "$m") stop_streams=$(gauge nexus_active_streams "$m")
settled=""
for w in $(seq 1 60); do
  m=$(scrape)
  if [ "$(gauge nexus_requests_in_flight "$m")" = 0 ] && [ "$(gauge nexus_active_streams "$m")" = 0 ]; then
    settled=$(awk -v w="$w" 'BEGIN {print (w - 1) / 2}'); break
  fi
  sleep 0.5
done
end_inflight=$(gauge nexus_requests_in_flight "$m") end_streams=$(gauge nexus_active_streams "$m")
echo "$m" > "$RUN/metrics-end.txt"
by_status=$(awk '/^nexus_requests_total\{/ {match($0, /status="[^"]*"/); s = substr($0, RSTART + 8, RLENGTH - 9); n[s] += $2}
  END {for (s in n) printf "%s: %.0f, ", s, n[s]}' <<<"$m" | sed 's/, $//')
"$JCMD" "$GW" GC.run >/dev/null 2>&1 || true
sleep 1
live_end=$(gc_after 'Pause Full')

slope() { # column -> least-squares slope per hour over samples with t >= SLOPE_FROM
  awk -F, -v c="$1" -v from="$SLOPE_FROM" 'NR > 1 && $1 >= from && $c != "" {n++; x = $1 / 3600; sx += x; sy += $c; sxx += x * x; sxy += x * $c}
    END {d = n * sxx - sx * sx; if (n < 3 || d == 0) print "n/a"; else printf "%+.1f MB/h (%d samples)", (n * sxy - sx * sy) / d, n}' "$CSV"
}
col() { awk -F, -v c="$2" -v r="$1" 'NR > 1 && $c != "" {v[++n] = $c} END {if (r == "first") print v[1]; else print v[n]}' "$CSV"; }

wrk_out=$(cat "$RUN/wrk.txt")
streams_out=$(grep '^RESULT' "$RUN/streams.txt" || tail -3 "$RUN/streams.txt")
{
  echo "Soak of the gateway, $DURATION ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)):"
  echo
  echo "| measure | value |"
  echo "|---|---|"
  echo "| non-streaming (wrk -c$SOAK_CONNS) | $(wrk_requests "$wrk_out") requests, $(wrk_rps "$wrk_out")/s, p50 $(awk '$1 == "50%" {print $2}' <<<"$wrk_out"), p99 $(awk '$1 == "99%" {print $2}' <<<"$wrk_out"), non-2xx $(wrk_non2xx "$wrk_out"), socket errors $(wrk_errors "$wrk_out") |"
  echo "| streams ($SOAK_STREAMS clients, ${SOAK_PACE_MS} ms/chunk) | ${streams_out#RESULT } |"
  echo "| gateway requests by status (nexus_requests_total; abandoned streams are recorded as 499) | $by_status |"
  echo "| RSS first → last sample | $(col first 2) → $(col last 2) MB |"
  echo "| **RSS slope** | $(slope 2) |"
  echo "| heap after GC, first → last sample | $(col first 3) → $(col last 3) MB |"
  echo "| heap after GC slope | $(slope 3) |"
  echo "| live heap after a forced full GC, first → last → after the load | $(col first 4) → $(col last 4) → $live_end MB |"
  echo "| **live heap slope** | $(slope 4) |"
  echo "| nexus_requests_in_flight / nexus_active_streams when the load stopped | $stop_inflight / $stop_streams |"
  echo "| **the same after the load** | $end_inflight / $end_streams $([ -n "$settled" ] && echo "(0 within $settled s of the stop)" || echo "(**not 0 after 30 s**)") |"
  echo "| gateway CPU, median of the samples | $(awk -F, 'NR > 1 {v[++n] = $9} END {for (i = 2; i <= n; i++) {x = v[i]; for (j = i - 1; j >= 1 && v[j] + 0 > x + 0; j--) v[j + 1] = v[j]; v[j + 1] = x} print v[int((n + 1) / 2)]}' "$CSV") % of a core |"
  echo
  echo "Slopes: least squares over the samples from ${SLOPE_FROM} s on. Samples: $CSV"
} | tee "$RUN/report.md"
