package io.nexusai.metering;

import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.config.MeteringConfig;
import io.nexusai.metering.pricing.PriceBook;
import io.nexusai.metering.repository.MeteringMigrations;
import io.nexusai.metering.repository.UsagePartitions;
import io.nexusai.metering.repository.UsagePartitions.Round;
import io.nexusai.metering.repository.UsageRecord;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.DbCoordinates;
import io.nexusai.testsupport.PostgresProvider;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.inject.Inject;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The day partitions of {@code usage_events} (migration V4): created ahead at start and by concurrent rounds exactly
 * once; the retention drops exactly the partitions wholly older than it (and the default partition's rows of those
 * days) and nothing else, never the rollups; and V4 converts a V3 table with rows without losing any, a redelivered
 * event still counting once across the change.
 */
@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class UsagePartitionsTest {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");

    @Inject
    UsagePartitions partitions;
    @Inject
    UsageRepository usage;
    @Inject
    PriceBook prices;
    @Inject
    MeteringConfig config;
    @Inject
    Pool pool;
    @Inject
    Vertx vertx;
    @Inject
    Flyway serviceFlyway;

    @Test
    void partitionsAreCreatedAheadAtStartAndOnceByConcurrentRounds() throws Exception {
        partitions.firstRound().toCompletableFuture().get(60, TimeUnit.SECONDS);
        LocalDate today = one("SELECT (now() AT TIME ZONE 'UTC')::date").getLocalDate(0);
        Set<String> present = partitionNames(pool);
        for (int i = 0; i < config.partitionsAhead(); i++) { // the start round's day may be yesterday by now
            assertThat(present).contains(name(today.plusDays(i)));
        }
        assertThat(present).contains("usage_events_default");

        // four replicas' rounds at once: each partition created by exactly one of them, none fails
        Instant future = Instant.parse("2031-03-04T05:06:07Z");
        List<Round> rounds = Uni.join().all(List.of(partitions.maintain(future, Duration.ZERO), partitions.maintain(future, Duration.ZERO),
                partitions.maintain(future, Duration.ZERO), partitions.maintain(future, Duration.ZERO))).andFailFast().await().indefinitely();
        List<String> created = rounds.stream().flatMap(r -> r.created().stream()).toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i <= config.partitionsAhead(); i++) {
            expected.add(name(LocalDate.of(2031, 3, 4).plusDays(i)));
        }
        assertThat(created).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(partitionNames(pool)).containsAll(expected);
        assertThat(partitions.maintain(future, Duration.ZERO).await().indefinitely().created()).isEmpty();
    }

    @Test
    void retentionDropsExactlyThePartitionsWhollyOlderThanIt() throws Exception {
        partitions.firstRound().toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(config.usageRetention()).isEqualTo(Duration.ofDays(400));
        // partitions of 2001-01-20 .. 2001-01-27, as a round on 2001-01-20 creates them
        Round setup = partitions.maintain(Instant.parse("2001-01-20T00:00:00Z"), Duration.ZERO).await().indefinitely();
        assertThat(setup.created()).contains(name(LocalDate.of(2001, 1, 20)), name(LocalDate.of(2001, 1, 27)));

        // a round on 2002-03-01 10:00 keeps 400 days: from 2001-01-25 10:00, so the partitions of days before 2001-01-25
        String tenant = "ret-" + UUID.randomUUID().toString().substring(0, 8);
        String[] dropped = {"2001-01-23T12:00:00Z", "2001-01-24T23:59:59.999Z", "2000-12-01T00:00:00Z"}; // the last in the default partition
        String[] kept = {"2001-01-25T00:00:00Z", "2001-01-25T09:59:59.999Z", "2001-01-25T10:00:00Z", "2001-01-26T10:00:00Z",
                "2001-02-10T08:00:00Z"}; // the last in the default partition, moved to a partition of its own
        List<UsageRecord> records = new ArrayList<>();
        for (String t : dropped) {
            records.add(record(prices, tenant, "drop-" + t, Instant.parse(t), records.size()));
        }
        List<UsageRecord> keptRecords = new ArrayList<>();
        for (String t : kept) {
            keptRecords.add(record(prices, tenant, "keep-" + t, Instant.parse(t), records.size() + keptRecords.size()));
        }
        records.addAll(keptRecords);
        assertThat(usage.insertAll(records).await().indefinitely().inserted()).hasSize(records.size());
        assertThat(one("SELECT count(*) FROM metering.usage_events_default WHERE tenant_id = '" + tenant + "'").getLong(0)).isEqualTo(2);
        String rollupsBefore = rollups(tenant);
        Set<String> before = partitionNames(pool);

        Round round = partitions.maintain(Instant.parse("2002-03-01T10:00:00Z")).await().indefinitely();

        List<String> droppedParts = List.of("usage_events_20010120", "usage_events_20010121", "usage_events_20010122",
                "usage_events_20010123", "usage_events_20010124");
        assertThat(round.dropped()).containsExactlyElementsOf(droppedParts);
        assertThat(round.purgedDefaultRows()).isEqualTo(1);
        assertThat(round.created()).contains("usage_events_20010210", "usage_events_20020301", "usage_events_20020308");
        Set<String> expected = new HashSet<>(before);
        droppedParts.forEach(expected::remove);
        expected.addAll(round.created());
        assertThat(partitionNames(pool)).isEqualTo(expected);

        // exactly the rows of the kept days remain (those at the boundary too); the rollups are untouched
        List<String> remaining = new ArrayList<>();
        for (Row r : pool.query("SELECT request_id, tableoid::regclass::text FROM metering.usage_events WHERE tenant_id = '" + tenant
                + "' ORDER BY occurred_at").execute().await().indefinitely()) {
            remaining.add(r.getString(0));
            if (r.getString(0).startsWith("keep-2001-02-10")) {
                assertThat(r.getString(1)).isEqualTo("metering.usage_events_20010210");
            }
        }
        assertThat(remaining).containsExactlyElementsOf(keptRecords.stream().map(r -> r.event().requestId()).toList());
        assertThat(rollups(tenant)).isEqualTo(rollupsBefore);

        // the kept events redelivered: stored once, counted once
        UsageRepository.InsertResult again = usage.insertAll(keptRecords).await().indefinitely();
        assertThat(again.inserted()).isEmpty();
        assertThat(again.duplicates()).isEqualTo(keptRecords.size());
        assertThat(rollups(tenant)).isEqualTo(rollupsBefore);

        // a second round finds nothing more to do
        Round second = partitions.maintain(Instant.parse("2002-03-01T10:00:00Z")).await().indefinitely();
        assertThat(second.dropped()).isEmpty();
        assertThat(second.purgedDefaultRows()).isZero();
    }

    @Test
    void migrationKeepsEveryRowAndEventsStillCountOnce() throws Exception {
        DbCoordinates db = PostgresProvider.shared().newDatabase("metering_v3");
        flyway(db, "3").migrate();
        String tenant = "mig-" + UUID.randomUUID().toString().substring(0, 8);
        SplittableRandom random = new SplittableRandom(11);
        Instant midnight = Instant.parse("2026-10-01T00:00:00Z");
        List<UsageRecord> records = new ArrayList<>();
        long[] edges = {midnight.toEpochMilli(), midnight.toEpochMilli() - 1, 0L, Instant.parse("2099-12-31T23:59:59.999Z").toEpochMilli()};
        for (int i = 0; i < 700; i++) {
            long ts = i < edges.length ? edges[i] : midnight.toEpochMilli() - 20 * 86_400_000L + random.nextLong(40 * 86_400_000L);
            records.add(record(prices, tenant, tenant + "-" + i, Instant.ofEpochMilli(ts), i));
        }
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
            insertRows(c, records);
            String[] before = snapshot(c);
            assertThat(before[0]).isEqualTo("700");

            flyway(db, null).migrate();

            assertThat(scalar(c, "SELECT relkind::text FROM pg_class WHERE oid = 'metering.usage_events'::regclass")).isEqualTo("p");
            assertThat(snapshot(c)).containsExactly(before);
            assertThat(scalar(c, "SELECT count(*) FROM metering.usage_events_default")).isEqualTo("0");
            assertThat(scalar(c, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'metering.usage_events'::regclass"))
                    .isEqualTo(scalar(c, "SELECT count(DISTINCT (occurred_at AT TIME ZONE 'UTC')::date) + 1 FROM metering.usage_events"));
            assertThat(scalar(c, "SELECT to_regclass('metering.usage_events_v3')")).isNull();
            // V5 filled the hour rollup from the minute rollup: exactly the events per hour
            String hours = "SELECT date_trunc('hour', occurred_at, 'UTC'), tenant_id, key_id, model_alias, real_model, provider,"
                    + " count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost), sum(cached_tokens), sum(cache_write_tokens),"
                    + " sum(reasoning_tokens) FROM metering.usage_events GROUP BY 1, 2, 3, 4, 5, 6";
            String hourRollup = "SELECT bucket, tenant_id, key_id, model_alias, real_model, provider, requests, prompt_tokens,"
                    + " completion_tokens, cost, cached_tokens, cache_write_tokens, reasoning_tokens FROM metering.usage_hour";
            assertThat(scalar(c, "SELECT count(*) FROM ((" + hours + ") EXCEPT (" + hourRollup + ")) d")).isEqualTo("0");
            assertThat(scalar(c, "SELECT count(*) FROM ((" + hourRollup + ") EXCEPT (" + hours + ")) d")).isEqualTo("0");
            assertThat(scalar(c, "SELECT sum(requests) FROM metering.usage_hour")).isEqualTo("700");

            // the same events redelivered after the change: stored once, counted once; new ones counted
            Pool migrated = PgBuilder.pool().with(new PoolOptions().setMaxSize(2))
                    .connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
                            .setUser(db.user()).setPassword(db.password() == null ? "" : db.password()))
                    .using(vertx).build();
            try {
                UsageRepository repository = new UsageRepository(migrated, migrated, config);
                UsageRepository.InsertResult again = repository.insertAll(records).await().indefinitely();
                assertThat(again.inserted()).isEmpty();
                assertThat(again.duplicates()).isEqualTo(700);
                assertThat(snapshot(c)).containsExactly(before);

                List<UsageRecord> more = new ArrayList<>(records.subList(0, 50));
                for (int i = 700; i < 703; i++) {
                    more.add(record(prices, tenant, tenant + "-" + i, midnight.plusSeconds(i), i));
                }
                UsageRepository.InsertResult added = repository.insertAll(more).await().indefinitely();
                assertThat(added.inserted()).hasSize(3);
                assertThat(added.duplicates()).isEqualTo(50);
                assertThat(scalar(c, "SELECT sum(requests) FROM metering.usage_minute")).isEqualTo("703");
                assertThat(scalar(c, "SELECT sum(requests) FROM metering.usage_hour")).isEqualTo("703");
                assertThat(scalar(c, "SELECT sum(requests) FROM metering.usage_daily")).isEqualTo("703");
                assertThat(scalar(c, "SELECT count(*) FROM metering.usage_events")).isEqualTo("703");
            } finally {
                migrated.closeAndAwait();
            }
        }
    }

    /**
     * V5 was first released with its own copy of usage_minute's definition (kept in test resources as it was): a
     * database migrated with that text starts with the current one (Flyway's validation passes), and its tables
     * and indexes end as a new database's.
     */
    @Test
    void aDatabaseMigratedWithTheFirstV5IsAcceptedAndEndsAsANewOne() throws Exception {
        // the service migrates at start with the callback this test runs
        assertThat(serviceFlyway.getConfiguration().getCallbacks()).extracting(c -> c.getCallbackName()).contains("nexus-equivalent-v5");
        DbCoordinates fresh = PostgresProvider.shared().newDatabase("metering_v5_now");
        flyway(fresh, null).migrate();
        DbCoordinates first = PostgresProvider.shared().newDatabase("metering_v5_first");
        flyway(first, "4").migrate();
        Flyway.configure().dataSource(first.jdbcUrl(), first.user(), first.password())
                .locations("classpath:db/metering-v5-first").schemas("metering").defaultSchema("metering")
                .ignoreMigrationPatterns("*:missing").load().migrate();
        try (Connection c = DriverManager.getConnection(first.jdbcUrl(), first.user(), first.password());
             Connection n = DriverManager.getConnection(fresh.jdbcUrl(), fresh.user(), fresh.password())) {
            String v5 = "SELECT checksum FROM metering.flyway_schema_history WHERE version = '5'";
            assertThat(scalar(c, v5)).isEqualTo(String.valueOf(MeteringMigrations.FIRST_V5_CHECKSUM));
            assertThat(scalar(n, v5)).isEqualTo(String.valueOf(MeteringMigrations.CURRENT_V5_CHECKSUM));
            // as Flyway alone sees it: the service would not start
            assertThatThrownBy(() -> Flyway.configure().dataSource(first.jdbcUrl(), first.user(), first.password())
                    .locations("classpath:db/metering").schemas("metering").defaultSchema("metering").load().migrate())
                    .isInstanceOf(FlywayValidateException.class).hasMessageContaining("checksum mismatch");

            flyway(first, null).migrate();
            flyway(first, null).validate();
            assertThat(scalar(c, v5)).isEqualTo(String.valueOf(MeteringMigrations.CURRENT_V5_CHECKSUM));
            String shape = "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
                    + " SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS x"
                    + " FROM information_schema.columns WHERE table_schema = 'metering' AND table_name LIKE 'usage\\_%' AND table_name NOT LIKE 'usage\\_events\\_%'"
                    + " UNION ALL SELECT tablename || ' ' || indexname || ' ' || regexp_replace(indexdef, '\\S+\\.', '', 'g')"
                    + " FROM pg_indexes WHERE schemaname = 'metering' AND tablename LIKE 'usage\\_%' AND tablename NOT LIKE 'usage\\_events\\_%') s";
            assertThat(scalar(c, shape)).contains("usage_hour usage_hour_pkey").isEqualTo(scalar(n, shape));
        }
    }

    private static Flyway flyway(DbCoordinates db, String target) {
        var configuration = MeteringMigrations.apply(Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password())
                .locations("classpath:db/metering").schemas("metering").defaultSchema("metering"));
        if (target != null) {
            configuration.target(target);
        }
        return configuration.load();
    }

    /**
     * Rows by plain SQL, as a service before V4 stored them (or replication brings them): the events, and rollups
     * that sum every event of the database (as V2 computed them; the hour rollup too once V5 created it).
     */
    static void insertRows(Connection c, List<UsageRecord> records) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO metering.usage_events (request_id, client_request_id, occurred_at,"
                + " tenant_id, key_id, endpoint, model_alias, provider_id, provider, deployment_id, real_model, stream, status,"
                + " prompt_tokens, completion_tokens, total_tokens, estimated, latency_ms, cost_multiplier, cost, currency, priced,"
                + " trace_id, stream_entry_id, cached_tokens, cache_write_tokens, reasoning_tokens)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (UsageRecord r : records) {
                UsageEvent e = r.event();
                int i = 0;
                ps.setString(++i, e.requestId());
                ps.setString(++i, e.clientRequestId());
                ps.setTimestamp(++i, Timestamp.from(Instant.ofEpochMilli(e.timestampMs())));
                ps.setString(++i, e.tenantId());
                ps.setString(++i, e.keyId());
                ps.setString(++i, e.endpoint());
                ps.setString(++i, e.alias());
                ps.setLong(++i, e.providerId());
                ps.setString(++i, e.provider() == null ? "" : e.provider());
                ps.setLong(++i, e.deploymentId());
                ps.setString(++i, e.realModel() == null ? "" : e.realModel());
                ps.setBoolean(++i, e.stream());
                ps.setInt(++i, e.status());
                ps.setLong(++i, e.promptTokens());
                ps.setLong(++i, e.completionTokens());
                ps.setLong(++i, e.totalTokens());
                ps.setBoolean(++i, e.estimated());
                ps.setLong(++i, e.latencyMs());
                ps.setBigDecimal(++i, e.costMultiplier());
                ps.setBigDecimal(++i, r.cost().amount());
                ps.setString(++i, r.cost().currency());
                ps.setBoolean(++i, r.cost().priced());
                ps.setString(++i, "");
                ps.setString(++i, r.streamEntryId());
                ps.setLong(++i, e.cachedTokens());
                ps.setLong(++i, e.cacheWriteTokens());
                ps.setLong(++i, e.reasoningTokens());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (Statement s = c.createStatement()) {
            boolean hours = scalar(c, "SELECT to_regclass('metering.usage_hour')") != null;
            String[][] rollups = hours ? new String[][] {{"usage_minute", "minute"}, {"usage_hour", "hour"}, {"usage_daily", "day"}}
                    : new String[][] {{"usage_minute", "minute"}, {"usage_daily", "day"}};
            for (String[] t : rollups) {
                s.execute("INSERT INTO metering." + t[0] + " SELECT date_trunc('" + t[1] + "', occurred_at, 'UTC'), tenant_id, key_id,"
                        + " model_alias, real_model, provider, count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost),"
                        + " sum(cached_tokens), sum(cache_write_tokens), sum(reasoning_tokens) FROM metering.usage_events GROUP BY 1, 2, 3, 4, 5, 6");
            }
        }
    }

    /** Row count, and a digest of every row, of the events and of both rollups. */
    private static String[] snapshot(Connection c) throws Exception {
        return new String[] {
                scalar(c, "SELECT count(*) FROM metering.usage_events"),
                scalar(c, "SELECT md5(string_agg(t::text, '|' ORDER BY request_id)) FROM metering.usage_events t"),
                scalar(c, "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM metering.usage_minute t"),
                scalar(c, "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM metering.usage_daily t")};
    }

    private static String scalar(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    /** An event of the tenant, its numbers varied by {@code i}, priced. */
    static UsageRecord record(PriceBook prices, String tenant, String requestId, Instant at, int i) {
        String[] m = RollupTest.MODELS[i % RollupTest.MODELS.length];
        BigDecimal multiplier = new BigDecimal(RollupTest.MULTIPLIERS[i % RollupTest.MULTIPLIERS.length]);
        long prompt = 100 + i * 7L;
        long completion = 50 + i * 3L;
        UsageEvent e = new UsageEvent(requestId, i % 5 == 0 ? "client-" + requestId : null, at.toEpochMilli(), tenant, "key-" + i % 3,
                "chat.completions", m[0], m[1].isEmpty() ? 0 : 1, m[1].isEmpty() ? null : m[1], 1, m[2].isEmpty() ? null : m[2],
                i % 2 == 0, 200, prompt, completion, false, 10 + i, multiplier, null, i % 4, i % 3, i % 5);
        return new UsageRecord(e, prices.cost(e.realModel(), prompt, completion, multiplier), "0-" + i);
    }

    /** Every rollup row of the tenant, as text. */
    private String rollups(String tenant) {
        StringBuilder sb = new StringBuilder();
        for (String table : List.of("usage_minute", "usage_hour", "usage_daily")) {
            for (Row r : pool.query("SELECT t::text FROM metering." + table + " t WHERE tenant_id = '" + tenant + "' ORDER BY 1")
                    .execute().await().indefinitely()) {
                sb.append(table).append(' ').append(r.getString(0)).append('\n');
            }
        }
        assertThat(sb).isNotEmpty();
        return sb.toString();
    }

    static Set<String> partitionNames(Pool pool) {
        Set<String> out = new HashSet<>();
        for (Row r : pool.query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent = 'metering.usage_events'::regclass").execute().await().indefinitely()) {
            out.add(r.getString(0));
        }
        return out;
    }

    private static String name(LocalDate day) {
        return "usage_events_" + DAY.format(day);
    }

    private Row one(String sql) {
        return pool.query(sql).execute().await().indefinitely().iterator().next();
    }
}
