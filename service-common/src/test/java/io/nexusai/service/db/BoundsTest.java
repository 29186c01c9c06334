package io.nexusai.service.db;

import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What counts as a database outage, and what its answer says. */
class BoundsTest {
    final Bounds bounds = new Bounds(null, Duration.ofSeconds(5));

    @Test
    void theAnswerNamesTheBoundAndRetryAfterIsItInWholeSeconds() {
        DatabaseUnavailableException e = bounds.timedOut();
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.type()).isEqualTo("service_unavailable");
        assertThat(e.code()).isEqualTo("database_unavailable");
        assertThat(e.getMessage()).isEqualTo("The database did not answer within 5 s; retry shortly.");
        assertThat(e.retryAfterSeconds()).isEqualTo(5);
        assertThat(e.getStackTrace()).isEmpty();
        assertThat(new Bounds(null, Duration.ofMillis(1500)).timedOut().retryAfterSeconds()).isEqualTo(2);
        assertThat(new Bounds(null, Duration.ofMillis(200)).timedOut().retryAfterSeconds()).isEqualTo(1);
        assertThat(Bounds.text(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Bounds.text(Duration.ofMillis(250))).isEqualTo("250 ms");
        assertThat(Bounds.text(Duration.ofMinutes(1))).isEqualTo("60 s");
        assertThatThrownBy(() -> new Bounds(null, Duration.ZERO)).hasMessageContaining("NEXUS_DB_TIMEOUT");
    }

    @Test
    void everyFailureToGetAConnectionIsAnOutage() {
        assertThat(bounds.acquisitionFailed(new ConnectException("Connection refused: /127.0.0.1:5432")).getMessage())
                .isEqualTo("The database is unavailable; retry shortly.");
        assertThat(bounds.acquisitionFailed(new NoStackTraceThrowable("Timeout")).getMessage())
                .isEqualTo("The database did not answer within 5 s; retry shortly.");
        assertThat(bounds.acquisitionFailed(new VertxException("Timeout waiting for connection", true)).getMessage())
                .isEqualTo("The database did not answer within 5 s; retry shortly.");
        assertThat(bounds.acquisitionFailed(new ConnectionPoolTooBusyException("Connection pool reached max wait queue size of 4"))
                .getMessage()).isEqualTo("Too many requests are waiting for the database; retry shortly.");
        assertThat(bounds.acquisitionFailed(new PgException("password authentication failed for user nexus", "FATAL", "28P01", null))
                .getMessage()).isEqualTo("The database is unavailable; retry shortly.");
    }

    @Test
    void aStatementFailsAsAnOutageOnlyWhenItsConnectionIsGone() {
        assertThat(bounds.statementFailed(new VertxException("Connection was closed", true)))
                .isInstanceOf(DatabaseUnavailableException.class);
        assertThat(bounds.statementFailed(new PgException("terminating connection due to administrator command", "FATAL", "57P01", null)))
                .isInstanceOf(DatabaseUnavailableException.class);
        assertThat(bounds.statementFailed(new RuntimeException(new java.io.IOException("Connection reset by peer"))))
                .isInstanceOf(DatabaseUnavailableException.class);
        // the database's own answers are passed on: constraint violations, bad values, our own bugs
        PgException duplicate = new PgException("duplicate key value violates unique constraint", "ERROR", "23505", null);
        assertThat(bounds.statementFailed(duplicate)).isSameAs(duplicate);
        IllegalArgumentException bug = new IllegalArgumentException("Parameter at position[0] cannot be coerced");
        assertThat(bounds.statementFailed(bug)).isSameAs(bug);
    }

    @Test
    void anOutageIsFoundHoweverALibraryWrappedIt() {
        DatabaseUnavailableException e = bounds.timedOut();
        assertThat(DatabaseUnavailableException.in(new IllegalStateException("storing a batch failed", new RuntimeException(e)))).isSameAs(e);
        assertThat(DatabaseUnavailableException.in(new IllegalStateException("other"))).isNull();
    }
}
