package io.nexusai.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Format of NexusAI's opaque keys: {@code nx-adm-<40 base62>} and {@code nx-app-<40 base62>} (about 238 bits
 * of entropy). Keys are shown once and stored only as their SHA-256; a fast hash is right for secrets this
 * long, and lets every service compare hashes without ever holding the key.
 */
public final class ApiKeys {
    public static final String ADMIN_PREFIX = "nx-adm-";
    public static final String APP_PREFIX = "nx-app-";
    private static final int RANDOM_CHARS = 40;
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    /** A new random key of the given level (admin or app). */
    public static String generate(KeyLevel level) {
        String prefix = switch (level) {
            case ADMIN -> ADMIN_PREFIX;
            case APP -> APP_PREFIX;
            case SESSION -> throw new IllegalArgumentException("session keys are JWTs minted by auth-service");
        };
        return prefix + randomBase62(RANDOM_CHARS);
    }

    /** A random public identifier such as {@code key_3fZ9...}, safe to log and show. */
    public static String newId(String prefix, int chars) {
        return prefix + randomBase62(chars);
    }

    /** Lower-case hex SHA-256 of the key's UTF-8 bytes: what is stored and looked up. */
    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /** What may be shown of a key after creation: its prefix and last four characters. */
    public static String hint(String key) {
        int dash = key.lastIndexOf('-');
        String prefix = dash >= 0 && dash < 8 ? key.substring(0, dash + 1) : "";
        String tail = key.length() > 4 ? key.substring(key.length() - 4) : "";
        return prefix + "..." + tail;
    }

    /** Whether a presented token looks like one of our opaque keys (as opposed to a session JWT). */
    public static boolean isOpaqueKey(String token) {
        return token.startsWith(APP_PREFIX) || token.startsWith(ADMIN_PREFIX);
    }

    private static String randomBase62(int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = BASE62[RANDOM.nextInt(BASE62.length)];
        }
        return new String(out);
    }
}
