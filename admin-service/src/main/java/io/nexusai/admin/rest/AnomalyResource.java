package io.nexusai.admin.rest;

import io.nexusai.api.events.AnomalyEntry;
import io.nexusai.api.events.AnomalyType;
import io.nexusai.api.openai.ApiException;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code GET /admin/v1/anomalies}: the anomalous requests the gateways recorded (auth failures, bad signatures,
 * oversized and malformed requests, rate spikes), newest first, from the capped anomaly stream in Redis. Each entry
 * stands for {@code count} requests of one type from one caller (tenant, key id, client address) seen by one
 * gateway within about a second. Filters: {@code type}, {@code tenant} ({@code unknown} for requests whose key
 * was not known), {@code since} and {@code until} (ISO-8601 with offset, or Unix seconds; {@code since} inclusive,
 * {@code until} exclusive), {@code limit} (1 to 1000, default 100). {@code totals} counts the requests of every
 * entry that matches the filters, per type, also beyond {@code limit}.
 */
@Path("/admin/v1/anomalies")
@Produces(MediaType.APPLICATION_JSON)
public class AnomalyResource {
    private static final Logger LOG = Logger.getLogger(AnomalyResource.class);
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,12}");
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final int MAX_LIMIT = 1000;
    /** Entries read per call to Redis, and most read for one answer (the stream is capped near 10,000). */
    private static final int PAGE = 1000;
    private static final int MAX_SCAN = 50_000;
    /** An entry is written up to a flush period after its first request: read this much past {@code until}. */
    private static final long WRITE_LAG_MS = 60_000;
    private static final long END_MS = Instant.parse("+10000-01-01T00:00:00Z").toEpochMilli();

    private final ReactiveRedisDataSource redis;
    private final String stream;

    public AnomalyResource(ReactiveRedisDataSource redis, PlatformSecrets secrets) {
        this.redis = redis;
        this.stream = secrets.redisNames().anomalyStream();
    }

    /** One recorded entry. */
    public record AnomalyView(String id, String type, Instant firstSeen, Instant lastSeen, String tenantId, String keyId,
                              String requestId, String client, int status, String detail, long count) {
        static AnomalyView of(String id, AnomalyEntry e) {
            return new AnomalyView(id, e.type().wire(), Instant.ofEpochMilli(e.firstMs()), Instant.ofEpochMilli(e.lastMs()), e.tenantId(),
                    e.keyId(), e.requestId(), e.client(), e.status(), e.detail(), e.count());
        }
    }

    /** The newest matching entries; {@code has_more} when more entries match than {@code limit}. */
    public record Page(String object, List<AnomalyView> data, Map<String, Long> totals, boolean hasMore) {
    }

    private record Query(AnomalyType type, String tenant, long sinceMs, long untilMs, int limit) {
        boolean matches(AnomalyEntry e) {
            return (type == null || e.type() == type) && (tenant == null || tenant.equals(e.tenantId()))
                    && e.firstMs() >= sinceMs && e.firstMs() < untilMs;
        }
    }

    @GET
    public Uni<Page> list(@QueryParam("type") String type, @QueryParam("tenant") String tenant, @QueryParam("since") String since,
                          @QueryParam("until") String until, @QueryParam("limit") String limit) {
        AnomalyType t = null;
        if (type != null) {
            t = AnomalyType.fromWire(type);
            if (t == null) {
                throw ApiException.badRequest("type must be one of auth_failure, bad_signature, oversized, malformed, rate_spike.", "type");
            }
        }
        if (tenant != null && !TENANT.matcher(tenant).matches()) {
            throw ApiException.badRequest("tenant must be a tenant id (lower-case letters, digits and '-', at most 63) or 'unknown'.",
                    "tenant");
        }
        int n = 100;
        if (limit != null) {
            if (!DIGITS.matcher(limit).matches() || Long.parseLong(limit) < 1 || Long.parseLong(limit) > MAX_LIMIT) {
                throw ApiException.badRequest("limit must be an integer between 1 and " + MAX_LIMIT + ".", "limit");
            }
            n = Integer.parseInt(limit);
        }
        long from = since == null ? 0 : millis(since, "since");
        long to = until == null ? END_MS : millis(until, "until");
        if (from >= to) {
            throw ApiException.badRequest("since must be earlier than until.", "since");
        }
        Query q = new Query(t, tenant, from, to, n);
        String high = until == null ? "+" : Long.toString(Math.min(to + WRITE_LAG_MS, END_MS));
        String low = since == null ? "-" : Long.toString(from);
        Map<String, Long> totals = new LinkedHashMap<>();
        for (AnomalyType each : AnomalyType.values()) {
            totals.put(each.wire(), 0L);
        }
        List<AnomalyView> data = new ArrayList<>();
        boolean[] more = {false};
        return scan(q, high, low, 0, data, totals, more)
                .map(v -> new Page("list", data, totals, more[0]))
                .onFailure(f -> !(f instanceof ApiException)).transform(f -> {
                    LOG.warnf("reading the anomaly stream failed: %s", f.toString());
                    return ApiException.unavailable("The anomaly store (Redis) is unavailable; retry shortly.");
                });
    }

    /** Reads the stream newest first, page by page, until it ends or {@link #MAX_SCAN} entries were read. */
    private Uni<Void> scan(Query q, String high, String low, int scanned, List<AnomalyView> data, Map<String, Long> totals, boolean[] more) {
        return redis.execute("XREVRANGE", stream, high, low, "COUNT", Integer.toString(PAGE)).flatMap(reply -> {
            String lastId = null;
            int read = 0;
            if (reply != null) {
                for (Response message : reply) {
                    read++;
                    lastId = message.get(0).toString();
                    AnomalyEntry e = AnomalyEntry.fromFields(fields(message.get(1)));
                    if (e == null || !q.matches(e)) {
                        continue;
                    }
                    totals.merge(e.type().wire(), e.count(), Long::sum);
                    if (data.size() < q.limit()) {
                        data.add(AnomalyView.of(lastId, e));
                    } else {
                        more[0] = true;
                    }
                }
            }
            int total = scanned + read;
            if (read < PAGE || total >= MAX_SCAN) {
                return Uni.createFrom().voidItem();
            }
            return scan(q, "(" + lastId, low, total, data, totals, more);
        });
    }

    private static Map<String, String> fields(Response flat) {
        Map<String, String> map = new HashMap<>();
        if (flat == null) {
            return map;
        }
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            Response value = flat.get(i + 1);
            map.put(flat.get(i).toString(), value == null ? null : value.toString());
        }
        return map;
    }

    /** An instant as ISO-8601 with offset, or as Unix seconds (ASCII digits), between 1970 and 9999. */
    private static long millis(String value, String param) {
        if (DIGITS.matcher(value).matches()) {
            long seconds = Long.parseLong(value);
            if (seconds * 1000 >= END_MS) {
                throw ApiException.badRequest(param + " must be before year 10000.", param);
            }
            return seconds * 1000;
        }
        OffsetDateTime time;
        try {
            time = OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(param + " must be an ISO-8601 date-time with offset (e.g. 2026-01-31T00:00:00Z) or Unix seconds.",
                    param);
        }
        Instant instant = time.toInstant();
        if (instant.isBefore(Instant.EPOCH) || !instant.isBefore(Instant.ofEpochMilli(END_MS))) {
            throw ApiException.badRequest(param + " must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z.", param);
        }
        return instant.toEpochMilli();
    }
}
