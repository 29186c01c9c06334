package io.nexusai.api.auth;

/** Reads {@code Authorization: Bearer <token>}. */
public final class BearerToken {
    /** Longer tokens are refused outright: no key or session JWT of ours comes near it. */
    public static final int MAX_LENGTH = 4096;

    private BearerToken() {
    }

    /** The token of a Bearer header, or {@code null} when the header is missing, of another scheme, empty or huge. */
    public static String from(String header) {
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() || token.length() > MAX_LENGTH ? null : token;
    }
}
