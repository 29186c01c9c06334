package io.nexusai.service.db;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;

import java.util.List;

/**
 * PostgreSQL did not answer within {@code NEXUS_DB_TIMEOUT}, refused the connection, lost it, or has no connection
 * free for another waiting request: 503 {@code service_unavailable} with code {@value #CODE} and
 * {@code Retry-After}. Thrown only by the bounded pool ({@link BoundedPool}); its message names no host, user or
 * password. A library in between (Hibernate Reactive) may wrap it: {@link #in(Throwable)} finds it.
 */
public final class DatabaseUnavailableException extends ApiException {
    /** The {@code error.code} of every answer to a database outage. */
    public static final String CODE = "database_unavailable";

    DatabaseUnavailableException(String message, long retryAfterSeconds) {
        super(503, ErrorType.UNAVAILABLE.wire(), message, null, CODE, List.of(), retryAfterSeconds);
    }

    /** The first {@code DatabaseUnavailableException} in the cause chain of {@code failure}, or {@code null}. */
    public static DatabaseUnavailableException in(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) { // bounded: a cause chain can loop
            if (t instanceof DatabaseUnavailableException unavailable) {
                return unavailable;
            }
        }
        return null;
    }
}
