package io.nexusai.auth.rest;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.BearerToken;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.auth.SessionKeys;
import io.nexusai.api.openai.ApiException;
import io.nexusai.auth.repository.KeyRepository;
import io.nexusai.service.config.PlatformSecrets;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

import java.time.Instant;
import java.util.List;

/**
 * {@code POST /v1/auth/session-keys}: mints a session key — a short-lived JWT signed with {@code NEXUS_SECRET_KEY}
 * (HS256, {@code kid} naming the secret) — from an app key. The session may narrow the app key's models (never
 * widen them), lives at most 24 hours, and may carry a token budget. Gateways verify it locally.
 */
@Path("/v1/auth/session-keys")
@Produces(MediaType.APPLICATION_JSON)
public class SessionKeyResource {
    private static final long DEFAULT_TTL = 3600;
    private final KeyRepository keys;
    private final PlatformSecrets secrets;

    public SessionKeyResource(KeyRepository keys, PlatformSecrets secrets) {
        this.keys = keys;
        this.secrets = secrets;
    }

    /** The request: all fields optional. */
    public record Request(
            @Size(max = 100) List<@NotNull @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}", message = "must be a model alias") String> models,
            @Min(60) @Max(SessionKeys.MAX_TTL_SECONDS) Long ttlSeconds,
            @Positive Long tokenBudget) {
    }

    /** The minted key; {@code session_key} is shown only here. */
    public record Response(String object, String id, String sessionKey, String parentKeyId, String tenantId, List<String> models,
                           long expiresAt, Long tokenBudget) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Response>> mint(@HeaderParam("Authorization") String authorization, @Valid Request body) {
        Request request = body == null ? new Request(null, null, null) : body;
        String token = BearerToken.from(authorization);
        if (token == null) {
            throw ApiException.unauthorized("Missing API key: send Authorization: Bearer <app key>.");
        }
        if (!ApiKeys.isOpaqueKey(token)) {
            throw ApiException.forbidden("Session keys are minted from an app key, not from another session key.", "app_key_required");
        }
        return keys.findValid(ApiKeys.hash(token)).map(parent -> {
            if (parent == null) {
                throw ApiException.unauthorized("Incorrect API key provided.");
            }
            if (parent.level() != KeyLevel.APP) {
                throw ApiException.forbidden("Session keys are minted from an app key, not from an admin key.", "app_key_required");
            }
            return RestResponse.status(RestResponse.Status.CREATED, mint(parent, request));
        });
    }

    private Response mint(Principal parent, Request request) {
        List<String> models = request.models() == null ? null : List.copyOf(request.models());
        if (models != null && parent.allowedModels() != null) {
            List<String> outside = models.stream().filter(m -> !parent.allowedModels().contains(m)).toList();
            if (!outside.isEmpty()) {
                throw ApiException.forbidden("A session key cannot reach beyond its app key: not allowed " + outside + ".", "scope_exceeded");
            }
        }
        long now = Instant.now().getEpochSecond();
        long expires = now + (request.ttlSeconds() == null ? DEFAULT_TTL : request.ttlSeconds());
        String id = ApiKeys.newId("sess_", 20);
        JwtClaimsBuilder claims = Jwt.claims()
                .issuer(SessionKeys.ISSUER)
                .subject(parent.keyId())
                .claim("jti", id)
                .claim(SessionKeys.TENANT_CLAIM, parent.tenantId())
                .claim(SessionKeys.LEVEL_CLAIM, KeyLevel.SESSION.wire())
                .issuedAt(now)
                .expiresAt(expires);
        if (models != null) {
            claims.claim(SessionKeys.MODELS_CLAIM, models);
        }
        if (request.tokenBudget() != null) {
            claims.claim(SessionKeys.BUDGET_CLAIM, request.tokenBudget());
        }
        String jwt = claims.jws().keyId(SessionKeys.keyId(secrets.secretKey())).algorithm(SignatureAlgorithm.HS256)
                .sign(SessionKeys.signingKey(secrets.secretKey()));
        List<String> effective = models != null ? models : parent.allowedModels();
        return new Response("session_key", id, jwt, parent.keyId(), parent.tenantId(), effective, expires, request.tokenBudget());
    }
}
