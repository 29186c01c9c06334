package io.nexusai.admin.service;

import io.nexusai.admin.repository.ModelRoute;
import io.nexusai.admin.repository.ModelRouteRepository;
import io.nexusai.admin.repository.ProviderRepository;
import io.nexusai.admin.view.RouteView;
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

    /** Fields of a route; on update, {@code null} means unchanged. */
    public record Fields(String modelAlias, Long providerId, String realModelName, BigDecimal costMultiplier, Integer weight,
                         Integer rateLimit, Map<String, Integer> regionWeights, Integer priority, Boolean active) {
    }

    public Uni<ModelRoute> create(Actor actor, Fields in) {
        return writer.write(actor, () -> providers.findById(in.providerId()).flatMap(provider -> {
            if (provider == null) {
                return Uni.createFrom().failure(noProvider(in.providerId()));
            }
            return createInTx(in);
        }));
    }

    Uni<Outcome<ModelRoute>> createInTx(Fields in) {
        return duplicate(in.modelAlias(), in.providerId(), in.realModelName(), null).flatMap(dup -> {
            if (dup) {
                return Uni.createFrom().failure(duplicateRoute(in));
            }
            ModelRoute r = new ModelRoute();
            apply(r, in);
            return routes.persist(r).map(saved -> Outcome.of(saved)
                    .change(ConfigChange.Kind.ROUTES, saved.modelAlias, null)
                    .audit("create", "route", String.valueOf(saved.id), null, RouteView.of(saved)));
        });
    }

    public Uni<ModelRoute> update(Actor actor, long id, Fields in) {
        return writer.write(actor, () -> routes.findById(id).flatMap(r -> {
            if (r == null) {
                return Uni.createFrom().failure(notFound(id));
            }
            Uni<Void> check = in.providerId() == null ? Uni.createFrom().voidItem()
                    : providers.findById(in.providerId()).flatMap(p -> p == null
                    ? Uni.createFrom().failure(noProvider(in.providerId())) : Uni.createFrom().voidItem());
            String alias = in.modelAlias() == null ? r.modelAlias : in.modelAlias();
            long provider = in.providerId() == null ? r.providerId : in.providerId();
            String real = in.realModelName() == null ? r.realModelName : in.realModelName();
            return check.flatMap(v -> duplicate(alias, provider, real, r.id)).flatMap(dup -> dup
                    ? Uni.createFrom().failure(duplicateRoute(new Fields(alias, provider, real, null, null, null, null, null, null)))
                    : updateInTx(r, in));
        }));
    }

    Uni<Outcome<ModelRoute>> updateInTx(ModelRoute r, Fields in) {
        RouteView before = RouteView.of(r);
        String oldAlias = r.modelAlias;
        apply(r, in);
        return routes.flush().map(v -> {
            Outcome<ModelRoute> out = Outcome.of(r).change(ConfigChange.Kind.ROUTES, r.modelAlias, null)
                    .audit("update", "route", String.valueOf(r.id), before, RouteView.of(r));
            if (!oldAlias.equals(r.modelAlias)) {
                out.change(ConfigChange.Kind.ROUTES, oldAlias, null);
            }
            return out;
        });
    }

    public Uni<Void> delete(Actor actor, long id) {
        return writer.write(actor, () -> routes.findById(id).flatMap(r -> r == null
                ? Uni.createFrom().failure(notFound(id))
                : deleteInTx(r))).replaceWithVoid();
    }

    Uni<Outcome<Void>> deleteInTx(ModelRoute r) {
        RouteView before = RouteView.of(r);
        return routes.delete(r).map(v -> Outcome.<Void>of(null)
                .change(ConfigChange.Kind.ROUTES, r.modelAlias, null)
                .audit("delete", "route", String.valueOf(r.id), before, null));
    }

    @WithSession
    public Uni<List<ModelRoute>> list(String alias) {
        return alias == null ? routes.listAllSorted() : routes.list("modelAlias = ?1 order by priority, id", alias);
    }

    @WithSession
    public Uni<ModelRoute> get(long id) {
        return routes.findById(id).onItem().ifNull().failWith(() -> notFound(id));
    }

    private Uni<Boolean> duplicate(String alias, long providerId, String realModel, Long exceptId) {
        return routes.count("modelAlias = ?1 and providerId = ?2 and realModelName = ?3 and id <> ?4",
                alias, providerId, realModel, exceptId == null ? -1L : exceptId).map(n -> n > 0);
    }

    private static void apply(ModelRoute r, Fields in) {
        if (in.modelAlias() != null) {
            r.modelAlias = in.modelAlias();
        }
        if (in.providerId() != null) {
            r.providerId = in.providerId();
        }
        if (in.realModelName() != null) {
            r.realModelName = in.realModelName();
        }
        if (in.costMultiplier() != null) {
            r.costMultiplier = in.costMultiplier();
        }
        if (in.weight() != null) {
            r.weight = in.weight();
        }
        if (in.rateLimit() != null) {
            r.rateLimit = in.rateLimit();
        }
        if (in.regionWeights() != null) {
            r.regionWeights = new HashMap<>(in.regionWeights());
        }
        if (in.priority() != null) {
            r.priority = in.priority();
        }
        if (in.active() != null) {
            r.active = in.active();
        }
    }

    static ApiException notFound(long id) {
        return ApiException.notFound("No route with id " + id + ".", "route_not_found");
    }

    private static ApiException noProvider(long id) {
        return ApiException.invalid(List.of(new ErrorEnvelope.FieldProblem("provider_id", "no provider with id " + id)));
    }

    private static ApiException duplicateRoute(Fields in) {
        return ApiException.conflict("Alias '" + in.modelAlias() + "' already routes to " + in.realModelName() + " on provider "
                + in.providerId() + ".", "model_alias");
    }
}
