package io.nexusai.admin.service;

import io.nexusai.admin.repository.Tenant;
import io.nexusai.admin.repository.TenantRepository;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/** Tenants: isolated key spaces. */
@ApplicationScoped
public class TenantService {
    private final TenantRepository tenants;
    private final ConfigWriter writer;

    public TenantService(TenantRepository tenants, ConfigWriter writer) {
        this.tenants = tenants;
        this.writer = writer;
    }

    public Uni<Tenant> create(String id, String name, List<String> allowedModels) {
        return writer.write(() -> tenants.findById(id).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().failure(ApiException.conflict("Tenant '" + id + "' already exists.", "id"));
            }
            Tenant t = new Tenant();
            t.id = id;
            t.name = name;
            t.allowedModels = allowedModels == null ? new ArrayList<>() : new ArrayList<>(allowedModels);
            return tenants.persist(t);
        }), t -> new ConfigWriter.Change(ConfigChange.Kind.TENANTS, t.id, null));
    }

    @WithSession
    public Uni<List<Tenant>> list() {
        return tenants.listAll(Sort.by("id"));
    }

    @WithSession
    public Uni<Tenant> get(String id) {
        return tenants.findById(id).onItem().ifNull().failWith(() -> notFound(id));
    }

    static ApiException notFound(String id) {
        return ApiException.notFound("No tenant '" + id + "'.", "tenant_not_found");
    }
}
