package io.nexusai.admin.service;

import io.nexusai.admin.repository.Provider;
import io.nexusai.admin.repository.ProviderRepository;
import io.nexusai.api.crypto.Masking;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Providers: their API keys are encrypted before they reach the database and never leave it in plaintext. */
@ApplicationScoped
public class ProviderService {
    private final ProviderRepository providers;
    private final ConfigWriter writer;
    private final PlatformSecrets secrets;

    public ProviderService(ProviderRepository providers, ConfigWriter writer, PlatformSecrets secrets) {
        this.providers = providers;
        this.writer = writer;
        this.secrets = secrets;
    }

    /** What a new provider is made of (already validated for shape). */
    public record NewProvider(String name, String kind, String endpoint, String apiKey, Integer weight, Integer rateLimit,
                              String region, Boolean active, Map<String, String> settings) {
    }

    public Uni<Provider> create(NewProvider in) {
        return writer.write(() -> providers.findByName(in.name()).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().failure(ApiException.conflict("A provider named '" + in.name() + "' already exists.", "name"));
            }
            Provider p = new Provider();
            p.name = in.name();
            p.kind = in.kind() == null ? "openai" : in.kind();
            p.endpoint = stripTrailingSlash(in.endpoint());
            p.apiKeyEnvelope = secrets.cipher().encrypt(in.apiKey());
            p.apiKeyHint = Masking.mask(in.apiKey());
            p.weight = in.weight() == null ? 100 : in.weight();
            p.rateLimit = in.rateLimit() == null ? 60 : in.rateLimit();
            p.region = in.region();
            p.active = in.active() == null || in.active();
            p.settings = in.settings() == null ? new HashMap<>() : new HashMap<>(in.settings());
            return providers.persist(p);
        }), p -> new ConfigWriter.Change(ConfigChange.Kind.PROVIDERS, String.valueOf(p.id), null));
    }

    @WithSession
    public Uni<List<Provider>> list() {
        return providers.listAll(io.quarkus.panache.common.Sort.by("id"));
    }

    @WithSession
    public Uni<Provider> get(long id) {
        return providers.findById(id).onItem().ifNull()
                .failWith(() -> ApiException.notFound("No provider with id " + id + ".", "provider_not_found"));
    }

    static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
