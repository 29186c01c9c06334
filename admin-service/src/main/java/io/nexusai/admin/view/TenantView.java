package io.nexusai.admin.view;

import io.nexusai.admin.repository.Tenant;

import java.time.OffsetDateTime;
import java.util.List;

/** A tenant as the admin API shows it. */
public record TenantView(String id, String name, List<String> allowedModels, List<String> corsOrigins, boolean isActive,
                         LimitsView limits, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public static TenantView of(Tenant t) {
        return new TenantView(t.id, t.name, List.copyOf(t.allowedModels), List.copyOf(t.corsOrigins), t.active, LimitsView.of(t.limits), t.createdAt, t.updatedAt);
    }
}
