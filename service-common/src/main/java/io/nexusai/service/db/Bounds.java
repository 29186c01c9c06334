package io.nexusai.service.db;

import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bound on every wait for PostgreSQL ({@code NEXUS_DB_TIMEOUT}) and what failing it means: which failures
 * are an outage (answered 503 {@code database_unavailable}), and one log line when an outage starts and one when
 * it ends — not one per request. Failures that are the database's own answer (a constraint violated, a value out
 * of range) are passed on unchanged.
 */
final class Bounds {
    private static final Logger LOG = Logger.getLogger("io.nexusai.service.db");

    private final Vertx vertx;
    private final long timeoutMillis;
    private final String timeoutText;
    private final long retryAfterSeconds;
    /** {@code System.nanoTime()} when the current outage began, or 0 while the database answers. */
    private final AtomicLong downSince = new AtomicLong();

    Bounds(Vertx vertx, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("NEXUS_DB_TIMEOUT (nexus.db.timeout) must be positive, not " + timeout);
        }
        this.vertx = vertx;
        this.timeoutMillis = Math.min(timeout.toMillis(), Integer.MAX_VALUE);
        this.timeoutText = text(timeout);
        this.retryAfterSeconds = Math.max(1, (timeoutMillis + 999) / 1000);
    }

    Vertx vertx() {
        return vertx;
    }

    /** The bound, in milliseconds. */
    long timeoutMillis() {
        return timeoutMillis;
    }

    /** A statement that got no answer in time. */
    DatabaseUnavailableException timedOut() {
        return outage(unavailable("The database did not answer within " + timeoutText + "; retry shortly."), "no answer within " + timeoutText);
    }

    /** A statement on a connection given up earlier (its statement did not answer in time). */
    DatabaseUnavailableException abandoned() {
        return unavailable("The database did not answer within " + timeoutText + "; retry shortly.");
    }

    /** Getting a connection failed: refused, unreachable, no answer in time, login refused, or too many waiting. */
    DatabaseUnavailableException acquisitionFailed(Throwable cause) {
        if (cause instanceof DatabaseUnavailableException known) {
            return known;
        }
        if (cause instanceof ConnectionPoolTooBusyException) {
            return outage(unavailable("Too many requests are waiting for the database; retry shortly."), "too many requests waiting for a connection");
        }
        if (isPoolTimeout(cause)) {
            return outage(unavailable("The database did not answer within " + timeoutText + "; retry shortly."),
                    "no connection within " + timeoutText);
        }
        return outage(unavailable("The database is unavailable; retry shortly."), describe(cause));
    }

    /**
     * A statement failed: an outage when the connection was lost or the server is going away, else the database's
     * own answer, returned unchanged.
     */
    Throwable statementFailed(Throwable cause) {
        if (cause instanceof DatabaseUnavailableException) {
            return cause;
        }
        if (!connectionLost(cause)) {
            return cause;
        }
        return outage(unavailable("The database is unavailable; retry shortly."), describe(cause));
    }

    /** The database answered: ends an outage if there was one. */
    void answered() {
        long since = downSince.get();
        if (since != 0 && downSince.compareAndSet(since, 0)) {
            LOG.infof("PostgreSQL answers again (unavailable for %s)", text(Duration.ofNanos(System.nanoTime() - since)));
        }
    }

    private DatabaseUnavailableException outage(DatabaseUnavailableException e, String why) {
        if (downSince.compareAndSet(0, System.nanoTime())) {
            LOG.warnf("PostgreSQL unavailable (%s): answering 503 %s until it answers again", why, DatabaseUnavailableException.CODE);
        } else {
            LOG.debugf("PostgreSQL still unavailable (%s)", why);
        }
        return e;
    }

    private DatabaseUnavailableException unavailable(String message) {
        return new DatabaseUnavailableException(message, retryAfterSeconds);
    }

    /** Whether a failed statement means the connection is gone (or going): transport failures and PostgreSQL's shutdown codes. */
    static boolean connectionLost(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
            if (t instanceof PgException pg) {
                String state = pg.getSqlState();
                // 08: connection exception; 57P01-05: shut down, crashed, starting up, database dropped, idle timeout;
                // 53300: too many connections
                return state != null && (state.startsWith("08") || state.startsWith("57P") || "53300".equals(state));
            }
            if (t instanceof IOException || t instanceof ConnectionPoolTooBusyException) {
                return true; // reset, closed channel, refused
            }
            if ((t instanceof VertxException || t instanceof NoStackTraceThrowable) && t.getMessage() != null) {
                String m = t.getMessage().toLowerCase(Locale.ROOT);
                if (m.contains("closed") || m.contains("not active")) { // "Connection was closed", "... connection has been closed."
                    return true;
                }
            }
        }
        return false;
    }

    /** The pool's own timeout waiting for a connection (PoolOptions.connectionTimeout): "Timeout", "Timeout waiting for connection". */
    private static boolean isPoolTimeout(Throwable t) {
        return (t instanceof VertxException || t instanceof NoStackTraceThrowable) && t.getMessage() != null
                && t.getMessage().toLowerCase(Locale.ROOT).startsWith("timeout");
    }

    /** The kind of failure and the client's message ("Connection refused: /127.0.0.1:5432"); never credentials. */
    private static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** "5 s", "1.5 s", "500 ms" (to the tenth of a second from 1 s on). */
    static String text(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return BigDecimal.valueOf(ms, 3).setScale(1, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + " s";
    }
}
