package io.nexusai.metering.repository;

import io.nexusai.api.events.UsageEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Usage rows: idempotent batch inserts and tenant-scoped queries. Parameterised SQL only. */
@ApplicationScoped
public class UsageRepository {
    private static final String INSERT = """
            INSERT INTO metering.usage_events (request_id, client_request_id, occurred_at, tenant_id, key_id, endpoint, model_alias, provider_id,
                provider, deployment_id, real_model, stream, status, prompt_tokens, completion_tokens, total_tokens, estimated,
                latency_ms, cost_multiplier, cost, currency, priced, trace_id, stream_entry_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
            ON CONFLICT (request_id) DO NOTHING
            """;
    private final Pool pool;

    public UsageRepository(Pool pool) {
        this.pool = pool;
    }

    /** Inserts the records in one transaction; rows already present (same request id) are left alone. */
    public Uni<Integer> insertAll(List<UsageRecord> records) {
        if (records.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<Tuple> batch = new ArrayList<>(records.size());
        for (UsageRecord r : records) {
            UsageEvent e = r.event();
            batch.add(Tuple.tuple(java.util.Arrays.asList(
                    e.requestId(), e.clientRequestId(),
                    OffsetDateTime.ofInstant(Instant.ofEpochMilli(e.timestampMs()), ZoneOffset.UTC),
                    e.tenantId(), e.keyId(), e.endpoint(), e.alias(),
                    e.providerId(), nullToEmpty(e.provider()), e.deploymentId(), nullToEmpty(e.realModel()),
                    e.stream(), e.status(), e.promptTokens(), e.completionTokens(), e.totalTokens(), e.estimated(),
                    e.latencyMs(), e.costMultiplier() == null ? BigDecimal.ONE : e.costMultiplier(),
                    r.cost().amount(), r.cost().currency(), r.cost().priced(),
                    nullToEmpty(e.traceId()), r.streamEntryId())));
        }
        return pool.withTransaction(conn -> conn.preparedQuery(INSERT).executeBatch(batch))
                .map(rows -> {
                    int inserted = 0;
                    for (var rs = rows; rs != null; rs = rs.next()) {
                        inserted += rs.rowCount();
                    }
                    return inserted;
                });
    }

    /** Filters of a usage query; {@code tenantId} null means every tenant (admins only). */
    public record Filter(String tenantId, Instant start, Instant end, String keyId, String alias, String realModel,
                         String provider, String requestId) {
    }

    /** Totals over a filter, optionally per time bucket. */
    public record Totals(Instant bucket, long requests, long promptTokens, long completionTokens, BigDecimal cost) {
        public long totalTokens() {
            return promptTokens + completionTokens;
        }
    }

    /** Totals, grouped by {@code bucketUnit} ("hour", "day") or not at all ({@code null}). */
    public Uni<List<Totals>> totals(Filter f, String bucketUnit) {
        Where w = where(f);
        String bucket = bucketUnit == null ? "NULL::timestamptz" : "date_trunc('" + bucketUnit + "', occurred_at, 'UTC')";
        String sql = "SELECT " + bucket + " AS bucket, count(*) AS requests, COALESCE(sum(prompt_tokens), 0) AS prompt,"
                + " COALESCE(sum(completion_tokens), 0) AS completion, COALESCE(sum(cost), 0) AS cost"
                + " FROM metering.usage_events" + w.sql + (bucketUnit == null ? "" : " GROUP BY 1 ORDER BY 1");
        return pool.preparedQuery(sql).execute(Tuple.tuple(w.params)).map(rows -> {
            List<Totals> out = new ArrayList<>();
            for (Row row : rows) {
                OffsetDateTime b = row.getOffsetDateTime("bucket");
                out.add(new Totals(b == null ? null : b.toInstant(), row.getLong("requests"), row.getLong("prompt"),
                        row.getLong("completion"), row.getBigDecimal("cost")));
            }
            return out;
        });
    }

    /** Totals per tenant and model alias: the README's cost allocation. */
    public record Allocation(String tenantId, String alias, long requests, long totalTokens, BigDecimal cost) {
    }

    public Uni<List<Allocation>> allocation(Filter f) {
        Where w = where(f);
        String sql = "SELECT tenant_id, model_alias, count(*) AS requests, COALESCE(sum(total_tokens), 0) AS tokens,"
                + " COALESCE(sum(cost), 0) AS cost FROM metering.usage_events" + w.sql
                + " GROUP BY tenant_id, model_alias ORDER BY cost DESC, tenant_id, model_alias";
        return pool.preparedQuery(sql).execute(Tuple.tuple(w.params)).map(rows -> {
            List<Allocation> out = new ArrayList<>();
            for (Row row : rows) {
                out.add(new Allocation(row.getString("tenant_id"), row.getString("model_alias"), row.getLong("requests"),
                        row.getLong("tokens"), row.getBigDecimal("cost")));
            }
            return out;
        });
    }

    /** A stored event as the usage API shows it. */
    public record StoredEvent(String requestId, String clientRequestId, Instant occurredAt, String tenantId, String keyId, String endpoint,
                              String model, String provider, String realModel, boolean stream, int status,
                              long promptTokens, long completionTokens, long totalTokens, boolean estimated,
                              long latencyMs, BigDecimal cost, String currency, String traceId) {
    }

    public Uni<List<StoredEvent>> events(Filter f, int limit) {
        Where w = where(f);
        w.params.add(limit);
        String sql = "SELECT * FROM metering.usage_events" + w.sql + " ORDER BY occurred_at DESC, request_id LIMIT $" + w.params.size();
        return pool.preparedQuery(sql).execute(Tuple.tuple(w.params)).map(rows -> {
            List<StoredEvent> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new StoredEvent(r.getString("request_id"), r.getString("client_request_id"), r.getOffsetDateTime("occurred_at").toInstant(),
                        r.getString("tenant_id"), r.getString("key_id"), r.getString("endpoint"), r.getString("model_alias"),
                        emptyToNull(r.getString("provider")), emptyToNull(r.getString("real_model")), r.getBoolean("stream"),
                        r.getInteger("status"), r.getLong("prompt_tokens"), r.getLong("completion_tokens"),
                        r.getLong("total_tokens"), r.getBoolean("estimated"), r.getLong("latency_ms"),
                        r.getBigDecimal("cost"), r.getString("currency"), emptyToNull(r.getString("trace_id"))));
            }
            return out;
        });
    }

    private record Where(String sql, List<Object> params) {
    }

    private static Where where(Filter f) {
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder(" WHERE occurred_at >= $1 AND occurred_at < $2");
        params.add(OffsetDateTime.ofInstant(f.start(), ZoneOffset.UTC));
        params.add(OffsetDateTime.ofInstant(f.end(), ZoneOffset.UTC));
        add(sql, params, "tenant_id", f.tenantId());
        add(sql, params, "key_id", f.keyId());
        add(sql, params, "model_alias", f.alias());
        add(sql, params, "real_model", f.realModel());
        add(sql, params, "provider", f.provider());
        if (f.requestId() != null) {
            params.add(f.requestId());
            sql.append(" AND (request_id = $").append(params.size()).append(" OR client_request_id = $").append(params.size()).append(')');
        }
        return new Where(sql.toString(), params);
    }

    private static void add(StringBuilder sql, List<Object> params, String column, String value) {
        if (value != null) {
            params.add(value);
            sql.append(" AND ").append(column).append(" = $").append(params.size());
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
