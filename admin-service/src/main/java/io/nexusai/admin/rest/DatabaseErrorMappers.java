package io.nexusai.admin.rest;

import io.nexusai.api.openai.ApiException;
import io.vertx.pgclient.PgException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.hibernate.HibernateException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Database constraint failures that slip past the services' own checks (e.g. two concurrent creates of the
 * same name) become 409, not 500.
 */
public class DatabaseErrorMappers {
    private static final Logger LOG = Logger.getLogger(DatabaseErrorMappers.class);

    @ServerExceptionMapper
    public Response pg(PgException e) {
        return map(e);
    }

    @ServerExceptionMapper
    public Response hibernate(HibernateException e) {
        Throwable cause = e;
        while (cause != null && !(cause instanceof PgException)) {
            cause = cause.getCause();
        }
        if (cause instanceof PgException pg) {
            return map(pg);
        }
        LOG.error("database failure", e);
        return Response.status(500).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiException(500, io.nexusai.api.openai.ErrorType.SERVER, "Internal error.", null, null).toEnvelope()).build();
    }

    private Response map(PgException e) {
        String state = e.getSqlState();
        if ("23505".equals(state)) {
            return response(ApiException.conflict("An object with the same unique fields already exists.", null));
        }
        if ("23503".equals(state)) {
            return response(ApiException.conflict("The object is referenced by, or references, another that does not allow it.", null));
        }
        if (state != null && (state.startsWith("22") || "23514".equals(state))) {
            return response(ApiException.badRequest("A value is out of range or malformed.", null));
        }
        LOG.errorf("database failure, SQL state %s", state);
        return Response.status(500).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiException(500, io.nexusai.api.openai.ErrorType.SERVER, "Internal error.", null, null).toEnvelope()).build();
    }

    private static Response response(ApiException e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(e.toEnvelope()).build();
    }
}
