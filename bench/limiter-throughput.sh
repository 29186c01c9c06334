#!/usr/bin/env bash
# Limiter throughput: one Redis vs a three-master Redis Cluster (issue: scale past one machine).
#
# Runs the gateway's own RateLimiter (gateway-service tests LimiterThroughputSingleTest and
# LimiterThroughputClusterTest, which run only with -Dnexus.bench.limiter=true) against a real Redis and a real
# three-master cluster started by test-support from the same embedded Redis binaries as the tests. 100 tenants,
# each admission a key and a tenant requests-per-minute window, a tenant tokens-per-minute window and a daily token
# quota (limits that never refuse), OUTSTANDING admissions kept running per event loop for SECONDS after WARMUP.
# Reports admissions/s, Redis CPU per admission (utime+stime of every redis-server of the deployment) and the
# client JVM's CPU per admission; the reports land in gateway-service/target/bench-limiter-*.txt.
#
# The cluster's nodes keep nothing on disk by default (CLUSTER_APPENDONLY=no), like the one Redis they are compared
# with; CLUSTER_APPENDONLY=yes runs them as the tests do (append-only file, fsync on every write).
#
# On a machine with fewer cores than Redis processes plus the client, admissions/s measure the machine, not Redis:
# the figure that scales with shards is Redis CPU per admission (each master does the work of its own tenants).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
for jdk in /usr/lib/jvm/temurin-25*; do
  if [ -x "$jdk/bin/java" ]; then export JAVA_HOME="$jdk"; export PATH="$jdk/bin:$PATH"; break; fi
done
SECONDS_RUN=${SECONDS_RUN:-20}
WARMUP=${WARMUP:-8}
OUTSTANDING=${OUTSTANDING:-64}
CLUSTER_APPENDONLY=${CLUSTER_APPENDONLY:-no}
./mvnw -B -ntp -q install -DskipTests -pl gateway-service -am >/dev/null
rm -f gateway-service/target/bench-limiter-*.txt
# the test JVM with the full JIT (the build's tests stop at C1) and the benchmark's settings
./mvnw -B -ntp -q test -pl gateway-service -Dtest='LimiterThroughputSingleTest,LimiterThroughputClusterTest' \
  -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest.jvm.args="-XX:+UseSerialGC -Dnexus.bench.limiter=true -Dnexus.bench.seconds=$SECONDS_RUN -Dnexus.bench.warmup=$WARMUP -Dnexus.bench.outstanding=$OUTSTANDING -Dnexus.bench.redis-cluster-appendonly=$CLUSTER_APPENDONLY" >/dev/null
cat gateway-service/target/bench-limiter-*.txt
