package io.nexusai.metering;

import io.nexusai.metering.config.ReadPoolCreator;
import io.nexusai.metering.pricing.PriceBook;
import io.nexusai.metering.repository.UsageRecord;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.metering.repository.UsageRepository.Filter;
import io.nexusai.metering.repository.UsageRepository.Source;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.DbCoordinates;
import io.nexusai.testsupport.PostgresProvider;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With a read replica ({@code NEXUS_DB_READ_HOST}), the usage API's queries read it and ingest writes the primary.
 * The "replica" is a second database on the same embedded PostgreSQL server, migrated with the metering scripts,
 * behind the {@code read} datasource: rows written to it directly stand for what replication brings, so what the
 * queries answer shows which database they read. The {@code read} sessions are read-only.
 */
@QuarkusTest
@TestProfile(UsageReadReplicaTest.Replica.class)
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class UsageReadReplicaTest {
    /** The {@code read} datasource on a database of its own. */
    public static class Replica implements QuarkusTestProfile {
        static volatile DbCoordinates replica;

        @Override
        public Map<String, String> getConfigOverrides() {
            replica = PostgresProvider.shared().newDatabase("metering_replica");
            Flyway.configure().dataSource(replica.jdbcUrl(), replica.user(), replica.password())
                    .locations("classpath:db/metering").schemas("metering").defaultSchema("metering").load().migrate();
            return Map.of("quarkus.datasource.\"read\".reactive.url",
                    "postgresql://" + replica.host() + ":" + replica.port() + "/" + replica.database());
        }
    }

    @Inject
    UsageRepository usage;
    @Inject
    PriceBook prices;
    @Inject
    Pool primary;
    @Inject
    @ReactiveDataSource(ReadPoolCreator.READ)
    Pool read;

    @Test
    void queriesReadTheReplicaAndIngestWritesThePrimary() throws Exception {
        String tenant = "replica-" + UUID.randomUUID().toString().substring(0, 8);
        Instant at = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofHours(2));
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(UsagePartitionsTest.record(prices, tenant, tenant + "-" + i, at.plusSeconds(i * 61L), i));
        }
        Filter filter = new Filter(tenant, at.minus(Duration.ofDays(1)), at.plus(Duration.ofHours(1)), null, null, null, null, null);

        // ingest: the primary
        assertThat(usage.insertAll(records).await().indefinitely().inserted()).hasSize(3);
        assertThat(count(primary, tenant)).isEqualTo(3);
        assertThat(count(read, tenant)).isZero();
        // the queries: the replica, which has nothing of it yet
        assertThat(usage.events(filter, 10).await().indefinitely()).isEmpty();
        assertThat(usage.totals(filter, null, Source.EVENTS).await().indefinitely().get(0).requests()).isZero();

        // once the replica has the rows, every query answers them
        try (Connection c = DriverManager.getConnection(Replica.replica.jdbcUrl(), Replica.replica.user(), Replica.replica.password())) {
            UsagePartitionsTest.insertRows(c, records);
        }
        assertThat(usage.events(filter, 10).await().indefinitely()).extracting(UsageRepository.StoredEvent::requestId)
                .containsExactlyInAnyOrder(tenant + "-0", tenant + "-1", tenant + "-2");
        for (Source source : Source.values()) {
            assertThat(usage.totals(filter, null, source).await().indefinitely().get(0).requests()).as("%s", source).isEqualTo(3);
            assertThat(usage.allocation(filter, source).await().indefinitely()).as("%s", source).hasSize(3);
        }

        // the read datasource never writes
        assertThatThrownBy(() -> read.query("DELETE FROM metering.usage_minute").execute().await().indefinitely())
                .hasMessageContaining("read-only transaction");
        assertThat(count(read, tenant)).isEqualTo(3);
    }

    private static long count(Pool pool, String tenant) {
        return pool.query("SELECT count(*) FROM metering.usage_events WHERE tenant_id = '" + tenant + "'").execute()
                .await().indefinitely().iterator().next().getLong(0);
    }
}
