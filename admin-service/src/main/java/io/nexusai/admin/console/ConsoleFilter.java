package io.nexusai.admin.console;

import io.nexusai.admin.rest.AdminKeys;
import io.nexusai.service.rest.RequestIdFilter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.net.URI;

/**
 * Guards {@code /console}: every page but the sign-in page and the static assets needs a live session whose admin key
 * is still active; without one, a page redirects to the sign-in page (303) and anything else answers 401. Every
 * console answer carries a strict Content-Security-Policy (scripts, styles and everything else from this origin
 * only: no inline script or style) and is neither cached nor framed.
 */
public class ConsoleFilter {
    public static final String COOKIE = "nexus_console";
    static final String PREFIX = "/console";
    static final String SIGN_IN = PREFIX + "/sign-in";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none';"
            + " base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private final ConsoleSessions sessions;
    private final AdminKeys adminKeys;
    private final ConsoleUser user;

    public ConsoleFilter(ConsoleSessions sessions, AdminKeys adminKeys, ConsoleUser user) {
        this.sessions = sessions;
        this.adminKeys = adminKeys;
        this.user = user;
    }

    static boolean isConsole(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    @ServerRequestFilter(preMatching = true, priority = jakarta.ws.rs.Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!isConsole(path) || path.equals(SIGN_IN) || path.startsWith(PREFIX + "/assets/")) {
            return Uni.createFrom().nullItem();
        }
        Cookie cookie = ctx.getCookies().get(COOKIE);
        return sessions.find(cookie == null ? null : cookie.getValue())
                .flatMap(s -> s == null ? Uni.createFrom().nullItem()
                        : adminKeys.isActive(s.keyId()).flatMap(active -> active ? Uni.createFrom().item(s)
                        : sessions.end(s.id()).replaceWith((ConsoleSessions.Session) null)))
                .map(s -> {
                    if (s == null) {
                        return "GET".equals(ctx.getMethod()) || "HEAD".equals(ctx.getMethod())
                                ? Response.seeOther(URI.create(SIGN_IN)).build()
                                : Response.status(401).entity("Sign in first.").type("text/plain").build();
                    }
                    user.set(s, (String) ctx.getProperty(RequestIdFilter.PROPERTY));
                    return null;
                });
    }

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        if (!isConsole(request.getUriInfo().getPath())) {
            return;
        }
        MultivaluedMap<String, Object> h = response.getHeaders();
        h.putSingle("Content-Security-Policy", CSP);
        h.putSingle("X-Content-Type-Options", "nosniff");
        h.putSingle("X-Frame-Options", "DENY");
        h.putSingle("Referrer-Policy", "no-referrer");
        h.putSingle("Cache-Control", "no-store");
    }
}
