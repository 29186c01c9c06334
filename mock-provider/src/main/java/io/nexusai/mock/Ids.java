package io.nexusai.mock;

import java.util.concurrent.ThreadLocalRandom;

/** Random identifiers shaped like the vendors' ({@code chatcmpl-…}, {@code call_…}, {@code msg_…}, {@code toolu_…}). */
final class Ids {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private Ids() {
    }

    /** {@code prefix} followed by {@code length} random letters and digits. */
    static String random(String prefix, int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder sb = new StringBuilder(prefix.length() + length).append(prefix);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}
