package io.nexusai.admin.rest;

import io.nexusai.admin.repository.Tenant;

import java.time.OffsetDateTime;
import java.util.List;

/** A tenant as the admin API shows it. */
public record TenantView(String id, String name, List<String> allowedModels, boolean isActive,
                         OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    static TenantView of(Tenant t) {
        return new TenantView(t.id, t.name, t.allowedModels, t.active, t.createdAt, t.updatedAt);
    }
}
