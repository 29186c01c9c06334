package io.nexusai.admin.console;

import io.nexusai.admin.rest.AdminKeys;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Sign-in and sign-out. The admin key is posted once, checked like the REST API's bearer keys ({@link AdminKeys}), and
 * exchanged for a session: the browser keeps only a random session id in an HttpOnly, SameSite=Strict cookie (Secure
 * behind TLS). The sign-in form carries its own CSRF token (a pre-session cookie), so no other site can sign a browser
 * in to a session of its choosing.
 */
@Path("/console")
public class SignInResource {
    private static final Logger LOG = Logger.getLogger(SignInResource.class);
    static final String SIGN_IN_COOKIE = "nexus_console_sign_in";
    private final ConsoleSessions sessions;
    private final AdminKeys adminKeys;
    private final ConsoleUser user;

    public SignInResource(ConsoleSessions sessions, AdminKeys adminKeys, ConsoleUser user) {
        this.sessions = sessions;
        this.adminKeys = adminKeys;
        this.user = user;
    }

    @GET
    public Response home() {
        return Results.redirect("/console/providers");
    }

    @GET
    @Path("/sign-in")
    public Uni<Response> signInPage(@Context HttpHeaders headers, @Context UriInfo uri) {
        return signInForm(200, null, isSecure(headers, uri));
    }

    @POST
    @Path("/sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signIn(@RestForm("admin_key") String adminKey, @RestForm("_csrf") String csrf,
                                @CookieParam(SIGN_IN_COOKIE) String expectedCsrf, @Context HttpHeaders headers, @Context UriInfo uri) {
        boolean secure = isSecure(headers, uri);
        if (!ConsoleSessions.same(expectedCsrf, csrf)) {
            return signInForm(403, "The sign-in form expired: please try again.", secure);
        }
        String key = adminKey == null ? "" : adminKey.strip();
        if (key.isEmpty() || key.length() > 200 || key.indexOf('\0') >= 0) {
            return signInForm(401, "Invalid, revoked or expired admin key.", secure);
        }
        return adminKeys.idOf(key).flatMap(keyId -> {
            if (keyId == null) {
                return signInForm(401, "Invalid, revoked or expired admin key.", secure);
            }
            return sessions.create(keyId, key).map(s -> {
                LOG.infof("console: admin key %s signed in", keyId);
                return Response.seeOther(java.net.URI.create("/console/providers"))
                        .cookie(cookie(ConsoleFilter.COOKIE, s.id(), secure, false), cookie(SIGN_IN_COOKIE, "", secure, true))
                        .build();
            });
        });
    }

    @POST
    @Path("/sign-out")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signOut(@RestForm("_csrf") String csrf, @Context HttpHeaders headers, @Context UriInfo uri) {
        user.checkCsrf(csrf);
        return sessions.end(user.session().id()).map(v -> Response.seeOther(java.net.URI.create(ConsoleFilter.SIGN_IN))
                .cookie(cookie(ConsoleFilter.COOKIE, "", isSecure(headers, uri), true)).build());
    }

    private Uni<Response> signInForm(int status, String error, boolean secure) {
        String token = ConsoleSessions.newToken();
        return Results.page(status, Pages.signIn(token, error))
                .map(r -> Response.fromResponse(r).cookie(cookie(SIGN_IN_COOKIE, token, secure, false)).build());
    }

    /** A console cookie: HttpOnly, SameSite=Strict, for /console only, Secure behind TLS; {@code clear} expires it. */
    static NewCookie cookie(String name, String value, boolean secure, boolean clear) {
        NewCookie.Builder b = new NewCookie.Builder(name).value(value).path("/console").httpOnly(true).secure(secure)
                .sameSite(NewCookie.SameSite.STRICT);
        if (clear) {
            b.maxAge(0);
        }
        return b.build();
    }

    /** Whether the browser reached us over TLS: directly, or through a proxy that says so ({@code X-Forwarded-Proto}). */
    static boolean isSecure(HttpHeaders headers, UriInfo uri) {
        String proto = headers.getHeaderString("X-Forwarded-Proto");
        if (proto != null) {
            return proto.split(",")[0].strip().equalsIgnoreCase("https");
        }
        return "https".equalsIgnoreCase(uri.getRequestUri().getScheme());
    }
}
