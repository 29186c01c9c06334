package io.nexusai.admin.service;

import io.nexusai.admin.repository.ModelRouteRepository;
import io.nexusai.admin.repository.Provider;
import io.nexusai.admin.repository.ProviderRepository;
import io.nexusai.admin.view.ProviderView;
import io.nexusai.api.crypto.Masking;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Providers: their API keys are encrypted before they reach the database and never leave it in plaintext. */
@ApplicationScoped
public class ProviderService {
    private final ProviderRepository providers;
    private final ModelRouteRepository routes;
    private final ConfigWriter writer;
    private final PlatformSecrets secrets;

    public ProviderService(ProviderRepository providers, ModelRouteRepository routes, ConfigWriter writer, PlatformSecrets secrets) {
        this.providers = providers;
        this.routes = routes;
        this.writer = writer;
        this.secrets = secrets;
    }

    /** Fields of a provider; on update, {@code null} means unchanged. */
    public record Fields(String name, String kind, String endpoint, String apiKey, Integer weight, Integer rateLimit,
                         String region, Boolean active, Map<String, String> settings) {
    }

    public Uni<Provider> create(Actor actor, Fields in) {
        return writer.write(actor, () -> createInTx(in));
    }

    /** The create step without its own transaction, for composite writes (apply). */
    Uni<Outcome<Provider>> createInTx(Fields in) {
        return providers.findByName(in.name()).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().failure(ApiException.conflict("A provider named '" + in.name() + "' already exists.", "name"));
            }
            Provider p = new Provider();
            p.kind = "openai";
            apply(p, in);
            return providers.persist(p).map(saved -> Outcome.of(saved)
                    .change(ConfigChange.Kind.PROVIDERS, String.valueOf(saved.id), null)
                    .audit("create", "provider", String.valueOf(saved.id), null, ProviderView.of(saved)));
        });
    }

    public Uni<Provider> update(Actor actor, long id, Fields in) {
        return writer.write(actor, () -> providers.findById(id).flatMap(p -> {
            if (p == null) {
                return Uni.createFrom().failure(notFound(id));
            }
            if (in.name() != null && !in.name().equals(p.name)) {
                return providers.findByName(in.name()).flatMap(other -> other != null
                        ? Uni.createFrom().failure(ApiException.conflict("A provider named '" + in.name() + "' already exists.", "name"))
                        : updateInTx(p, in));
            }
            return updateInTx(p, in);
        }));
    }

    /** The update step without its own transaction, for composite writes (apply). */
    Uni<Outcome<Provider>> updateInTx(Provider p, Fields in) {
        ProviderView before = ProviderView.of(p);
        apply(p, in);
        return providers.flush().map(v -> Outcome.of(p)
                .change(ConfigChange.Kind.PROVIDERS, String.valueOf(p.id), null)
                .audit("update", "provider", String.valueOf(p.id), before, ProviderView.of(p)));
    }

    /** Deletes a provider and, with it, its routes. */
    public Uni<Void> delete(Actor actor, long id) {
        return writer.write(actor, () -> providers.findById(id).flatMap(p -> p == null
                ? Uni.createFrom().failure(notFound(id))
                : deleteInTx(p))).replaceWithVoid();
    }

    Uni<Outcome<Void>> deleteInTx(Provider p) {
        ProviderView before = ProviderView.of(p);
        return routes.delete("providerId", p.id).flatMap(n -> providers.delete(p)).map(v -> Outcome.<Void>of(null)
                .change(ConfigChange.Kind.PROVIDERS, String.valueOf(p.id), null)
                .audit("delete", "provider", String.valueOf(p.id), before, null));
    }

    @WithSession
    public Uni<List<Provider>> list() {
        return providers.listAll(Sort.by("id"));
    }

    @WithSession
    public Uni<Provider> get(long id) {
        return providers.findById(id).onItem().ifNull().failWith(() -> notFound(id));
    }

    /** Whether {@code apiKey} is the provider's current key (for idempotent apply); compares after decryption. */
    boolean hasKey(Provider p, String apiKey) {
        return java.security.MessageDigest.isEqual(secrets.cipher().decrypt(p.apiKeyEnvelope).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                apiKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void apply(Provider p, Fields in) {
        if (in.name() != null) {
            p.name = in.name();
        }
        if (in.kind() != null) {
            p.kind = in.kind();
        }
        if (in.endpoint() != null) {
            p.endpoint = stripTrailingSlash(in.endpoint());
        }
        if (in.apiKey() != null) {
            p.apiKeyEnvelope = secrets.cipher().encrypt(in.apiKey());
            p.apiKeyHint = Masking.mask(in.apiKey());
        }
        if (in.weight() != null) {
            p.weight = in.weight();
        } else if (p.id == null) {
            p.weight = 100;
        }
        if (in.rateLimit() != null) {
            p.rateLimit = in.rateLimit();
        } else if (p.id == null) {
            p.rateLimit = 60;
        }
        if (in.region() != null) {
            p.region = in.region().isEmpty() ? null : in.region();
        }
        if (in.active() != null) {
            p.active = in.active();
        }
        if (in.settings() != null) {
            p.settings = new HashMap<>(in.settings());
        }
    }

    static ApiException notFound(long id) {
        return ApiException.notFound("No provider with id " + id + ".", "provider_not_found");
    }

    static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
