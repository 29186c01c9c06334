package io.nexusai.admin.service;

import io.nexusai.admin.repository.ModelRoute;
import io.nexusai.admin.repository.ModelRouteRepository;
import io.nexusai.admin.repository.Provider;
import io.nexusai.admin.repository.ProviderRepository;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorEnvelope;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Declarative configuration: makes the providers and routes in the database equal to an {@link ApplySpec}.
 * First a plan is computed (create / update with the changed fields / delete, per object); a dry run returns
 * it, a real run executes it in one transaction with one audit entry per object. Applying the same file twice
 * changes nothing the second time.
 *
 * <p>Only with {@code prune} are providers and routes absent from the file deleted. Without it (the default) apply
 * creates and updates only, so a file with one provider cannot wipe the others by accident; the deletions the file
 * implies are still planned and reported, with {@code applied: false}, so that a dry run shows what
 * {@code prune=true} would remove. Alias policies are not part of the file: apply never deletes them.
 */
@ApplicationScoped
public class ApplyService {
    private final ProviderRepository providers;
    private final ModelRouteRepository routes;
    private final ProviderService providerService;
    private final RouteService routeService;
    private final ConfigWriter writer;

    public ApplyService(ProviderRepository providers, ModelRouteRepository routes, ProviderService providerService,
                        RouteService routeService, ConfigWriter writer) {
        this.providers = providers;
        this.routes = routes;
        this.providerService = providerService;
        this.routeService = routeService;
        this.writer = writer;
    }

    /**
     * One planned change. {@code name} identifies the object: a provider name, or {@code alias -> provider/real model}.
     * {@code applied} is false only for a {@code delete} left out because the run is without {@code prune}: the object
     * stays as it is (and a dry run shows it would stay); every other change is made (a dry run: would be made).
     */
    public record Change(String action, String type, String name, List<String> fields, boolean applied) {
        Change(String action, String type, String name, List<String> fields) {
            this(action, type, name, fields, true);
        }
    }

    /**
     * The result of an apply or a dry run. {@code changed} and the {@code create}/{@code update}/{@code delete} counts
     * of {@code summary} cover the applied changes only; {@code not_deleted} counts the deletions left out without
     * {@code prune}, so that {@code changed} stays false when the same file is applied again.
     */
    public record Result(boolean dryRun, boolean prune, boolean changed, List<Change> changes, Map<String, Integer> summary) {
        static Result of(boolean dryRun, boolean prune, List<Change> changes) {
            Map<String, Integer> summary = new LinkedHashMap<>();
            List.of("create", "update", "delete", "not_deleted").forEach(action -> summary.put(action, 0));
            changes.forEach(c -> summary.merge(c.applied() ? c.action() : "not_deleted", 1, Integer::sum));
            return new Result(dryRun, prune, changes.stream().anyMatch(Change::applied), List.copyOf(changes), summary);
        }
    }

    /** A planned change and how to make it ({@code run} is null for changes made by another step). */
    private record Step(Change change, Supplier<Uni<? extends Outcome<?>>> run) {
    }

    public Uni<Result> apply(Actor actor, ApplySpec spec, boolean dryRun, boolean prune) {
        checkUnique(spec);
        if (dryRun) {
            return plan(spec, prune).map(steps -> Result.of(true, prune, steps.stream().map(Step::change).toList()));
        }
        return writer.write(actor, () -> plan(spec, prune).flatMap(steps -> {
            Result result = Result.of(false, prune, steps.stream().map(Step::change).toList());
            Outcome<Result> outcome = Outcome.of(result);
            // nothing to write (deletions left out without prune are no write): no audit entry, no new config version
            if (!result.changed()) {
                return Uni.createFrom().item(outcome);
            }
            return Multi.createFrom().iterable(steps)
                    .select().where(step -> step.run() != null)
                    .onItem().transformToUniAndConcatenate(step -> step.run().get())
                    .invoke(outcome::absorb)
                    .collect().last()
                    .map(v -> outcome.audit("apply", "config", "apply", null, result));
        }));
    }

    @WithSession
    Uni<List<Step>> plan(ApplySpec spec, boolean prune) {
        return providers.listAll().flatMap(existingProviders -> routes.listAll().map(existingRoutes -> {
            Map<String, Provider> byName = new HashMap<>();
            existingProviders.forEach(p -> byName.put(p.name, p));
            Map<Long, List<ModelRoute>> routesByProvider = new HashMap<>();
            existingRoutes.forEach(r -> routesByProvider.computeIfAbsent(r.providerId, k -> new ArrayList<>()).add(r));
            List<Step> steps = new ArrayList<>();
            Set<String> named = new HashSet<>();
            for (int i = 0; i < spec.providers().size(); i++) {
                ApplySpec.ProviderSpec ps = spec.providers().get(i);
                named.add(ps.name());
                Provider current = byName.get(ps.name());
                if (current == null) {
                    planNewProvider(steps, ps, i);
                } else {
                    planProviderUpdate(steps, ps, i, current, routesByProvider.getOrDefault(current.id, List.of()), prune);
                }
            }
            for (Provider p : existingProviders) {
                if (!named.contains(p.name)) {
                    steps.add(deletion(new Change("delete", "provider", p.name, List.of(), prune), () -> providerService.deleteInTx(p)));
                }
            }
            return steps;
        }));
    }

    private void planNewProvider(List<Step> steps, ApplySpec.ProviderSpec ps, int index) {
        boolean bedrock = "bedrock".equals(kind(ps));
        if (bedrock ? ApplySpec.isPlaceholder(ps.awsAccessKeyId()) : ApplySpec.isPlaceholder(ps.apiKey())) {
            throw ApiException.invalid(List.of(new ErrorEnvelope.FieldProblem("providers[" + index + "]."
                    + (bedrock ? "aws_access_key_id" : "api_key"), "is required for a new provider (a masked value such as ****** "
                    + "only keeps an existing " + (bedrock ? "one" : "key") + ")")));
        }
        ProviderService.Fields fields = providerFields(ps, index, true);
        // the provider's routes are created by the same step, once the provider has its id
        steps.add(new Step(new Change("create", "provider", ps.name(), List.of()), () -> providerService.createInTx(fields)
                .flatMap(created -> {
                    List<ApplySpec.ModelSpec> models = ps.models() == null ? List.of() : ps.models();
                    return Multi.createFrom().iterable(models)
                            .onItem().transformToUniAndConcatenate(m -> routeService.createInTx(routeFields(m, created.result().id)))
                            .invoke(created::absorb)
                            .collect().last().replaceWith(created);
                })));
        for (ApplySpec.ModelSpec m : ps.models() == null ? List.<ApplySpec.ModelSpec>of() : ps.models()) {
            steps.add(new Step(new Change("create", "route", routeName(m.alias(), ps.name(), m.realName()), List.of()), null));
        }
    }

    private void planProviderUpdate(List<Step> steps, ApplySpec.ProviderSpec ps, int index, Provider current, List<ModelRoute> currentRoutes,
                                    boolean prune) {
        List<String> changed = new ArrayList<>();
        diff(changed, "kind", current.kind, kind(ps));
        diff(changed, "endpoint", current.endpoint, ProviderService.stripTrailingSlash(ps.endpoint()));
        diff(changed, "weight", current.weight, ps.weight() == null ? 100 : ps.weight());
        diff(changed, "rate_limit", current.rateLimit, ps.rateLimit() == null ? 60 : ps.rateLimit());
        diff(changed, "region", current.region, ps.region() == null && "bedrock".equals(kind(ps))
                ? ProviderService.regionOf(ps.endpoint()) : ps.region());
        diff(changed, "is_active", current.active, ps.isActive() == null || ps.isActive());
        diff(changed, "settings", current.settings, ps.settings() == null ? Map.of() : ps.settings());
        if (!ApplySpec.isPlaceholder(ps.apiKey()) && !providerService.hasKey(current, ps.apiKey())) {
            changed.add("api_key");
        }
        ProviderService.Fields fields = providerFields(ps, index, false);
        if (fields.aws() != null && !providerService.hasKeys(current, fields.aws())) {
            changed.add("aws_credentials");
        }
        if (!changed.isEmpty()) {
            steps.add(new Step(new Change("update", "provider", ps.name(), List.copyOf(changed)),
                    () -> providerService.updateInTx(current, fields)));
        }
        Map<String, ModelRoute> existing = new HashMap<>();
        currentRoutes.forEach(r -> existing.put(r.modelAlias + "\u0000" + r.realModelName, r));
        Set<String> wanted = new HashSet<>();
        for (ApplySpec.ModelSpec m : ps.models() == null ? List.<ApplySpec.ModelSpec>of() : ps.models()) {
            String key = m.alias() + "\u0000" + m.realName();
            wanted.add(key);
            ModelRoute r = existing.get(key);
            String name = routeName(m.alias(), ps.name(), m.realName());
            if (r == null) {
                steps.add(new Step(new Change("create", "route", name, List.of()),
                        () -> routeService.createInTx(routeFields(m, current.id))));
                continue;
            }
            List<String> routeChanged = new ArrayList<>();
            diff(routeChanged, "rate_limit", r.rateLimit, m.rateLimit());
            diff(routeChanged, "weight", r.weight, m.weight());
            diff(routeChanged, "region_weights", r.regionWeights, m.regionWeights() == null ? Map.of() : m.regionWeights());
            diffDecimal(routeChanged, "cost_multiplier", r.costMultiplier, m.costMultiplier() == null ? BigDecimal.ONE : m.costMultiplier());
            diff(routeChanged, "priority", r.priority, m.priority() == null ? 1 : m.priority());
            diff(routeChanged, "is_active", r.active, m.isActive() == null || m.isActive());
            if (!routeChanged.isEmpty()) {
                steps.add(new Step(new Change("update", "route", name, List.copyOf(routeChanged)),
                        () -> routeService.updateInTx(r, routeFields(m, current.id))));
            }
        }
        for (ModelRoute r : currentRoutes) {
            if (!wanted.contains(r.modelAlias + "\u0000" + r.realModelName)) {
                steps.add(deletion(new Change("delete", "route", routeName(r.modelAlias, ps.name(), r.realModelName), List.of(), prune),
                        () -> routeService.deleteInTx(r)));
            }
        }
    }

    /** A deletion the file implies: run only when applied (with prune), otherwise only reported. */
    private static Step deletion(Change change, Supplier<Uni<? extends Outcome<?>>> run) {
        return new Step(change, change.applied() ? run : null);
    }

    private static ProviderService.Fields providerFields(ApplySpec.ProviderSpec ps, int index, boolean create) {
        return new ProviderService.Fields(ps.name(), kind(ps), ps.endpoint(),
                ApplySpec.isPlaceholder(ps.apiKey()) ? null : ps.apiKey(),
                ProviderService.awsKeys("providers[" + index + "].", ps.awsAccessKeyId(), ps.awsSecretAccessKey(), ps.awsSessionToken()),
                ps.weight() == null ? 100 : ps.weight(), ps.rateLimit() == null ? 60 : ps.rateLimit(),
                ps.region() == null ? (create ? null : "") : ps.region(), ps.isActive() == null || ps.isActive(),
                ps.settings() == null ? Map.of() : ps.settings());
    }

    /** A route as the file describes it; unset optional fields go back to their defaults. */
    private static RouteService.Fields routeFields(ApplySpec.ModelSpec m, long providerId) {
        return new RouteService.Fields(m.alias(), providerId, m.realName(),
                m.costMultiplier() == null ? BigDecimal.ONE : m.costMultiplier(), m.weight(), m.rateLimit(),
                m.regionWeights() == null ? Map.of() : m.regionWeights(), m.priority() == null ? 1 : m.priority(),
                m.isActive() == null || m.isActive());
    }

    private static String kind(ApplySpec.ProviderSpec ps) {
        return ps.kind() != null ? ps.kind() : inferKind(ps.endpoint());
    }

    /**
     * Azure, Anthropic, Gemini and Bedrock endpoints are recognised by host; anything else is OpenAI-compatible.
     * Gemini's OpenAI-compatible path ({@code .../v1beta/openai}) stays {@code openai}: it speaks OpenAI's format.
     * Bedrock Runtime hosts are {@code bedrock-runtime[-fips].<region>.amazonaws.com}.
     */
    static String inferKind(String endpoint) {
        String e = endpoint.toLowerCase();
        if (e.contains(".openai.azure.com") || e.contains(".cognitiveservices.azure.com")) {
            return "azure";
        }
        if (e.contains("anthropic.com")) {
            return "anthropic";
        }
        if (e.contains("generativelanguage.googleapis.com") && !e.contains("/openai")) {
            return "gemini";
        }
        if (e.matches("https?://bedrock-runtime(-fips)?\\.[^/]+\\.amazonaws\\.com(/.*)?")) {
            return "bedrock";
        }
        return "openai";
    }

    private static void checkUnique(ApplySpec spec) {
        List<ErrorEnvelope.FieldProblem> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.providers().size(); i++) {
            ApplySpec.ProviderSpec ps = spec.providers().get(i);
            if (!names.add(ps.name())) {
                problems.add(new ErrorEnvelope.FieldProblem("providers[" + i + "].name", "provider '" + ps.name() + "' is listed twice"));
            }
            Set<String> models = new HashSet<>();
            List<ApplySpec.ModelSpec> list = ps.models() == null ? List.of() : ps.models();
            for (int j = 0; j < list.size(); j++) {
                ApplySpec.ModelSpec m = list.get(j);
                if (!models.add(m.alias() + "\u0000" + m.realName())) {
                    problems.add(new ErrorEnvelope.FieldProblem("providers[" + i + "].models[" + j + "]",
                            "alias '" + m.alias() + "' with real_name '" + m.realName() + "' is listed twice"));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(problems);
        }
    }

    private static String routeName(String alias, String provider, String realModel) {
        return alias + " -> " + provider + "/" + realModel;
    }

    private static void diff(List<String> changed, String field, Object current, Object wanted) {
        if (!Objects.equals(current, wanted)) {
            changed.add(field);
        }
    }

    private static void diffDecimal(List<String> changed, String field, BigDecimal current, BigDecimal wanted) {
        if (current == null || current.compareTo(wanted) != 0) {
            changed.add(field);
        }
    }
}
