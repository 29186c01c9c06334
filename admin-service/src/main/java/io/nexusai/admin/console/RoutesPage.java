package io.nexusai.admin.console;

import io.nexusai.admin.repository.ModelAlias;
import io.nexusai.admin.repository.ModelRoute;
import io.nexusai.admin.repository.Provider;
import io.nexusai.admin.rest.Requests;
import io.nexusai.admin.service.AliasService;
import io.nexusai.admin.service.ProviderService;
import io.nexusai.admin.service.RouteService;
import io.nexusai.admin.validation.Rules;
import io.nexusai.admin.view.AliasView;
import io.nexusai.admin.view.ProviderView;
import io.nexusai.admin.view.RouteView;
import io.nexusai.api.openai.ApiException;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * The Routes and aliases page: per alias its serving policy (strategy, attempts, timeouts; editable) and its
 * deployments by priority tier, each tier's traffic split over its deployments drawn as a bar, and each deployment's
 * region split; add, edit (weight, priority, region weights, on/off) and remove deployments. Writes go through
 * {@link RouteService} and {@link AliasService}, validated with the REST API's request rules.
 */
@Path("/console")
public class RoutesPage {
    private final RouteService routes;
    private final AliasService aliases;
    private final ProviderService providers;
    private final ConsoleUser user;
    private final Validator validator;

    public RoutesPage(RouteService routes, AliasService aliases, ProviderService providers, ConsoleUser user, Validator validator) {
        this.routes = routes;
        this.aliases = aliases;
        this.providers = providers;
        this.user = user;
        this.validator = validator;
    }

    private Frame frame(String message) {
        return new Frame("routes", user.csrf(), message, null);
    }

    @GET
    @Path("/routes")
    public Uni<Response> list(@QueryParam("ok") String ok) {
        return render(200, frame(Results.done(ok)));
    }

    private Uni<Response> render(int status, Frame frame) {
        return providers.list().flatMap(ps -> routes.list(null).flatMap(rs -> aliases.list().flatMap(as ->
                Results.page(status, Pages.routes(frame, blocks(ps, rs, as), ps.stream().map(ProviderView::of).toList())))));
    }

    private Uni<Response> failed(Throwable e) {
        return render(Results.status(e), frame(null).withError(Results.message(e)));
    }

    @POST
    @Path("/routes")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return Uni.createFrom().deferred(() -> {
            Form f = new Form(fields);
            Requests.NewRoute body = new Requests.NewRoute(f.text("model_alias"), f.longValue("provider_id"), f.text("real_model_name"),
                    f.decimal("cost_multiplier"), f.integer("weight"), f.integer("rate_limit"), f.weights("region_weights"),
                    f.integer("priority"), true);
            f.check();
            Form.validate(validator, body);
            return routes.create(user.actor(), new RouteService.Fields(body.modelAlias(), body.providerId(), body.realModelName(),
                    body.costMultiplier(), body.weight(), body.rateLimit(), body.regionWeights(), body.priority(), body.isActive()));
        }).map(r -> Results.redirect("/console/routes?ok=route-created"))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    @POST
    @Path("/routes/{id: [0-9]{1,18}}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> update(@PathParam("id") long id, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return Uni.createFrom().deferred(() -> {
            Form f = new Form(fields);
            Map<String, Integer> regions = f.weights("region_weights");
            Requests.RoutePatch body = new Requests.RoutePatch(null, null, null, f.decimal("cost_multiplier"), f.integer("weight"),
                    f.integer("rate_limit"), regions == null ? Map.of() : regions, f.integer("priority"), f.checked("active"));
            f.check();
            Form.validate(validator, body);
            return routes.update(user.actor(), id, new RouteService.Fields(null, null, null, body.costMultiplier(), body.weight(),
                    body.rateLimit(), body.regionWeights(), body.priority(), body.isActive()));
        }).map(r -> Results.redirect("/console/routes?ok=route-saved"))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    @POST
    @Path("/routes/{id: [0-9]{1,18}}/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> delete(@PathParam("id") long id, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return routes.delete(user.actor(), id).map(v -> Results.redirect("/console/routes?ok=route-deleted"))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    @POST
    @Path("/aliases/{alias: .+}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> policy(@PathParam("alias") String alias, MultivaluedMap<String, String> fields) {
        user.checkCsrf(fields.getFirst("_csrf"));
        return Uni.createFrom().deferred(() -> {
            if (!alias.matches(Rules.MODEL_NAME)) {
                throw ApiException.badRequest("The alias " + Rules.MODEL_NAME_MESSAGE + ".", "alias");
            }
            Form f = new Form(fields);
            Requests.AliasPolicy body = new Requests.AliasPolicy(f.text("strategy"), f.integer("max_attempts"),
                    f.integer("connect_timeout_ms"), f.integer("first_byte_timeout_ms"), f.integer("idle_timeout_ms"),
                    f.integer("total_timeout_ms"));
            f.check();
            Form.validate(validator, body);
            return aliases.put(user.actor(), alias, body);
        }).map(a -> Results.redirect("/console/routes?ok=alias-saved"))
                .onFailure(Results::isUserError).recoverWithUni(this::failed);
    }

    /** Every alias that has deployments or a stored policy, by name, with its deployments by tier. */
    static List<Pages.AliasBlock> blocks(List<Provider> providers, List<ModelRoute> routes, List<ModelAlias> policies) {
        Map<Long, Provider> byId = providers.stream().collect(Collectors.toMap(p -> p.id, p -> p));
        Map<String, AliasView> policy = new TreeMap<>();
        policies.forEach(a -> policy.put(a.alias, AliasView.of(a)));
        Map<String, List<ModelRoute>> byAlias = new TreeMap<>();
        for (ModelRoute r : routes) {
            byAlias.computeIfAbsent(r.modelAlias, a -> new ArrayList<>()).add(r);
            policy.computeIfAbsent(r.modelAlias, AliasView::defaults);
        }
        List<Pages.AliasBlock> blocks = new ArrayList<>();
        for (Map.Entry<String, AliasView> a : policy.entrySet()) {
            Map<Integer, List<ModelRoute>> tiers = new TreeMap<>();
            byAlias.getOrDefault(a.getKey(), List.of()).forEach(r -> tiers.computeIfAbsent(r.priority, p -> new ArrayList<>()).add(r));
            List<Pages.Tier> tierList = new ArrayList<>();
            tiers.forEach((priority, rs) -> {
                rs.sort((x, y) -> Long.compare(x.id, y.id));
                ToIntFunction<ModelRoute> weight = r -> !r.active ? 0 : r.weight != null ? r.weight
                        : byId.containsKey(r.providerId) ? byId.get(r.providerId).weight : 0;
                List<Pages.Deployment> deployments = rs.stream().map(r -> new Pages.Deployment(RouteView.of(r),
                        byId.containsKey(r.providerId) ? byId.get(r.providerId).name : "#" + r.providerId,
                        r.regionWeights.entrySet().stream().sorted(Map.Entry.comparingByKey())
                                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")),
                        split(r.regionWeights.entrySet().stream().sorted(Map.Entry.comparingByKey())
                                .map(e -> Map.entry(e.getKey(), e.getValue())).toList()))).toList();
                List<Pages.Segment> tierSplit = split(rs.stream()
                        .map(r -> Map.entry((byId.containsKey(r.providerId) ? byId.get(r.providerId).name : "#" + r.providerId)
                                + " / " + r.realModelName, weight.applyAsInt(r))).toList());
                tierList.add(new Pages.Tier(priority, deployments, tierSplit));
            });
            blocks.add(new Pages.AliasBlock(a.getValue(), tierList));
        }
        return blocks;
    }

    /** Weights as the segments of a 100-wide bar; empty when they add up to nothing. */
    static List<Pages.Segment> split(List<Map.Entry<String, Integer>> weights) {
        long total = weights.stream().mapToLong(Map.Entry::getValue).sum();
        List<Pages.Segment> segments = new ArrayList<>();
        if (total <= 0) {
            return segments;
        }
        double x = 0;
        int colour = 0;
        for (Map.Entry<String, Integer> w : weights) {
            double width = 100.0 * w.getValue() / total;
            segments.add(new Pages.Segment(w.getKey(), fmt(x), fmt(width), String.format(Locale.ROOT, "%.0f", width), colour++ % 6));
            x += width;
        }
        return segments;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
