package io.nexusai.admin.view;

import io.nexusai.admin.repository.ModelRoute;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Map;

/** A model route (one deployment of an alias) as the admin API shows it. */
public record RouteView(long id, String modelAlias, long providerId, String realModelName, BigDecimal costMultiplier,
                        Integer weight, Integer rateLimit, Map<String, Integer> regionWeights, int priority, boolean isActive,
                        OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public static RouteView of(ModelRoute r) {
        return new RouteView(r.id, r.modelAlias, r.providerId, r.realModelName, r.costMultiplier, r.weight, r.rateLimit,
                Map.copyOf(r.regionWeights), r.priority, r.active, r.createdAt, r.updatedAt);
    }
}
