package io.nexusai.api;

import java.util.concurrent.ThreadLocalRandom;

/** Request ids: the ones clients send (accepted only when sane) and the ones we make. */
public final class RequestIds {
    public static final String HEADER = "x-request-id";
    private static final int MAX_LENGTH = 128;

    private RequestIds() {
    }

    /** A new unique id: {@code req_} and 128 random bits in hex. */
    public static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "req_" + hex16(r.nextLong()) + hex16(r.nextLong());
    }

    /** The presented id when it is sane (ASCII letters, digits and {@code -_.:}, at most 128), else {@code null}. */
    public static String sanitize(String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > MAX_LENGTH) {
            return null;
        }
        for (int i = 0; i < presented.length(); i++) {
            char c = presented.charAt(i);
            if (c >= 128 || !(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ':')) {
                return null;
            }
        }
        return presented;
    }

    private static String hex16(long v) {
        String s = Long.toHexString(v);
        return "0".repeat(16 - s.length()) + s;
    }
}
