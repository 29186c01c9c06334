package io.nexusai.metering.repository;

import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.config.MeteringConfig;
import io.nexusai.metering.config.ReadPoolCreator;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage rows: idempotent batch inserts that maintain the minute, hour and day rollups (on the primary), and
 * tenant-scoped queries that read the rollups where the filter allows (on the {@code read} datasource).
 * Parameterised SQL only.
 */
@ApplicationScoped
public class UsageRepository {
    private static final String ROLLUP_COLUMNS = "bucket, tenant_id, key_id, model_alias, real_model, provider,"
            + " requests, prompt_tokens, completion_tokens, cost, cached_tokens, cache_write_tokens, reasoning_tokens";
    private static final String ROLLUP_KEY = "bucket, tenant_id, key_id, model_alias, real_model, provider";

    /**
     * One statement, hence one transaction: insert the batch (one array per column, unnested), skip events
     * already stored, and add exactly the rows inserted — taken from RETURNING — to the minute, hour and day rollups.
     * An event is already stored when its (request id, occurred_at) is: the key of the partitioned table must hold
     * its partition key, and a redelivered event is the same event, with the same timestamp (V4's migration).
     * The aggregation reads all of {@code ins} before the first rollup row is written, and the rollup rows are
     * written in key order, as are the events (sorted by request id before): concurrent batches of several
     * replicas take their row locks in one order and cannot deadlock one another.
     */
    private static final String INSERT = """
            WITH ins AS (
                INSERT INTO metering.usage_events (request_id, client_request_id, occurred_at, tenant_id, key_id, endpoint,
                    model_alias, provider_id, provider, deployment_id, real_model, stream, status, prompt_tokens,
                    completion_tokens, total_tokens, estimated, latency_ms, cost_multiplier, cost, currency, priced, trace_id,
                    stream_entry_id, cached_tokens, cache_write_tokens, reasoning_tokens)
                SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[],
                    $8::int8[], $9::text[], $10::int8[], $11::text[], $12::bool[], $13::int4[], $14::int8[], $15::int8[],
                    $16::int8[], $17::bool[], $18::int8[], $19::numeric[], $20::numeric[], $21::text[], $22::bool[],
                    $23::text[], $24::text[], $25::int8[], $26::int8[], $27::int8[])
                ON CONFLICT (request_id, occurred_at) DO NOTHING
                RETURNING request_id, occurred_at, tenant_id, key_id, model_alias, real_model, provider, prompt_tokens,
                    completion_tokens, cost, cached_tokens, cache_write_tokens, reasoning_tokens
            ), %s
            SELECT request_id FROM ins
            """.formatted(String.join(", ", rollupUpsert("minute", "usage_minute"), rollupUpsert("hour", "usage_hour"),
                    rollupUpsert("day", "usage_daily")));

    /**
     * The CTE of {@link #INSERT} that adds the rows of {@code ins} to one rollup, per UTC {@code unit}: one row per
     * bucket and key, in key order, summed into the stored row when there is one.
     */
    private static String rollupUpsert(String unit, String table) {
        return """
                rollup_%3$s AS (
                    INSERT INTO metering.%4$s AS r (%1$s)
                    SELECT date_trunc('%3$s', occurred_at, 'UTC'), tenant_id, key_id, model_alias, real_model, provider,
                        count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost), sum(cached_tokens),
                        sum(cache_write_tokens), sum(reasoning_tokens)
                    FROM ins GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
                    ON CONFLICT (%2$s) DO UPDATE SET requests = r.requests + EXCLUDED.requests,
                        prompt_tokens = r.prompt_tokens + EXCLUDED.prompt_tokens,
                        completion_tokens = r.completion_tokens + EXCLUDED.completion_tokens, cost = r.cost + EXCLUDED.cost,
                        cached_tokens = r.cached_tokens + EXCLUDED.cached_tokens,
                        cache_write_tokens = r.cache_write_tokens + EXCLUDED.cache_write_tokens,
                        reasoning_tokens = r.reasoning_tokens + EXCLUDED.reasoning_tokens
                )""".formatted(ROLLUP_COLUMNS, ROLLUP_KEY, unit, table);
    }

    private final Pool pool;
    private final Pool readPool;
    private final boolean rollupQueries;

    /**
     * {@code pool}: the primary, for inserts; {@code readPool}: the {@code read} datasource, for the queries of the
     * usage API (the read replica when {@code NEXUS_DB_READ_HOST} is set).
     */
    public UsageRepository(Pool pool, @ReactiveDataSource(ReadPoolCreator.READ) Pool readPool, MeteringConfig config) {
        this.pool = pool;
        this.readPool = readPool;
        this.rollupQueries = config.rollupQueries();
    }

    /** What one batch insert did: the records actually inserted, and how many were already stored. */
    public record InsertResult(List<UsageRecord> inserted, int duplicates) {
        public static final InsertResult EMPTY = new InsertResult(List.of(), 0);
    }

    /**
     * Inserts the records and their rollups in one transaction; records whose request id is already stored (or
     * that repeat one earlier in the batch) are left out of both.
     */
    public Uni<InsertResult> insertAll(List<UsageRecord> records) {
        if (records.isEmpty()) {
            return Uni.createFrom().item(InsertResult.EMPTY);
        }
        Map<String, UsageRecord> byId = new HashMap<>(records.size() * 2);
        List<UsageRecord> unique = new ArrayList<>(records.size());
        for (UsageRecord r : records) {
            if (byId.putIfAbsent(r.event().requestId(), r) == null) {
                unique.add(r);
            }
        }
        int inBatchDuplicates = records.size() - unique.size();
        unique.sort(Comparator.comparing(r -> r.event().requestId()));
        int n = unique.size();
        String[] requestId = new String[n], clientRequestId = new String[n], tenant = new String[n], key = new String[n],
                endpoint = new String[n], alias = new String[n], provider = new String[n], realModel = new String[n],
                currency = new String[n], traceId = new String[n], entryId = new String[n];
        OffsetDateTime[] occurredAt = new OffsetDateTime[n];
        Long[] providerId = new Long[n], deploymentId = new Long[n], prompt = new Long[n], completion = new Long[n],
                total = new Long[n], latency = new Long[n], cached = new Long[n], cacheWrite = new Long[n],
                reasoning = new Long[n];
        Boolean[] stream = new Boolean[n], estimated = new Boolean[n], priced = new Boolean[n];
        Integer[] status = new Integer[n];
        BigDecimal[] multiplier = new BigDecimal[n], cost = new BigDecimal[n];
        for (int i = 0; i < n; i++) {
            UsageRecord r = unique.get(i);
            UsageEvent e = r.event();
            requestId[i] = e.requestId();
            clientRequestId[i] = e.clientRequestId();
            occurredAt[i] = OffsetDateTime.ofInstant(Instant.ofEpochMilli(e.timestampMs()), ZoneOffset.UTC);
            tenant[i] = e.tenantId();
            key[i] = e.keyId();
            endpoint[i] = e.endpoint();
            alias[i] = e.alias();
            providerId[i] = e.providerId();
            provider[i] = nullToEmpty(e.provider());
            deploymentId[i] = e.deploymentId();
            realModel[i] = nullToEmpty(e.realModel());
            stream[i] = e.stream();
            status[i] = e.status();
            prompt[i] = e.promptTokens();
            completion[i] = e.completionTokens();
            total[i] = e.totalTokens();
            estimated[i] = e.estimated();
            latency[i] = e.latencyMs();
            multiplier[i] = e.costMultiplier() == null ? BigDecimal.ONE : e.costMultiplier();
            cost[i] = r.cost().amount();
            currency[i] = r.cost().currency();
            priced[i] = r.cost().priced();
            traceId[i] = nullToEmpty(io.nexusai.api.TraceIds.sanitize(e.traceId()));
            entryId[i] = r.streamEntryId();
            cached[i] = e.cachedTokens();
            cacheWrite[i] = e.cacheWriteTokens();
            reasoning[i] = e.reasoningTokens();
        }
        Tuple params = Tuple.tuple(java.util.Arrays.asList(requestId, clientRequestId, occurredAt, tenant, key, endpoint, alias,
                providerId, provider, deploymentId, realModel, stream, status, prompt, completion, total, estimated, latency,
                multiplier, cost, currency, priced, traceId, entryId, cached, cacheWrite, reasoning));
        return pool.preparedQuery(INSERT).execute(params).map(rows -> {
            List<UsageRecord> inserted = new ArrayList<>(rows.size());
            for (Row row : rows) {
                inserted.add(byId.get(row.getString(0)));
            }
            return new InsertResult(inserted, inBatchDuplicates + n - inserted.size());
        });
    }

    /** Filters of a usage query; {@code tenantId} null means every tenant (admins only). */
    public record Filter(String tenantId, Instant start, Instant end, String keyId, String alias, String realModel,
                         String provider, String requestId) {
    }

    /**
     * Totals over a filter, optionally per time bucket. Cached and cache-write tokens are parts of the prompt
     * tokens, reasoning tokens part of the completion tokens.
     */
    public record Totals(Instant bucket, long requests, long promptTokens, long completionTokens, BigDecimal cost,
                         long cachedTokens, long cacheWriteTokens, long reasoningTokens) {
        public long totalTokens() {
            return promptTokens + completionTokens;
        }
    }

    /** Where aggregate queries read: rollups where the filter allows ({@code AUTO}), or events only. */
    public enum Source { AUTO, EVENTS }

    /** Totals, grouped by {@code bucketUnit} ("hour", "day") or not at all ({@code null}). */
    public Uni<List<Totals>> totals(Filter f, String bucketUnit) {
        return totals(f, bucketUnit, rollupQueries ? Source.AUTO : Source.EVENTS);
    }

    /** Totals from the given source; both give the same result for every filter. */
    public Uni<List<Totals>> totals(Filter f, String bucketUnit, Source source) {
        if (bucketUnit != null && !bucketUnit.equals("hour") && !bucketUnit.equals("day")) {
            throw new IllegalArgumentException("bucket unit " + bucketUnit);
        }
        Aggregate a = aggregate(f, source, bucketUnit == null ? List.of() : List.of("date_trunc('" + bucketUnit + "', %s, 'UTC')"),
                !"hour".equals(bucketUnit), bucketUnit == null ? "" : " ORDER BY 1");
        return readPool.preparedQuery(a.sql).execute(Tuple.tuple(a.params)).map(rows -> {
            List<Totals> out = new ArrayList<>();
            for (Row row : rows) {
                OffsetDateTime b = bucketUnit == null ? null : row.getOffsetDateTime(0);
                out.add(new Totals(b == null ? null : b.toInstant(), row.getLong("requests"), row.getLong("prompt"),
                        row.getLong("completion"), row.getBigDecimal("cost"), row.getLong("cached"),
                        row.getLong("cache_write"), row.getLong("reasoning")));
            }
            return out;
        });
    }

    /** Totals per tenant and model alias: the README's cost allocation. */
    public record Allocation(String tenantId, String alias, long requests, long totalTokens, BigDecimal cost) {
    }

    public Uni<List<Allocation>> allocation(Filter f) {
        return allocation(f, rollupQueries ? Source.AUTO : Source.EVENTS);
    }

    public Uni<List<Allocation>> allocation(Filter f, Source source) {
        Aggregate a = aggregate(f, source, List.of("tenant_id", "model_alias"), true, " ORDER BY cost DESC, 1, 2");
        return readPool.preparedQuery(a.sql).execute(Tuple.tuple(a.params)).map(rows -> {
            List<Allocation> out = new ArrayList<>();
            for (Row row : rows) {
                out.add(new Allocation(row.getString(0), row.getString(1), row.getLong("requests"),
                        row.getLong("prompt") + row.getLong("completion"), row.getBigDecimal("cost")));
            }
            return out;
        });
    }

    /** A slice of the queried period and the table that answers for it. */
    record Segment(String table, Instant from, Instant to) {
    }

    static final String EVENTS = "metering.usage_events";
    static final String MINUTES = "metering.usage_minute";
    static final String HOURS = "metering.usage_hour";
    static final String DAYS = "metering.usage_daily";

    /** A rollup table and the UTC unit of its buckets. */
    private record Rollup(String table, ChronoUnit unit) {
    }

    /** The rollups, coarsest first. */
    private static final List<Rollup> ROLLUPS = List.of(new Rollup(DAYS, ChronoUnit.DAYS), new Rollup(HOURS, ChronoUnit.HOURS),
            new Rollup(MINUTES, ChronoUnit.MINUTES));

    /**
     * Splits [start, end) into slices in time order: whole UTC days from the day rollup (if {@code daysAllowed}:
     * not when grouping by hour), whole hours from the hour rollup, whole minutes from the minute rollup, and only
     * the partial minutes at either end from the events. Each rollup takes the whole units inside what the coarser
     * ones left: for totals over 30 days, the days, then the hours before the first and after the last midnight,
     * then the minutes around those, then the events. Rollup buckets hold exactly the events with
     * {@code date_trunc(unit, occurred_at, 'UTC') = bucket}, so a slice with unit-aligned bounds sums to the same
     * as the events in it. An empty period is one (empty) slice of the events.
     */
    static List<Segment> plan(Instant start, Instant end, boolean daysAllowed) {
        List<Segment> out = new ArrayList<>();
        split(start, end, daysAllowed ? ROLLUPS : ROLLUPS.subList(1, ROLLUPS.size()), out);
        if (out.isEmpty()) {
            out.add(new Segment(EVENTS, start, end));
        }
        return out;
    }

    /** Appends the slices of [from, to) read from {@code rollups.get(0)}, the finer rollups and the events. */
    private static void split(Instant from, Instant to, List<Rollup> rollups, List<Segment> out) {
        if (!from.isBefore(to)) {
            return;
        }
        if (rollups.isEmpty()) {
            out.add(new Segment(EVENTS, from, to));
            return;
        }
        Rollup r = rollups.get(0);
        List<Rollup> finer = rollups.subList(1, rollups.size());
        Instant first = ceil(from, r.unit());
        Instant last = to.truncatedTo(r.unit());
        if (!first.isBefore(last)) { // no whole unit inside
            split(from, to, finer, out);
            return;
        }
        split(from, first, finer, out);
        out.add(new Segment(r.table(), first, last));
        split(last, to, finer, out);
    }

    private static Instant ceil(Instant t, ChronoUnit unit) {
        Instant floor = t.truncatedTo(unit);
        return floor.equals(t) ? t : floor.plus(1, unit);
    }

    private record Aggregate(String sql, List<Object> params) {
    }

    /**
     * One query over the segments of the plan (UNION ALL, summed again outside). {@code groups} are SQL
     * expressions, {@code %s} standing for the time column of the segment's table.
     */
    private static Aggregate aggregate(Filter f, Source source, List<String> groups, boolean daysAllowed, String orderBy) {
        List<Object> params = new ArrayList<>();
        StringBuilder filters = new StringBuilder();
        add(filters, params, "tenant_id", f.tenantId());
        add(filters, params, "key_id", f.keyId());
        add(filters, params, "model_alias", f.alias());
        add(filters, params, "real_model", f.realModel());
        add(filters, params, "provider", f.provider());
        List<Segment> segments;
        if (f.requestId() != null) { // only events know request ids
            params.add(f.requestId());
            filters.append(" AND (request_id = $").append(params.size()).append(" OR client_request_id = $")
                    .append(params.size()).append(')');
            segments = List.of(new Segment(EVENTS, f.start(), f.end()));
        } else if (source == Source.EVENTS) {
            segments = List.of(new Segment(EVENTS, f.start(), f.end()));
        } else {
            segments = plan(f.start(), f.end(), daysAllowed);
        }
        StringBuilder outerGroups = new StringBuilder();
        for (int i = 0; i < groups.size(); i++) {
            outerGroups.append("g").append(i).append(", ");
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(outerGroups)
                .append("COALESCE(sum(requests), 0)::bigint AS requests, COALESCE(sum(prompt), 0)::bigint AS prompt,"
                        + " COALESCE(sum(completion), 0)::bigint AS completion, COALESCE(sum(cost), 0) AS cost,"
                        + " COALESCE(sum(cached), 0)::bigint AS cached, COALESCE(sum(cache_write), 0)::bigint AS cache_write,"
                        + " COALESCE(sum(reasoning), 0)::bigint AS reasoning FROM (");
        for (int s = 0; s < segments.size(); s++) {
            Segment seg = segments.get(s);
            boolean events = seg.table().equals(EVENTS);
            String time = events ? "occurred_at" : "bucket";
            if (s > 0) {
                sql.append(" UNION ALL ");
            }
            sql.append("SELECT ");
            for (int i = 0; i < groups.size(); i++) {
                sql.append(groups.get(i).formatted(time)).append(" AS g").append(i).append(", ");
            }
            sql.append(events ? "count(*)" : "sum(requests)").append(" AS requests, sum(prompt_tokens) AS prompt,"
                    + " sum(completion_tokens) AS completion, sum(cost) AS cost, sum(cached_tokens) AS cached,"
                    + " sum(cache_write_tokens) AS cache_write, sum(reasoning_tokens) AS reasoning FROM ").append(seg.table());
            params.add(OffsetDateTime.ofInstant(seg.from(), ZoneOffset.UTC));
            sql.append(" WHERE ").append(time).append(" >= $").append(params.size());
            params.add(OffsetDateTime.ofInstant(seg.to(), ZoneOffset.UTC));
            sql.append(" AND ").append(time).append(" < $").append(params.size()).append(filters);
            if (!groups.isEmpty()) {
                sql.append(" GROUP BY ");
                for (int i = 0; i < groups.size(); i++) {
                    sql.append(i == 0 ? "" : ", ").append(i + 1);
                }
            }
        }
        sql.append(") s");
        if (!groups.isEmpty()) {
            sql.append(" GROUP BY ").append(outerGroups, 0, outerGroups.length() - 2);
        }
        sql.append(orderBy);
        return new Aggregate(sql.toString(), params);
    }

    /** A stored event as the usage API shows it. */
    public record StoredEvent(String requestId, String clientRequestId, Instant occurredAt, String tenantId, String keyId, String endpoint,
                              String model, String provider, String realModel, boolean stream, int status,
                              long promptTokens, long completionTokens, long totalTokens, boolean estimated,
                              long latencyMs, BigDecimal cost, String currency, String traceId, long cachedTokens,
                              long cacheWriteTokens, long reasoningTokens) {
    }

    public Uni<List<StoredEvent>> events(Filter f, int limit) {
        Where w = where(f);
        w.params.add(limit);
        String sql = "SELECT * FROM metering.usage_events" + w.sql + " ORDER BY occurred_at DESC, request_id LIMIT $" + w.params.size();
        return readPool.preparedQuery(sql).execute(Tuple.tuple(w.params)).map(rows -> {
            List<StoredEvent> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new StoredEvent(r.getString("request_id"), r.getString("client_request_id"), r.getOffsetDateTime("occurred_at").toInstant(),
                        r.getString("tenant_id"), r.getString("key_id"), r.getString("endpoint"), r.getString("model_alias"),
                        emptyToNull(r.getString("provider")), emptyToNull(r.getString("real_model")), r.getBoolean("stream"),
                        r.getInteger("status"), r.getLong("prompt_tokens"), r.getLong("completion_tokens"),
                        r.getLong("total_tokens"), r.getBoolean("estimated"), r.getLong("latency_ms"),
                        r.getBigDecimal("cost"), r.getString("currency"), emptyToNull(r.getString("trace_id")),
                        r.getLong("cached_tokens"), r.getLong("cache_write_tokens"), r.getLong("reasoning_tokens")));
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
