#!/usr/bin/env bash
# Metering at scale (issue 15), three measurements from one run, against one PostgreSQL and one Redis:
#
#   1. replicas - throughput at 1, 2 and 3 metering-service replicas (one Redis consumer group). For each N: N
#                 packaged metering processes start (distinct ports, consumer names), a warm-up fill of $WARMUP
#                 events is stored, all N are paused (SIGSTOP), $EVENTS events are XADDed, and the clock runs from
#                 SIGCONT (all N) to the commit that completes the count; then the N processes are stopped.
#                 Reported: events/s, machine CPU, metering CPU per event (all N together), and the events each
#                 replica stored (its nexus_metering_events_total{outcome="inserted"} over the round).
#   2. seeded   - $SEED_ROWS rows are seeded with SQL into $SEED_DAYS day partitions of usage_events in the past
#                 (two days ago and before; each partition loaded, indexed and attached, its minute, hour and day
#                 rollups aggregated from it), VACUUM ANALYZE; then one replica does the same warm round as in 1.
#   3. usage API - with the seeded month, wrk calls metering-service's /v1/usage endpoints (bench/usage-api.lua,
#                 random tenant and key per request) for $API_SECONDS s per query shape and concurrency.
# Finally every row, token and the cost sum of usage_events and the three rollups (minute, hour, day) are checked
# exactly against the events sent plus the seeded totals.
#
# PostgreSQL and Redis are LocalInfra's embedded servers (fsync/synchronous_commit off), state in
# target/bench-metering-scale (the 50 million rows need about 20 GB there: see `df -h`); auth-service runs too (the
# usage API resolves its admin key through it). Deleted at the end unless KEEP=1.
#
# Settings (environment): NETNS (run in a network namespace of that name: bench/lib.sh), EVENTS (500000), WARMUP
# (200000), REPLICAS ("1 2 3"), SEED_ROWS (50000000), SEED_DAYS (50), SEED_TENANTS (100), API_SECONDS (8),
# API_CONCURRENCY ("1 4 16"), SKIP_REPLICAS=1, SKIP_SEED=1, KEEP=1, BENCH_DB_PORT (54339), BENCH_REDIS_PORT (63809).
set -euo pipefail
BENCH_SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=bench/lib.sh
. "$(dirname "$BENCH_SCRIPT")/lib.sh"
# before entering NETNS: a namespace of our own has no route to the package mirror
NO_NGINX=1 ensure_tools
bench_netns "$@"

EVENTS=${EVENTS:-500000}
WARMUP=${WARMUP:-200000}
REPLICAS=${REPLICAS:-"1 2 3"}
SEED_ROWS=${SEED_ROWS:-50000000}
SEED_DAYS=${SEED_DAYS:-50}
SEED_TENANTS=${SEED_TENANTS:-100}
API_SECONDS=${API_SECONDS:-8}
API_CONCURRENCY=${API_CONCURRENCY:-"1 4 16"}
DB_PORT=${BENCH_DB_PORT:-54339}
REDIS_PORT=${BENCH_REDIS_PORT:-63809}
AUTH_PORT=18182; AUTH_MGMT=19423
HTTP_BASE=18184; MGMT_BASE=19425   # replica i: HTTP_BASE + i, MGMT_BASE + i
STATE="$ROOT/target/bench-metering-scale"

command -v psql >/dev/null || die "psql is needed (postgresql-client)"
METERING_JAR="$ROOT/metering-service/target/quarkus-app/quarkus-run.jar"
AUTH_JAR="$ROOT/auth-service/target/quarkus-app/quarkus-run.jar"
TS_JAR=$(ls "$ROOT"/test-support/target/test-support-*.jar 2>/dev/null | head -1 || true)
[ -f "$METERING_JAR" ] && [ -f "$AUTH_JAR" ] && [ -n "$TS_JAR" ] && [ -d "$ROOT/test-support/target/lib" ] \
  || die "build first: ./mvnw -B -o -pl metering-service,auth-service,test-support -am install -DskipTests"
CP="$TS_JAR:$ROOT/test-support/target/lib/*"

rm -rf "$STATE"; mkdir -p "$STATE"
INFRA_PID=; AUTH_PID=; METERING_PIDS=()
stop_meterings() {
  local p
  for p in "${METERING_PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null || true; done
  for p in "${METERING_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  METERING_PIDS=()
}
cleanup() {
  [ "${KEEP:-0}" = 1 ] && { say "KEEP=1: metering ${METERING_PIDS[*]}, auth $AUTH_PID, infra $INFRA_PID still run; data in $STATE"; return; }
  stop_meterings
  [ -n "$AUTH_PID" ] && kill -TERM "$AUTH_PID" 2>/dev/null && wait "$AUTH_PID" 2>/dev/null || true
  [ -n "$INFRA_PID" ] && kill -TERM "$INFRA_PID" 2>/dev/null && wait "$INFRA_PID" 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT

say "$(date -u '+%F %T') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "starting PostgreSQL and Redis (LocalInfra, state in $STATE) ..."
NEXUS_DB_HOST=127.0.0.1 NEXUS_DB_PORT=$DB_PORT NEXUS_EMBEDDED_DB_PORT=$DB_PORT NEXUS_DB_USER=postgres NEXUS_DB_PASSWORD= \
  NEXUS_DB_NAME=postgres NEXUS_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" NEXUS_EMBEDDED_REDIS_PORT=$REDIS_PORT \
  "$JAVA" -XX:+UseSerialGC -Xmx128m -cp "$CP" io.nexusai.testsupport.LocalInfra "$STATE" >"$STATE/infra.log" 2>&1 &
INFRA_PID=$!
for _ in $(seq 1 240); do
  [ -f "$STATE/infra.env" ] && break
  kill -0 "$INFRA_PID" 2>/dev/null || break
  sleep 0.5
done
[ -f "$STATE/infra.env" ] || die "PostgreSQL/Redis did not start: $STATE/infra.log"
kill -0 "$INFRA_PID" 2>/dev/null || INFRA_PID=
set -a; . "$STATE/infra.env"; set +a
PG="jdbc:postgresql://$NEXUS_DB_HOST:$NEXUS_DB_PORT"
DBARGS=("$PG/metering_bench" "$NEXUS_DB_USER" "$NEXUS_DB_PASSWORD")
export PGHOST=$NEXUS_DB_HOST PGPORT=$NEXUS_DB_PORT PGUSER=$NEXUS_DB_USER PGPASSWORD=$NEXUS_DB_PASSWORD PGDATABASE=metering_bench
helper() { "$JAVA" -XX:+UseSerialGC -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "$CP" "$ROOT/bench/MeteringThroughput.java" "$@"; }
value() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
ticks() { local p t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
busy() { awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }
util() { awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " "); db = y[1] - x[1]; di = y[2] - x[2]; printf "%.0f%%", 100 * db / (db + di)}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%d", n / s}' | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
inserted() { curl -s --max-time 10 "http://127.0.0.1:$((MGMT_BASE + $1))/q/metrics" | awk '/^nexus_metering_events_total\{.*outcome="inserted"/ {printf "%d", $NF; f=1} END {if (!f) print 0}'; }
wait_ready() { # url pid name
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || die "$3 exited: see $STATE/$3.log"
    sleep 0.2
  done
  die "$3 not ready: see $STATE/$3.log"
}

helper prepare "$PG/postgres" "$NEXUS_DB_USER" "$NEXUS_DB_PASSWORD"
ADMIN_KEY="nx-adm-$(head -c 600 /dev/urandom | LC_ALL=C tr -dc "A-Za-z0-9" | cut -c1-40)"
psql -qAt -v ON_ERROR_STOP=1 -v key="$ADMIN_KEY" <<'SQL' >/dev/null
INSERT INTO api_keys (id, level, name, key_hash, key_hint)
VALUES ('key_benchadmin', 'admin', 'bench', encode(sha256(convert_to(:'key', 'UTF8')), 'hex'), 'nx-adm-...');
SQL
export NEXUS_DB_NAME=metering_bench NEXUS_REDIS_NAMESPACE=bench NEXUS_SECRET_KEY="bench-$(date +%s%N)-secret-key-0123456789abcdef"
export NEXUS_AUTH_SERVICE_URL="http://127.0.0.1:$AUTH_PORT" MALLOC_ARENA_MAX=2
JVM=(-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Xss512k -XX:ReservedCodeCacheSize=64m --enable-native-access=ALL-UNNAMED)
QUARKUS_HTTP_PORT=$AUTH_PORT MONITORING_PORT=$AUTH_MGMT "$JAVA" "${JVM[@]}" -Xmx128m -jar "$AUTH_JAR" >"$STATE/auth.log" 2>&1 &
AUTH_PID=$!

STREAM="{bench}:usage"
EXPECTED="$STATE/expected.properties"
SENT=0   # events filled so far (the last two UTC days)

start_meterings() { # n round
  local i
  for i in $(seq 1 "$1"); do
    NEXUS_METERING_CONSUMER_NAME="bench-$2-$i" QUARKUS_HTTP_PORT=$((HTTP_BASE + i)) MONITORING_PORT=$((MGMT_BASE + i)) \
      "$JAVA" "${JVM[@]}" -Xmx256m ${BENCH_JVM_OPTS:-} -jar "$METERING_JAR" >"$STATE/metering-$2-$i.log" 2>&1 &
    METERING_PIDS+=($!)
  done
  for i in $(seq 1 "$1"); do wait_ready "http://127.0.0.1:$((MGMT_BASE + i))/q/health/ready" "${METERING_PIDS[$((i - 1))]}" "metering-$2-$i"; done
}

# One warm round with the meterings running: warm-up fill, pause, fill, resume, await. Sets ROUND_* results.
warm_round() { # n
  local n=$1 i pids before=() after=() t0 t1 b0 b1 fill out
  fill=$(helper fill "${DBARGS[@]}" "$NEXUS_REDIS_URL" "$STREAM" "$WARMUP" "$SENT" "$EXPECTED"); SENT=$((SENT + WARMUP))
  helper await "${DBARGS[@]}" "$SENT" 600 >/dev/null
  pids=$(IFS=,; echo "${METERING_PIDS[*]}")
  sleep 1   # the counters follow the commit; read them before the pause (a stopped JVM does not answer)
  for i in $(seq 1 "$n"); do before+=("$(inserted "$i")"); done
  kill -STOP "${METERING_PIDS[@]}"
  fill=$(helper fill "${DBARGS[@]}" "$NEXUS_REDIS_URL" "$STREAM" "$EVENTS" "$SENT" "$EXPECTED"); SENT=$((SENT + EVENTS))
  say "  $fill"
  t0=$(ticks "${METERING_PIDS[@]}"); b0=$(busy)
  out=$(helper await "${DBARGS[@]}" "$SENT" 600 "$pids"); say "  $out"
  t1=$(ticks "${METERING_PIDS[@]}"); b1=$(busy)
  sleep 1   # the counters follow the commit
  ROUND_SPLIT=
  for i in $(seq 1 "$n"); do ROUND_SPLIT+="${ROUND_SPLIT:+ / }$(rate $(( $(inserted "$i") - before[i - 1] )) 1)"; done
  ROUND_SECONDS=$(value seconds "$out")
  ROUND_RATE=$(rate "$EVENTS" "$ROUND_SECONDS")
  ROUND_BUSY=$(util "$b0" "$b1")
  ROUND_CPU=$(awk -v d=$((t1 - t0)) -v c="$CLK_TCK" -v n="$EVENTS" 'BEGIN {printf "%.1f", d * 1000000 / c / n}')
}

wait_ready "http://127.0.0.1:$AUTH_MGMT/q/health/ready" "$AUTH_PID" auth
REPLICA_ROWS=()
if [ "${SKIP_REPLICAS:-0}" != 1 ]; then
  for n in $REPLICAS; do
    say "replicas: $n metering process(es) ..."
    start_meterings "$n" "r$n"
    warm_round "$n"
    REPLICA_ROWS+=("| $n | $(rate "$EVENTS" 1) | $ROUND_SECONDS s | **$ROUND_RATE** | $ROUND_BUSY | $ROUND_CPU µs | $ROUND_SPLIT |")
    stop_meterings
  done
else
  start_meterings 1 r1; stop_meterings   # the metering schema
fi
verify1=$(helper verify "${DBARGS[@]}" "$EXPECTED" | tail -1)

SEED_SECONDS=-; SEED_SIZE=-
if [ "${SKIP_SEED:-0}" != 1 ]; then
  say "seeding $SEED_ROWS rows into $SEED_DAYS day partitions ($SEED_TENANTS tenants) ..."
  psql -qAt -v ON_ERROR_STOP=1 -f "$ROOT/bench/metering-seed.sql" >/dev/null
  s0=$(date +%s.%N)
  per_day=$((SEED_ROWS / SEED_DAYS))
  # two workers, one day partition per call (loaded, indexed, rolled up and attached in one transaction, then vacuumed)
  for d in $(seq 2 $((SEED_DAYS + 1))); do date -u -d "$d days ago" +%Y%m%d; done \
    | xargs -P 2 -I{} psql -qAt -v ON_ERROR_STOP=1 -c "SET maintenance_work_mem = '256MB'" -c "SET work_mem = '64MB'" \
        -c "SELECT public.bench_seed_day(to_date('{}', 'YYYYMMDD'), $per_day, $SEED_TENANTS)" \
        -c "VACUUM ANALYZE metering.usage_events_{}" >/dev/null
  psql -qAt -c "VACUUM ANALYZE metering.usage_minute" -c "VACUUM ANALYZE metering.usage_hour" -c "VACUUM ANALYZE metering.usage_daily" \
    -c "ANALYZE metering.usage_events" >/dev/null
  SEED_SECONDS=$(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
  SEED_SIZE=$(psql -qAt -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
  helper seeded "${DBARGS[@]}" "$EXPECTED" | sed 's/^/  /' >&2
  say "  seeded in $SEED_SECONDS s; database $SEED_SIZE"
fi
COUNTS=$(psql -qAt -F' ' -c "SELECT (SELECT count(*) FROM metering.usage_events), (SELECT count(*) FROM metering.usage_minute),
  (SELECT count(*) FROM metering.usage_hour), (SELECT count(*) FROM metering.usage_daily),
  (SELECT count(*) FROM pg_inherits WHERE inhparent = 'metering.usage_events'::regclass)")
say "  usage_events, usage_minute, usage_hour, usage_daily rows, partitions: $COUNTS"

say "one replica with $(cut -d' ' -f1 <<<"$COUNTS") rows present ..."
start_meterings 1 s1
warm_round 1
SEEDED_ROW="| 1, $(cut -d' ' -f1 <<<"$COUNTS") rows before the round | $(rate "$EVENTS" 1) | $ROUND_SECONDS s | **$ROUND_RATE** | $ROUND_BUSY | $ROUND_CPU µs | $ROUND_SPLIT |"

say "usage API: ${API_SECONDS} s per shape and concurrency ($API_CONCURRENCY) ..."
D30=$(date -u -d '30 days ago' +%F)
SHAPES=(
  "totals, one tenant, 30 days|/v1/usage?tenant_id=tenant-{t}&start=$D30|day rollup (+ today's hours, this hour's minutes, the last partial minute's events)"
  "per day, one tenant|/v1/usage?tenant_id=tenant-{t}&start=$D30&group_by=day|day rollup (+ hours, minutes, events at the end)"
  "per day, one key|/v1/usage?tenant_id=tenant-{t}&key_id=key-{t}-{k}&start=$D30&group_by=day|day rollup (+ hours, minutes, events at the end)"
  "per day, one alias|/v1/usage?tenant_id=tenant-{t}&model=nexus-mini&start=$D30&group_by=day|day rollup (+ hours, minutes, events at the end)"
  "per hour, one tenant|/v1/usage?tenant_id=tenant-{t}&start=$D30&group_by=hour|hour rollup (30 days of hours, + minutes, events at the end)"
  "per day, all tenants (admin)|/v1/usage?start=$D30&group_by=day|day rollup (+ hours, minutes, events at the end)"
  "allocation, all tenants (admin)|/v1/usage/allocation?start=$D30|day rollup (+ hours, minutes, events at the end)"
  "events, one tenant, newest 100|/v1/usage/events?tenant_id=tenant-{t}&limit=100|usage_events (raw)"
)
API_ROWS=()
curl -sf -H "Authorization: Bearer $ADMIN_KEY" "http://127.0.0.1:$((HTTP_BASE + 1))/v1/usage?tenant_id=tenant-0&start=$D30" >"$STATE/sample.json" \
  || die "the usage API did not answer: $(cat "$STATE/sample.json")"
say "  sample: $(head -c 300 "$STATE/sample.json")"
for shape in "${SHAPES[@]}"; do
  IFS='|' read -r name path source <<<"$shape"
  cells=
  for c in $API_CONCURRENCY; do
    out=$(wrk -t1 -c"$c" -d"${API_SECONDS}s" --latency -H "Authorization: Bearer $ADMIN_KEY" -s "$ROOT/bench/usage-api.lua" \
      "http://127.0.0.1:$((HTTP_BASE + 1))" -- "$path" "$SEED_TENANTS" 3 2>&1)
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out"); p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    max=$(awk '$1 == "Latency" {print $4; exit}' <<<"$out"); rps=$(awk '$1 == "Requests/sec:" {printf "%.0f", $2}' <<<"$out")
    bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    cells+=" $p50 / **$p99** / $max, $rps/s${bad:+ ($bad non-2xx!)} |"
  done
  API_ROWS+=("| $name | $source |$cells")
done
stop_meterings
verify2=$(helper verify "${DBARGS[@]}" "$EXPECTED")
say "$verify2"

conc_header=; conc_rule=
for c in $API_CONCURRENCY; do conc_header+=" $c connection(s): p50 / p99 / max, req/s |"; conc_rule+="---|"; done
cat <<TABLE

$(date -u '+%F %T') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)

| metering replicas | events | SIGCONT → last commit | events/s | machine CPU busy (2 cores) | metering CPU per event (all replicas) | events stored per replica |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${REPLICA_ROWS[@]}")
$SEEDED_ROW

Seed: $SEED_ROWS rows over $SEED_DAYS day partitions, $SEED_TENANTS tenants, in $SEED_SECONDS s (with rollups, indexes, VACUUM ANALYZE); database $SEED_SIZE; usage_events/usage_minute/usage_hour/usage_daily rows, partitions: $COUNTS.
Verify after the replica rounds: $verify1; at the end: $(tail -1 <<<"$verify2")

| query (GET, admin key, random tenant/key) | read from |$conc_header
|---|---|$conc_rule
$(printf '%s\n' "${API_ROWS[@]}")
TABLE
