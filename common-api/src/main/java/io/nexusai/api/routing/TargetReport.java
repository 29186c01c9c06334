package io.nexusai.api.routing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What one gateway reports about one target (a deployment, or one region of it) for the provider health matrix,
 * through Redis when it changed ({@link HealthReports}: the latest in {@code HSET <namespace>:health <gateway>|<target> <json>},
 * the change on the health stream).
 *
 * @param gateway      the reporting gateway (host and process)
 * @param target       target key: route id, and {@code @region} for a regional share
 * @param deploymentId route id
 * @param provider     provider name
 * @param region       region, or {@code null}
 * @param successes    attempts that got an answer, since the gateway started
 * @param failures     attempts that failed (connection, timeout, 5xx), since the gateway started
 * @param p50Ms        time to first byte, median of recent attempts (ms; -1 when none)
 * @param p95Ms        95th percentile
 * @param p99Ms        99th percentile
 * @param breaker      circuit breaker state: CLOSED, OPEN or HALF_OPEN
 * @param reportedAtMs when the report was made (epoch ms)
 * @param sinceMs      when this gateway began counting for the target (epoch ms): the counters were 0 then
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TargetReport(String gateway, String target, long deploymentId, String provider, String region, long successes,
                           long failures, double p50Ms, double p95Ms, double p99Ms, String breaker, long reportedAtMs,
                           long sinceMs) {
}
