package io.nexusai.api.crypto;

/** How secrets look wherever they must be shown at all: {@code sk-...abcd}. */
public final class Masking {
    private Masking() {
    }

    /**
     * Masks a secret to its leading vendor prefix (up to the first dash, if within the first 8 characters) and
     * its last four characters; secrets shorter than 12 characters show no tail.
     */
    public static String mask(String secret) {
        if (secret == null || secret.isEmpty()) {
            return "";
        }
        int dash = secret.indexOf('-');
        String prefix = dash > 0 && dash < 8 ? secret.substring(0, dash + 1) : "";
        String tail = secret.length() >= 12 ? secret.substring(secret.length() - 4) : "";
        return prefix + "..." + tail;
    }
}
