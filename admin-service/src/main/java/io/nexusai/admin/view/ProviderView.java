package io.nexusai.admin.view;

import io.nexusai.admin.repository.Provider;

import java.time.OffsetDateTime;
import java.util.Map;

/** A provider as the admin API (and the audit log) shows it: the API key only masked ({@code sk-...abcd}). */
public record ProviderView(long id, String name, String kind, String endpoint, String apiKey, int weight, int rateLimit,
                           String region, boolean isActive, Map<String, String> settings,
                           OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public static ProviderView of(Provider p) {
        return new ProviderView(p.id, p.name, p.kind, p.endpoint, p.apiKeyHint, p.weight, p.rateLimit, p.region, p.active,
                Map.copyOf(p.settings), p.createdAt, p.updatedAt);
    }
}
