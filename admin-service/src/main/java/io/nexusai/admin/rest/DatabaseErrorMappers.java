package io.nexusai.admin.rest;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.service.db.DatabaseUnavailableException;
import io.nexusai.service.rest.RestErrorMappers;
import io.vertx.pgclient.PgException;
import jakarta.ws.rs.core.Response;
import org.hibernate.JDBCException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.sql.SQLException;

/**
 * Database errors that slip past the services' own checks, however they are wrapped (Hibernate Reactive, for one,
 * reports PostgreSQL's errors as {@code JDBCException -> SQLException}, the reactive client as {@code PgException}),
 * are answered by their SQL state: a unique or foreign-key violation (e.g. two concurrent creates of the same name)
 * is 409, a value out of range or malformed is 400, anything else 500 with only the SQL state in the log (the
 * database's message may quote the data). A database outage ({@link DatabaseUnavailableException}, however wrapped)
 * is 503 {@code database_unavailable}.
 *
 * <p>It maps {@link Exception} because the database error can be the cause of anything; failures without one are
 * passed to {@link RestErrorMappers#internalError}, as they would have been without this mapper.
 */
public class DatabaseErrorMappers {
    private static final Logger LOG = Logger.getLogger(DatabaseErrorMappers.class);

    @ServerExceptionMapper
    public Response failure(Exception e) {
        DatabaseUnavailableException unavailable = DatabaseUnavailableException.in(e);
        if (unavailable != null) { // the database did not answer in time, or is unreachable: 503, not 500
            return response(unavailable);
        }
        String state = sqlState(e);
        if (state == null) {
            return RestErrorMappers.internalError(e);
        }
        if ("23505".equals(state)) {
            return response(ApiException.conflict("An object with the same unique fields already exists.", null));
        }
        if ("23503".equals(state)) {
            return response(ApiException.conflict("The object is referenced by, or references, another that does not allow it.", null));
        }
        if (state.startsWith("22") || "23514".equals(state)) {
            return response(ApiException.badRequest("A value is out of range or malformed.", null));
        }
        LOG.errorf("database failure, SQL state %s", state);
        return response(new ApiException(500, ErrorType.SERVER, "Internal error.", null, null));
    }

    /** The SQL state of the first database error in the cause chain of {@code e}, or {@code null} if there is none. */
    static String sqlState(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) { // bounded: a cause chain can loop
            String state = switch (t) {
                case PgException pg -> pg.getSqlState();
                case JDBCException jdbc -> jdbc.getSQLState();
                case SQLException sql -> sql.getSQLState();
                default -> null;
            };
            if (state != null) {
                return state;
            }
        }
        return null;
    }

    private static Response response(ApiException e) {
        return RestErrorMappers.response(e);
    }
}
