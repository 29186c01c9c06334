package io.nexusai.admin.console;

import io.nexusai.admin.service.Actor;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.ForbiddenException;

/**
 * The signed-in console user of the current request (set by {@link ConsoleFilter}): the admin key behind the session
 * is the audit actor of every write made from the console.
 */
@RequestScoped
public class ConsoleUser {
    private ConsoleSessions.Session session;
    private String requestId;

    void set(ConsoleSessions.Session session, String requestId) {
        this.session = session;
        this.requestId = requestId;
    }

    public ConsoleSessions.Session session() {
        if (session == null) {
            throw new IllegalStateException("no console session on this request");
        }
        return session;
    }

    /** The audit actor: the session's admin key id and this request's id. */
    public Actor actor() {
        return new Actor(session().keyId(), requestId);
    }

    public String csrf() {
        return session().csrf();
    }

    /** Every write first: the form's CSRF token must be the session's, else 403 and nothing is done. */
    public void checkCsrf(String presented) {
        if (!ConsoleSessions.same(session().csrf(), presented)) {
            throw new ForbiddenException("Missing or wrong CSRF token.");
        }
    }
}
