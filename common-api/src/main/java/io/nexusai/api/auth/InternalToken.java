package io.nexusai.api.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The bearer token services present to each other's {@code /internal/...} endpoints. It is derived from
 * {@code NEXUS_SECRET_KEY} (HMAC-SHA256 over a fixed label), so no extra secret has to be distributed and
 * the signing key itself never travels.
 */
public final class InternalToken {
    public static final String HEADER = "Authorization";
    private static final String LABEL = "nexusai/internal-service-token/v1";

    private InternalToken() {
    }

    /** The token for a given {@code NEXUS_SECRET_KEY}. */
    public static String derive(String secretKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(LABEL.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    /** Constant-time check of an {@code Authorization} header value against the expected token. */
    public static boolean matches(String authorizationHeader, String expectedToken) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, expectedToken.getBytes(StandardCharsets.UTF_8));
    }
}
