package io.nexusai.admin.console;

import io.nexusai.admin.rest.Requests;
import io.nexusai.admin.service.KeyService;
import io.nexusai.admin.service.TenantService;
import io.nexusai.admin.view.KeyView;
import io.nexusai.admin.view.LimitsView;
import io.nexusai.admin.view.TenantView;
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

import java.util.List;

/**
 * The Tenants and keys page: tenants with their limits and allowed models (create, edit), and per tenant its app keys
 * (session keys are JWTs, never stored, so never listed): create, rotate and turn signing on, each showing the new
 * secret once on the page that answers the write (never in a URL), revoke, signing off. Writes go through
 * {@link TenantService} and {@link KeyService}, validated with the REST API's request rules.
 */
@Path("/console")
public class TenantsPage {
    private final TenantService tenants;
    private final KeyService keys;
    private final ConsoleUser user;
    private final Validator validator;

    public TenantsPage(TenantService tenants, KeyService keys, ConsoleUser user, Validator validator) {
        this.tenants = tenants;
        this.keys = keys;
        this.user = user;
        this.validator = validator;
    }

    private Frame frame(String message) {
        return new Frame("tenants", user.csrf(), message, null);
    }

    @GET
    @Path("/tenants")
    public Uni<Response> list(@QueryParam("ok") String ok) {
        return renderList(200, frame(Results.done(ok)));
    }

    private Uni<Response> failed(Throwable e) {
        return renderList(Results.status(e), frame(null).withError(Results.message(e)));
    }

    private Uni<Response> renderList(int status, Frame frame) {
        return tenants.list().flatMap(l -> Results.page(status, Pages.tenants(frame, l.stream().map(TenantView::of).toList())));
    }

    @POST
    @Path("/tenants")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return Uni.createFrom().deferred(() -> {
            Form f = new Form(fields);
            Requests.NewTenant body = new Requests.NewTenant(f.text("id"), f.text("name"), f.list("allowed_models"),
                    f.list("cors_origins"), limits(f));
            f.check();
            Form.validate(validator, body);
            return tenants.create(user.actor(), body.id(), new TenantService.Fields(body.name(), body.allowedModels(), body.corsOrigins(),
                    true, view(body.limits())));
        }).map(t -> Results.redirect("/console/tenants/" + t.id + "?ok=tenant-created"))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    @GET
    @Path("/tenants/{tenant}")
    public Uni<Response> tenant(@PathParam("tenant") String tenant, @QueryParam("ok") String ok) {
        return renderTenant(200, frame(Results.done(ok)), tenant, null);
    }

    private Uni<Response> renderTenant(int status, Frame frame, String tenant, KeyView shown) {
        return tenants.get(tenant).flatMap(t -> keys.listForTenant(tenant).flatMap(ks -> Results.page(status,
                        Pages.tenant(frame, TenantView.of(t), ks.stream().map(KeyView::of).toList(), shown))))
                .onFailure(Results::isUserError).recoverWithUni(e -> renderList(Results.status(e), frame.withError(Results.message(e))));
    }

    @POST
    @Path("/tenants/{tenant}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> update(@PathParam("tenant") String tenant, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return Uni.createFrom().deferred(() -> {
            Form f = new Form(fields);
            List<String> models = f.list("allowed_models");
            List<String> origins = f.list("cors_origins");
            Requests.TenantPatch body = new Requests.TenantPatch(f.text("name"), models == null ? List.of() : models,
                    origins == null ? List.of() : origins, f.checked("active"), limits(f));
            f.check();
            Form.validate(validator, body);
            return tenants.update(user.actor(), tenant, new TenantService.Fields(body.name(), body.allowedModels(), body.corsOrigins(),
                    body.isActive(), view(body.limits())));
        }).map(t -> Results.redirect("/console/tenants/" + t.id + "?ok=tenant-saved"))
                .onFailure(Results::isUserError)
                .recoverWithUni(e -> renderTenant(Results.status(e), frame(null).withError(Results.message(e)), tenant, null));
    }

    @POST
    @Path("/tenants/{tenant}/keys")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> createKey(@PathParam("tenant") String tenant, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return Uni.createFrom().deferred(() -> {
            Form f = new Form(fields);
            Requests.NewKey body = new Requests.NewKey(f.text("name"), f.list("allowed_models"), null, null, f.checked("signed"));
            f.check();
            Form.validate(validator, body);
            return keys.createAppKey(user.actor(), tenant, new KeyService.Fields(body.name(), body.allowedModels(), null, null,
                    Boolean.TRUE.equals(body.signed())));
        }).flatMap(s -> renderTenant(201, frame("Key created."), tenant, KeyView.withSecrets(s.key(), s.secret(), s.signingSecret())))
                .onFailure(Results::isUserError)
                .recoverWithUni(e -> renderTenant(Results.status(e), frame(null).withError(Results.message(e)), tenant, null));
    }

    @POST
    @Path("/keys/{id}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> revoke(@PathParam("id") String id, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return keys.revoke(user.actor(), id).map(k -> Results.redirect(tenantPage(k.tenantId) + "?ok=key-revoked"))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    @POST
    @Path("/keys/{id}/rotate")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> rotate(@PathParam("id") String id, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return keys.rotate(user.actor(), id)
                .flatMap(s -> renderTenant(200, frame("Key rotated: the old secret no longer works."), s.key().tenantId,
                        KeyView.withSecrets(s.key(), s.secret(), null)))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    @POST
    @Path("/keys/{id}/signing")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signing(@PathParam("id") String id, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        boolean on = "true".equals(fields.getFirst("on"));
        return keys.signing(user.actor(), id, on)
                .flatMap(s -> on
                        ? renderTenant(200, frame("Request signing is now required for this key."), s.key().tenantId,
                        KeyView.withSecrets(s.key(), null, s.signingSecret()))
                        : Uni.createFrom().item(Results.redirect(tenantPage(s.key().tenantId) + "?ok=signing-off")))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    private static String tenantPage(String tenant) {
        return tenant == null ? "/console/tenants" : "/console/tenants/" + java.net.URLEncoder.encode(tenant, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Requests.Limits limits(Form f) {
        Requests.Limits l = new Requests.Limits(f.integer("rpm_limit"), f.integer("tpm_limit"), f.longValue("daily_token_quota"),
                f.longValue("monthly_token_quota"), f.decimal("daily_cost_budget"), f.decimal("monthly_cost_budget"));
        return l;
    }

    private static LimitsView view(Requests.Limits l) {
        return l == null ? null : new LimitsView(l.rpmLimit(), l.tpmLimit(), l.dailyTokenQuota(), l.monthlyTokenQuota(),
                l.dailyCostBudget(), l.monthlyCostBudget());
    }
}
