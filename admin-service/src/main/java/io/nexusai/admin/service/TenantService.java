package io.nexusai.admin.service;

import io.nexusai.admin.repository.ApiKeyRepository;
import io.nexusai.admin.repository.Limits;
import io.nexusai.admin.repository.Tenant;
import io.nexusai.admin.repository.TenantRepository;
import io.nexusai.admin.view.LimitsView;
import io.nexusai.admin.view.TenantView;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/** Tenants: isolated key spaces with their allowed models and limits. */
@ApplicationScoped
public class TenantService {
    private final TenantRepository tenants;
    private final ApiKeyRepository keys;
    private final ConfigWriter writer;

    public TenantService(TenantRepository tenants, ApiKeyRepository keys, ConfigWriter writer) {
        this.tenants = tenants;
        this.keys = keys;
        this.writer = writer;
    }

    /** Fields of a tenant; on update, {@code null} means unchanged. */
    public record Fields(String name, List<String> allowedModels, List<String> corsOrigins, Boolean active, LimitsView limits) {
        public Fields(String name, List<String> allowedModels, Boolean active, LimitsView limits) {
            this(name, allowedModels, null, active, limits);
        }
    }

    public Uni<Tenant> create(Actor actor, String id, Fields in) {
        return writer.write(actor, () -> tenants.findById(id).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().failure(ApiException.conflict("Tenant '" + id + "' already exists.", "id"));
            }
            Tenant t = new Tenant();
            t.id = id;
            apply(t, in);
            return tenants.persist(t).map(saved -> Outcome.of(saved)
                    .change(ConfigChange.Kind.TENANTS, saved.id, null)
                    .audit("create", "tenant", saved.id, null, TenantView.of(saved)));
        }));
    }

    public Uni<Tenant> update(Actor actor, String id, Fields in) {
        return writer.write(actor, () -> tenants.findById(id).flatMap(t -> {
            if (t == null) {
                return Uni.createFrom().failure(notFound(id));
            }
            TenantView before = TenantView.of(t);
            apply(t, in);
            return tenants.flush().map(v -> Outcome.of(t)
                    .change(ConfigChange.Kind.TENANTS, t.id, null)
                    .audit("update", "tenant", t.id, before, TenantView.of(t)));
        }));
    }

    /** Deletes a tenant and its keys (which every gateway then refuses). */
    public Uni<Void> delete(Actor actor, String id) {
        return writer.write(actor, () -> tenants.findById(id).flatMap(t -> {
            if (t == null) {
                return Uni.createFrom().failure(notFound(id));
            }
            TenantView before = TenantView.of(t);
            return keys.listByTenant(id).flatMap(tenantKeys -> keys.delete("tenantId", id).flatMap(n -> tenants.delete(t)).map(v -> {
                Outcome<Void> out = Outcome.<Void>of(null).change(ConfigChange.Kind.TENANTS, id, null)
                        .audit("delete", "tenant", id, before, null);
                tenantKeys.forEach(k -> out.change(ConfigChange.Kind.KEYS, k.id, k.keyHash));
                return out;
            }));
        })).replaceWithVoid();
    }

    @WithSession
    public Uni<List<Tenant>> list() {
        return tenants.listAll(Sort.by("id"));
    }

    @WithSession
    public Uni<Tenant> get(String id) {
        return tenants.findById(id).onItem().ifNull().failWith(() -> notFound(id));
    }

    private static void apply(Tenant t, Fields in) {
        if (in.name() != null) {
            t.name = in.name();
        }
        if (in.allowedModels() != null) {
            t.allowedModels = new ArrayList<>(in.allowedModels());
        }
        if (in.corsOrigins() != null) {
            t.corsOrigins = in.corsOrigins().stream().distinct().collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        }
        if (in.active() != null) {
            t.active = in.active();
        }
        if (in.limits() != null) {
            t.limits = limits(in.limits());
        }
    }

    /** Limits as stored; a whole new set replaces the old one. */
    static Limits limits(LimitsView v) {
        Limits l = new Limits();
        l.rpmLimit = v.rpmLimit();
        l.tpmLimit = v.tpmLimit();
        l.dailyTokenQuota = v.dailyTokenQuota();
        l.monthlyTokenQuota = v.monthlyTokenQuota();
        l.dailyCostBudget = v.dailyCostBudget();
        l.monthlyCostBudget = v.monthlyCostBudget();
        return l;
    }

    static ApiException notFound(String id) {
        return ApiException.notFound("No tenant '" + id + "'.", "tenant_not_found");
    }
}
