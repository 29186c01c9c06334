package io.nexusai.admin.service;

import io.nexusai.admin.repository.ModelRouteRepository;
import io.nexusai.admin.repository.Provider;
import io.nexusai.admin.repository.ProviderRepository;
import io.nexusai.admin.view.ProviderView;
import io.nexusai.api.crypto.AwsKeys;
import io.nexusai.api.crypto.Masking;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorEnvelope;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Providers: their API keys (for kind {@code bedrock}, their AWS credentials as {@link AwsKeys}) are encrypted
 * before they reach the database and never leave it in plaintext.
 */
@ApplicationScoped
public class ProviderService {
    /** An AWS region name (us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, ...). */
    static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
    /** A Bedrock Runtime endpoint, which names its region: {@code https://bedrock-runtime[-fips].<region>.amazonaws.com}. */
    private static final Pattern BEDROCK_HOST = Pattern.compile("^https?://bedrock-runtime(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com",
            Pattern.CASE_INSENSITIVE);

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

    /**
     * Fields of a provider; on update, {@code null} means unchanged.
     *
     * @param apiKey the API key (kinds other than {@code bedrock})
     * @param aws    the AWS credentials (kind {@code bedrock})
     */
    public record Fields(String name, String kind, String endpoint, String apiKey, AwsKeys aws, Integer weight, Integer rateLimit,
                         String region, Boolean active, Map<String, String> settings) {
    }

    /**
     * The AWS credentials of a request's {@code aws_*} fields, or {@code null} when none is given (an apply file's
     * masked {@code ******} counts as none); 400 when they are incomplete or malformed.
     *
     * @param at the fields' path prefix in error details ({@code ""} or {@code providers[3].})
     */
    public static AwsKeys awsKeys(String at, String accessKeyId, String secretAccessKey, String sessionToken) {
        boolean id = !ApplySpec.isPlaceholder(accessKeyId);
        boolean secret = !ApplySpec.isPlaceholder(secretAccessKey);
        boolean token = !ApplySpec.isPlaceholder(sessionToken);
        if (!id && !secret && !token) {
            return null;
        }
        if (!id || !secret) {
            throw invalid(at + (id ? "aws_secret_access_key" : "aws_access_key_id"),
                    "is required with the other AWS credentials (aws_access_key_id and aws_secret_access_key go together)");
        }
        if (!AwsKeys.ACCESS_KEY_ID.matcher(accessKeyId).matches()) {
            throw invalid(at + "aws_access_key_id", "must be an AWS access key id (16 to 128 letters, digits or _)");
        }
        if (!AwsKeys.SECRET.matcher(secretAccessKey).matches()) {
            throw invalid(at + "aws_secret_access_key", "must not contain white space or ':'");
        }
        if (token && !AwsKeys.SECRET.matcher(sessionToken).matches()) {
            throw invalid(at + "aws_session_token", "must not contain white space or ':'");
        }
        return new AwsKeys(accessKeyId, secretAccessKey, token ? sessionToken : null);
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

    /** Whether these are the provider's current AWS credentials (for idempotent apply). */
    boolean hasKeys(Provider p, AwsKeys aws) {
        return hasKey(p, aws.encode());
    }

    /** Whether {@code apiKey} is the provider's current key (for idempotent apply); compares after decryption. */
    boolean hasKey(Provider p, String apiKey) {
        return java.security.MessageDigest.isEqual(secrets.cipher().decrypt(p.apiKeyEnvelope).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                apiKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void apply(Provider p, Fields in) {
        String kindBefore = p.kind;
        if (in.name() != null) {
            p.name = in.name();
        }
        if (in.kind() != null) {
            p.kind = in.kind();
        }
        if (in.endpoint() != null) {
            p.endpoint = stripTrailingSlash(in.endpoint());
        }
        secret(p, in, kindBefore);
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
        if ("bedrock".equals(p.kind)) {
            bedrockRegion(p);
        }
    }

    /**
     * Stores the new secret, if any, and checks that the provider ends up with the kind of secret its kind needs: an
     * API key, or for {@code bedrock} AWS credentials (a kind change must bring the other kind of secret along).
     */
    private void secret(Provider p, Fields in, String kindBefore) {
        boolean bedrock = "bedrock".equals(p.kind);
        if (in.apiKey() != null && in.aws() != null) {
            throw invalid("api_key", "give either api_key or the AWS credentials, not both");
        }
        if (bedrock && in.apiKey() != null) {
            throw invalid("api_key", "a bedrock provider signs its requests with aws_access_key_id and aws_secret_access_key "
                    + "(and aws_session_token for temporary credentials), not an api_key");
        }
        if (!bedrock && in.aws() != null) {
            throw invalid("aws_access_key_id", "only bedrock providers take AWS credentials; give an api_key");
        }
        if (in.aws() != null) {
            p.apiKeyEnvelope = secrets.cipher().encrypt(in.aws().encode());
            p.apiKeyHint = in.aws().hint();
        } else if (in.apiKey() != null) {
            if (in.apiKey().isBlank()) {
                throw invalid("api_key", "must not be blank");
            }
            p.apiKeyEnvelope = secrets.cipher().encrypt(in.apiKey());
            p.apiKeyHint = Masking.mask(in.apiKey());
        } else if (p.apiKeyEnvelope == null || (!p.kind.equals(kindBefore) && !Boolean.valueOf(bedrock).equals(storedAwsKeys(p)))) {
            throw bedrock ? invalid("aws_access_key_id", "is required for a bedrock provider, with aws_secret_access_key")
                    : invalid("api_key", "is required");
        }
    }

    /** Whether the stored secret is AWS credentials; one that does not decrypt counts as neither kind. */
    private Boolean storedAwsKeys(Provider p) {
        try {
            return AwsKeys.isEncoded(secrets.cipher().decrypt(p.apiKeyEnvelope));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A Bedrock provider's region: given, or named by its endpoint; it must look like an AWS region. */
    private static void bedrockRegion(Provider p) {
        if (p.region == null) {
            p.region = regionOf(p.endpoint);
        }
        if (p.region == null) {
            throw invalid("region", "is required for a bedrock provider: the AWS region its requests are signed for, e.g. us-east-1");
        }
        if (!AWS_REGION.matcher(p.region).matches()) {
            throw invalid("region", "must be an AWS region such as us-east-1 for a bedrock provider");
        }
    }

    /** The AWS region a Bedrock Runtime endpoint names, or {@code null}. */
    static String regionOf(String endpoint) {
        Matcher host = BEDROCK_HOST.matcher(endpoint);
        if (host.find() && AWS_REGION.matcher(host.group(1).toLowerCase()).matches()) {
            return host.group(1).toLowerCase();
        }
        return null;
    }

    private static ApiException invalid(String param, String message) {
        return ApiException.invalid(List.of(new ErrorEnvelope.FieldProblem(param, message)));
    }

    static ApiException notFound(long id) {
        return ApiException.notFound("No provider with id " + id + ".", "provider_not_found");
    }

    static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
