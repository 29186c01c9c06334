package io.nexusai.api.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * HMAC request signing of app keys that opt in. The client sends
 * {@code x-nexus-timestamp: <unix seconds>} and {@code x-nexus-signature: v1=<hex>} where the hex is
 * HMAC-SHA256(signing secret, METHOD + "\n" + path-with-query + "\n" + timestamp + "\n" + hex SHA-256 of the body).
 * The gateway refuses missing or wrong signatures, timestamps more than 5 minutes off, and replays.
 */
public final class RequestSignature {
    public static final String TIMESTAMP_HEADER = "x-nexus-timestamp";
    public static final String SIGNATURE_HEADER = "x-nexus-signature";
    public static final String VERSION_PREFIX = "v1=";
    /** How far a timestamp may be from the gateway's clock, either way. */
    public static final long MAX_SKEW_SECONDS = 300;

    private RequestSignature() {
    }

    /** The signature header value for a request. */
    public static String sign(String secret, String method, String pathAndQuery, long timestamp, byte[] body) {
        return VERSION_PREFIX + HexFormat.of().formatHex(mac(secret, canonical(method, pathAndQuery, timestamp, body)));
    }

    /** Constant-time check of a presented signature header value. */
    public static boolean verify(String secret, String method, String pathAndQuery, long timestamp, byte[] body, String presented) {
        if (presented == null || !presented.startsWith(VERSION_PREFIX)) {
            return false;
        }
        byte[] expected = sign(secret, method, pathAndQuery, timestamp, body).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, presented.trim().getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] canonical(String method, String pathAndQuery, long timestamp, byte[] body) {
        try {
            String bodyHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body == null ? new byte[0] : body));
            return (method.toUpperCase() + "\n" + pathAndQuery + "\n" + timestamp + "\n" + bodyHash).getBytes(StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    private static byte[] mac(String secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }
}
