package io.nexusai.api.auth;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Session keys are HS256 JWTs. Their signing key is derived from {@code NEXUS_SECRET_KEY} (HMAC-SHA256 over a
 * fixed label, so the secret itself is never used directly as a key), and the JWT header's {@code kid} names
 * which secret signed it: after a rotation, verifiers keep the previous secret and pick the key by {@code kid}.
 */
public final class SessionKeys {
    /** Issuer of every session key. */
    public static final String ISSUER = "nexusai";
    /** Claim: the tenant. */
    public static final String TENANT_CLAIM = "tid";
    /** Claim: the aliases the session may use (absent = the parent key's). */
    public static final String MODELS_CLAIM = "models";
    /** Claim: the session's token budget (absent = none). */
    public static final String BUDGET_CLAIM = "token_budget";
    /** Claim: the key level, always {@code session}. */
    public static final String LEVEL_CLAIM = "lvl";
    /** Longest allowed lifetime: 24 hours. */
    public static final long MAX_TTL_SECONDS = 24 * 3600;
    private static final String LABEL = "nexusai/session-jwt/v1";

    private SessionKeys() {
    }

    /** The HS256 key derived from a {@code NEXUS_SECRET_KEY}. */
    public static SecretKey signingKey(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return new SecretKeySpec(mac.doFinal(LABEL.getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    /** The {@code kid} of the key derived from a secret: 16 hex characters of its SHA-256; reveals nothing of it. */
    public static String keyId(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(signingKey(secret).getEncoded());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /** Whether a bearer token looks like a JWT (three base64url parts). */
    public static boolean looksLikeJwt(String token) {
        int first = token.indexOf('.');
        return first > 0 && token.indexOf('.', first + 1) > first + 1 && token.startsWith("eyJ");
    }
}
