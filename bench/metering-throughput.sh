#!/usr/bin/env bash
# Metering throughput benchmark (issue: metering pipeline; target >= 20,000 events/s on this machine).
#
# Measures how fast metering-service turns a pre-filled usage stream into committed rows (events + minute and
# day rollups), in two rounds against one metering-service process:
#   cold  - $EVENTS events are XADDed (pipelined) while metering is not running; then metering starts and the
#           clock runs from the start of its first insert transaction to the commit that completes the count;
#   warm  - metering is paused (SIGSTOP) after the cold round, $EVENTS more events are XADDed, and the clock runs
#           from SIGCONT to the last commit.
# Completion is detected by polling the day rollup (committed in the same transaction as the events), on the
# database's clock. Afterwards every row, token and the cost sum are checked exactly against the events sent.
#
# PostgreSQL and Redis are started the way deploy/local/nexus starts them (test-support's LocalInfra: the
# embedded real servers, PostgreSQL with fsync=off and synchronous_commit=off), but on ports and in a state
# directory of their own (target/bench-metering), so a running local stack is not disturbed. The gateway is not
# involved: no event arrives during a round except those pre-filled.
#
# DURABLE=1 runs PostgreSQL with its stock, crash-safe settings instead (fsync, synchronous_commit and
# full_page_writes on): the installed PostgreSQL server (/usr/lib/postgresql/*/bin, as user postgres), data in
# a temporary directory; LocalInfra then finds it answering on BENCH_DB_PORT and uses it.
#
# Settings (environment): EVENTS (500000), BENCH_DB_PORT (54339), BENCH_REDIS_PORT (63809), BENCH_HTTP_PORT
# (18084), BENCH_MGMT_PORT (19325), DURABLE=1, KEEP=1 (leave PostgreSQL/Redis/metering running), and any
# metering setting, e.g. NEXUS_METERING_BATCH_SIZE, NEXUS_METERING_MAX_IN_FLIGHT.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EVENTS=${EVENTS:-500000}
DB_PORT=${BENCH_DB_PORT:-54339}
REDIS_PORT=${BENCH_REDIS_PORT:-63809}
HTTP_PORT=${BENCH_HTTP_PORT:-18084}
MGMT_PORT=${BENCH_MGMT_PORT:-19325}
STATE="$ROOT/target/bench-metering"
JAVA=
for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/temurin-25*/bin/java /usr/lib/jvm/*25*/bin/java /usr/lib/jvm/*21*/bin/java "$(command -v java || true)"; do
  v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  if [ -n "$v" ] && [ "$v" -ge 21 ]; then JAVA=$j; break; fi
done
[ -n "$JAVA" ] || { echo "needs a JDK 21 or newer: set JAVA_HOME"; exit 1; }
export JAVA_HOME=$(cd "$(dirname "$JAVA")/.." && pwd)
METERING_JAR="$ROOT/metering-service/target/quarkus-app/quarkus-run.jar"
TS_JAR=$(ls "$ROOT"/test-support/target/test-support-*.jar 2>/dev/null | head -1 || true)

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ ! -f "$METERING_JAR" ] || [ -z "$TS_JAR" ] || [ ! -d "$ROOT/test-support/target/lib" ]; then
  echo "building metering-service and test-support ..."
  (cd "$ROOT" && ./mvnw -B -q -DskipTests install -pl metering-service,test-support -am)
  TS_JAR=$(ls "$ROOT"/test-support/target/test-support-*.jar | head -1)
fi
CP="$TS_JAR:$ROOT/test-support/target/lib/*"
for p in "$HTTP_PORT" "$MGMT_PORT"; do port_open "$p" && { echo "port $p is in use"; exit 1; }; done

rm -rf "$STATE"; mkdir -p "$STATE"
INFRA_PID=; METERING_PID=; DURABLE_DIR=
cleanup() {
  [ "${KEEP:-0}" = 1 ] && { echo "KEEP=1: metering pid $METERING_PID, infra pid $INFRA_PID still run"; return; }
  [ -n "$METERING_PID" ] && kill -CONT "$METERING_PID" 2>/dev/null && kill -TERM "$METERING_PID" 2>/dev/null && wait "$METERING_PID" 2>/dev/null || true
  [ -n "$INFRA_PID" ] && kill -TERM "$INFRA_PID" 2>/dev/null && wait "$INFRA_PID" 2>/dev/null || true
  if [ -n "$DURABLE_DIR" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DURABLE_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DURABLE_DIR"
  fi
}
trap cleanup EXIT

if [ "${DURABLE:-0}" = 1 ]; then
  PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -1)")
  [ -x "$PGBIN/postgres" ] && id postgres >/dev/null 2>&1 || { echo "DURABLE=1 needs an installed PostgreSQL server and user postgres"; exit 1; }
  port_open "$DB_PORT" && { echo "port $DB_PORT is in use"; exit 1; }
  DURABLE_DIR=$(mktemp -d /tmp/nexus-bench-pg.XXXXXX); chown postgres "$DURABLE_DIR"
  echo "starting PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') with stock settings (fsync, synchronous_commit on) ..."
  runuser -u postgres -- "$PGBIN/initdb" -D "$DURABLE_DIR/data" -U postgres --auth=trust >"$STATE/initdb.log" 2>&1
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DURABLE_DIR/data" -l "$DURABLE_DIR/postgres.log" -w \
    -o "-p $DB_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DURABLE_DIR" start >/dev/null
  runuser -u postgres -- "$PGBIN/psql" -h 127.0.0.1 -p "$DB_PORT" -U postgres -Atc \
    "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit') || ' full_page_writes=' || current_setting('full_page_writes')" | sed 's/^/  /'
fi

echo "starting PostgreSQL and Redis (LocalInfra, state in $STATE) ..."
NEXUS_DB_HOST=127.0.0.1 NEXUS_DB_PORT=$DB_PORT NEXUS_EMBEDDED_DB_PORT=$DB_PORT NEXUS_DB_USER=postgres NEXUS_DB_PASSWORD= \
  NEXUS_DB_NAME=postgres NEXUS_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" NEXUS_EMBEDDED_REDIS_PORT=$REDIS_PORT \
  "$JAVA" -XX:+UseSerialGC -Xmx128m -cp "$CP" io.nexusai.testsupport.LocalInfra "$STATE" >"$STATE/infra.log" 2>&1 &
INFRA_PID=$!
for _ in $(seq 1 240); do
  [ -f "$STATE/infra.env" ] && break
  kill -0 "$INFRA_PID" 2>/dev/null || break
  sleep 0.5
done
[ -f "$STATE/infra.env" ] || { echo "PostgreSQL/Redis did not start: $STATE/infra.log"; exit 1; }
kill -0 "$INFRA_PID" 2>/dev/null || INFRA_PID=   # both were already running: nothing of ours to stop
set -a; . "$STATE/infra.env"; set +a
PG="jdbc:postgresql://$NEXUS_DB_HOST:$NEXUS_DB_PORT"
DBARGS=("$PG/metering_bench" "$NEXUS_DB_USER" "$NEXUS_DB_PASSWORD")
helper() { "$JAVA" -XX:+UseSerialGC -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "$CP" "$ROOT/bench/MeteringThroughput.java" "$@"; }
value() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
clk=$(getconf CLK_TCK)
busy() { awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }   # busy and idle jiffies, all CPUs

helper prepare "$PG/postgres" "$NEXUS_DB_USER" "$NEXUS_DB_PASSWORD"
STREAM="{bench}:usage"
EXPECTED="$STATE/expected.properties"

echo "cold round: filling the stream with $EVENTS events ..."
fill=$(helper fill "${DBARGS[@]}" "$NEXUS_REDIS_URL" "$STREAM" "$EVENTS" 0 "$EXPECTED"); echo "  $fill"

echo "starting metering-service ..."
b0=$(busy)
launch=$(date +%s.%N)
NEXUS_DB_NAME=metering_bench NEXUS_REDIS_NAMESPACE=bench NEXUS_SECRET_KEY="bench-$(date +%s%N)-secret-key-0123456789abcdef" \
  NEXUS_METERING_CONSUMER_NAME=bench-1 QUARKUS_HTTP_PORT=$HTTP_PORT MONITORING_PORT=$MGMT_PORT MALLOC_ARENA_MAX=2 \
  "$JAVA" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Xss512k -XX:ReservedCodeCacheSize=64m --enable-native-access=ALL-UNNAMED \
  -Xmx256m ${BENCH_JVM_OPTS:-} -jar "$METERING_JAR" >"$STATE/metering.log" 2>&1 &
METERING_PID=$!
cold=$(helper await "${DBARGS[@]}" "$EVENTS" 600); echo "  $cold"
b1=$(busy)
cold_ticks=$(ticks "$METERING_PID")
cold_launch=$(awk -v a="$(value end_epoch "$cold")" -v b="$launch" 'BEGIN {printf "%.2f", a - b}')

echo "warm round: pausing metering, filling $EVENTS more ..."
kill -STOP "$METERING_PID"
fill2=$(helper fill "${DBARGS[@]}" "$NEXUS_REDIS_URL" "$STREAM" "$EVENTS" "$EVENTS" "$EXPECTED"); echo "  $fill2"
t0=$(ticks "$METERING_PID"); b2=$(busy)
warm=$(helper await "${DBARGS[@]}" "$((2 * EVENTS))" 600 "$METERING_PID"); echo "  $warm"
t1=$(ticks "$METERING_PID"); b3=$(busy)

verify=$(helper verify "${DBARGS[@]}" "$EXPECTED"); echo "$verify" | sed 's/^/  /'
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%d", n / s}' | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
util() { awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " "); db = y[1] - x[1]; di = y[2] - x[2]; printf "%.0f%%", 100 * db / (db + di)}'; }
cpu_us=$(awk -v d=$((t1 - t0)) -v c="$clk" -v n="$EVENTS" 'BEGIN {printf "%.1f", d * 1000000 / c / n}')
cs=$(value seconds "$cold"); ws=$(value seconds "$warm"); n=$(rate "$EVENTS" 1)

cat <<TABLE

| round | events | first insert → last commit | events/s | machine CPU busy (2 cores) | metering CPU per event |
|---|---|---|---|---|---|
| cold (metering started on a full stream) | $n | ${cs} s (${cold_launch} s from JVM launch) | $(rate "$EVENTS" "$cs") | $(util "$b0" "$b1") | – |
| warm (SIGCONT on a full stream) | $n | ${ws} s | $(rate "$EVENTS" "$ws") | $(util "$b2" "$b3") | ${cpu_us} µs |

PostgreSQL: $([ -n "$DURABLE_DIR" ] && echo "stock settings (DURABLE=1)" || echo "LocalInfra's (embedded: fsync, synchronous_commit off)"); metering: batch size ${NEXUS_METERING_BATCH_SIZE:-default}, batches in flight ${NEXUS_METERING_MAX_IN_FLIGHT:-default}; $(echo "$verify" | tail -1)
TABLE
