package io.nexusai.admin.service;

import io.nexusai.admin.repository.ModelRoute;
import io.nexusai.admin.repository.ModelRouteRepository;
import io.nexusai.admin.repository.ProviderRepository;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorEnvelope;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Model routes: each row is one deployment of an alias. */
@ApplicationScoped
public class RouteService {
    private final ModelRouteRepository routes;
    private final ProviderRepository providers;
    private final ConfigWriter writer;

    public RouteService(ModelRouteRepository routes, ProviderRepository providers, ConfigWriter writer) {
        this.routes = routes;
        this.providers = providers;
        this.writer = writer;
    }

    /** What a new route is made of (already validated for shape). */
    public record NewRoute(String modelAlias, long providerId, String realModelName, BigDecimal costMultiplier, Integer weight,
                           Integer rateLimit, Map<String, Integer> regionWeights, Integer priority, Boolean active) {
    }

    public Uni<ModelRoute> create(NewRoute in) {
        return writer.write(() -> providers.findById(in.providerId()).flatMap(provider -> {
            if (provider == null) {
                return Uni.createFrom().failure(ApiException.invalid(List.of(
                        new ErrorEnvelope.FieldProblem("provider_id", "no provider with id " + in.providerId()))));
            }
            return routes.count("modelAlias = ?1 and providerId = ?2 and realModelName = ?3",
                    in.modelAlias(), in.providerId(), in.realModelName()).flatMap(n -> {
                if (n > 0) {
                    return Uni.createFrom().failure(ApiException.conflict("Alias '" + in.modelAlias()
                            + "' already routes to " + in.realModelName() + " on provider " + in.providerId() + ".", "model_alias"));
                }
                ModelRoute r = new ModelRoute();
                r.modelAlias = in.modelAlias();
                r.providerId = in.providerId();
                r.realModelName = in.realModelName();
                r.costMultiplier = in.costMultiplier() == null ? BigDecimal.ONE : in.costMultiplier();
                r.weight = in.weight();
                r.rateLimit = in.rateLimit();
                r.regionWeights = in.regionWeights() == null ? new HashMap<>() : new HashMap<>(in.regionWeights());
                r.priority = in.priority() == null ? 1 : in.priority();
                r.active = in.active() == null || in.active();
                return routes.persist(r);
            });
        }), r -> new ConfigWriter.Change(ConfigChange.Kind.ROUTES, r.modelAlias, null));
    }

    @WithSession
    public Uni<List<ModelRoute>> list() {
        return routes.listAllSorted();
    }

    @WithSession
    public Uni<ModelRoute> get(long id) {
        return routes.findById(id).onItem().ifNull()
                .failWith(() -> ApiException.notFound("No route with id " + id + ".", "route_not_found"));
    }
}
