package io.nexusai.service.auth;

import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.SessionKeys;
import io.nexusai.api.openai.ApiException;
import io.nexusai.service.config.PlatformSecrets;
import jakarta.enterprise.context.ApplicationScoped;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

import javax.crypto.SecretKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies session keys locally, with no call to anyone: HS256 only, signature by the key its {@code kid}
 * names (the current {@code NEXUS_SECRET_KEY} or, after a rotation, the previous one), issuer, level claim and
 * expiry (no clock skew beyond 30 s).
 */
@ApplicationScoped
public class SessionVerifier {
    /** The verified claims of a session key. */
    public record Claims(String sessionId, String parentKeyId, String tenantId, List<String> models, Long tokenBudget,
                         long expiresAtEpochSecond) {
    }

    private final JwtConsumer consumer;

    public SessionVerifier(PlatformSecrets secrets) {
        Map<String, SecretKey> keys = new HashMap<>();
        keys.put(SessionKeys.keyId(secrets.secretKey()), SessionKeys.signingKey(secrets.secretKey()));
        secrets.previousSecretKey().ifPresent(previous -> keys.put(SessionKeys.keyId(previous), SessionKeys.signingKey(previous)));
        this.consumer = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireSubject()
                .setRequireJwtId()
                .setExpectedIssuer(SessionKeys.ISSUER)
                .setAllowedClockSkewInSeconds(30)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.HMAC_SHA256)
                .setVerificationKeyResolver((jws, nested) -> {
                    SecretKey key = keys.get(jws.getKeyIdHeaderValue());
                    if (key == null) {
                        throw new org.jose4j.lang.UnresolvableKeyException("unknown kid");
                    }
                    return key;
                })
                .build();
    }

    /** The claims of a valid session key; 401 for anything else (bad signature, expired, unknown kid, malformed). */
    public Claims verify(String jwt) {
        JwtClaims claims;
        try {
            claims = consumer.processToClaims(jwt);
        } catch (InvalidJwtException e) {
            throw ApiException.unauthorized(e.hasExpired() ? "The session key has expired: mint a new one."
                    : "Invalid session key.");
        }
        try {
            if (!KeyLevel.SESSION.wire().equals(claims.getStringClaimValue(SessionKeys.LEVEL_CLAIM))) {
                throw ApiException.unauthorized("Invalid session key.");
            }
            Object budget = claims.getClaimValue(SessionKeys.BUDGET_CLAIM);
            return new Claims(claims.getJwtId(), claims.getSubject(), claims.getStringClaimValue(SessionKeys.TENANT_CLAIM),
                    claims.hasClaim(SessionKeys.MODELS_CLAIM) ? claims.getStringListClaimValue(SessionKeys.MODELS_CLAIM) : null,
                    budget instanceof Number n ? n.longValue() : null,
                    claims.getExpirationTime().getValue());
        } catch (MalformedClaimException e) {
            throw ApiException.unauthorized("Invalid session key.");
        }
    }
}
