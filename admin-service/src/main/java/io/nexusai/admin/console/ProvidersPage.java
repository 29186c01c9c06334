package io.nexusai.admin.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusai.admin.rest.Requests;
import io.nexusai.admin.service.ProviderService;
import io.nexusai.admin.view.ProviderView;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Validator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import java.util.Locale;

/**
 * The Providers page: each provider with its health from routing-service's matrix (worst status, error rate and p99
 * over its deployments, open breakers, gateways reporting), create, edit (the API key, or a Bedrock provider's AWS
 * credentials, write-only: shown masked, replaced only when new ones are typed), enable and disable. Writes go through {@link ProviderService}, validated
 * with the REST API's request rules.
 */
@Path("/console/providers")
public class ProvidersPage {
    private final ProviderService providers;
    private final Backends backends;
    private final ConsoleSessions sessions;
    private final ConsoleUser user;
    private final Validator validator;

    public ProvidersPage(ProviderService providers, Backends backends, ConsoleSessions sessions, ConsoleUser user, Validator validator) {
        this.providers = providers;
        this.backends = backends;
        this.sessions = sessions;
        this.user = user;
        this.validator = validator;
    }

    private Frame frame(String message) {
        return new Frame("providers", user.csrf(), message, null);
    }

    @GET
    public Uni<Response> list(@QueryParam("ok") String ok) {
        return render(200, frame(Results.done(ok)));
    }

    private Uni<Response> failed(Throwable e) {
        return render(Results.status(e), frame(null).withError(Results.message(e)));
    }

    private Uni<Response> render(int status, Frame frame) {
        String adminKey = sessions.adminKey(user.session());
        return providers.list().flatMap(list -> backends.health(adminKey).flatMap(matrix -> Results.page(status,
                Pages.providers(frame, list.stream().map(p -> row(ProviderView.of(p), matrix)).toList(), matrix != null))));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return Uni.createFrom().deferred(() -> {
            Form f = new Form(fields);
            Requests.NewProvider body = new Requests.NewProvider(f.text("name"), f.text("kind"), f.text("endpoint"), f.text("api_key"),
                    f.text("aws_access_key_id"), f.text("aws_secret_access_key"), f.text("aws_session_token"),
                    f.integer("weight"), f.integer("rate_limit"), f.text("region"), f.checked("active"), f.pairs("settings"));
            f.check();
            Form.validate(validator, body);
            return providers.create(user.actor(), new ProviderService.Fields(body.name(), body.kind(), body.endpoint(), body.apiKey(),
                    ProviderService.awsKeys("", body.awsAccessKeyId(), body.awsSecretAccessKey(), body.awsSessionToken()),
                    body.weight(), body.rateLimit(), body.region(), body.isActive(), body.settings()));
        }).map(p -> Results.redirect("/console/providers?ok=provider-created"))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    @GET
    @Path("/{id: [0-9]{1,18}}")
    public Uni<Response> edit(@PathParam("id") long id) {
        return providers.get(id).flatMap(p -> Results.page(Pages.provider(frame(null), ProviderView.of(p))))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    @POST
    @Path("/{id: [0-9]{1,18}}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> update(@PathParam("id") long id, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return Uni.createFrom().deferred(() -> {
            Form f = new Form(fields);
            Requests.ProviderPatch body = new Requests.ProviderPatch(f.text("name"), f.text("kind"), f.text("endpoint"),
                    f.text("api_key"), f.text("aws_access_key_id"), f.text("aws_secret_access_key"), f.text("aws_session_token"),
                    f.integer("weight"), f.integer("rate_limit"), region(f, fields), f.checked("active"), settings(f));
            f.check();
            Form.validate(validator, body);
            return providers.update(user.actor(), id, new ProviderService.Fields(body.name(), body.kind(), body.endpoint(),
                    body.apiKey(), ProviderService.awsKeys("", body.awsAccessKeyId(), body.awsSecretAccessKey(), body.awsSessionToken()),
                    body.weight(), body.rateLimit(), body.region(), body.isActive(), body.settings()));
        }).map(p -> Results.redirect("/console/providers?ok=provider-saved"))
                .onFailure(Results::isUserError).recoverWithUni(e -> providers.get(id)
                        .flatMap(p -> Results.page(Results.status(e), Pages.provider(frame(null).withError(Results.message(e)),
                                ProviderView.of(p))))
                        .onFailure().recoverWithUni(g -> render(Results.status(e), frame(null).withError(Results.message(e)))));
    }

    @POST
    @Path("/{id: [0-9]{1,18}}/active")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> setActive(@PathParam("id") long id, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        boolean on = "true".equals(fields.getFirst("active"));
        return providers.update(user.actor(), id, new ProviderService.Fields(null, null, null, null, null, null, null, null, on, null))
                .map(p -> Results.redirect("/console/providers?ok=" + (on ? "provider-enabled" : "provider-disabled")))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    /** An edit form's region: empty clears it (the service reads "" as none). */
    private static String region(Form f, MultivaluedMap<String, String> fields) {
        if (!fields.containsKey("region")) {
            return null;
        }
        String v = f.text("region");
        return v == null ? "" : v;
    }

    /** An edit form's settings: empty clears them. */
    private static java.util.Map<String, String> settings(Form f) {
        java.util.Map<String, String> s = f.pairs("settings");
        return s == null ? java.util.Map.of() : s;
    }

    /** A provider with its merged health: the worst status of its deployments, their highest error rate and p99. */
    private static Pages.ProviderRow row(ProviderView p, JsonNode matrix) {
        JsonNode targets = matrix == null ? null : matrix.path("providers").path(p.name());
        if (targets == null || !targets.isArray() || targets.isEmpty()) {
            return new Pages.ProviderRow(p, null, null, null, 0, 0);
        }
        String status = "healthy";
        double errorRate = 0;
        double p99 = 0;
        int open = 0;
        int gateways = 0;
        for (JsonNode t : targets) {
            String s = t.path("status").asText("healthy");
            if (rank(s) > rank(status)) {
                status = s;
            }
            errorRate = Math.max(errorRate, t.path("error_rate").asDouble());
            p99 = Math.max(p99, t.path("p99_ms").asDouble());
            open += t.path("gateways_with_breaker_open").asInt();
            gateways = Math.max(gateways, t.path("gateways").asInt());
        }
        return new Pages.ProviderRow(p, status, String.format(Locale.ROOT, "%.1f%%", errorRate * 100),
                String.format(Locale.ROOT, "%.0f ms", p99), open, gateways);
    }

    private static int rank(String status) {
        return switch (status) {
            case "down" -> 2;
            case "degraded" -> 1;
            default -> 0;
        };
    }

}
