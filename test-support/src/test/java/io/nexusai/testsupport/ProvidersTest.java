package io.nexusai.testsupport;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;

import static org.assertj.core.api.Assertions.assertThat;

class ProvidersTest {

    @Test
    void postgresGivesSeparateRealDatabases() throws Exception {
        PostgresProvider.Server server = PostgresProvider.shared();
        DbCoordinates a = server.newDatabase("t");
        DbCoordinates b = server.newDatabase("t");
        assertThat(a.database()).isNotEqualTo(b.database());
        try (Connection c = PostgresProvider.connect(a.host(), a.port(), a.database(), a.user(), a.password());
             ResultSet r = c.createStatement().executeQuery("SELECT current_database(), version()")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo(a.database());
            assertThat(r.getString(2)).startsWith("PostgreSQL");
        }
    }

    @Test
    void redisAnswersPing() {
        RedisProvider.Server server = RedisProvider.shared();
        assertThat(RedisProvider.pings(server.url())).isTrue();
        assertThat(RedisProvider.pings("redis://127.0.0.1:" + Ports.free())).isFalse();
    }
}
