package io.nexusai.api.crypto;

/** Start-up checks for the secrets every service is given through its environment. */
public final class Secrets {
    /** Minimum length of {@code NEXUS_SECRET_KEY} and {@code DB_ENCRYPTION_KEY}: 32 characters (256 bits of key material at the least). */
    public static final int MIN_LENGTH = 32;

    private Secrets() {
    }

    /**
     * Returns the secret, or throws with a message that names the variable and what is wrong, without
     * ever echoing the value.
     */
    public static String require(String envName, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(envName + " is not set: NexusAI refuses to start without it. "
                    + "Set it to a random string of at least " + MIN_LENGTH + " characters, e.g. `openssl rand -base64 48`.");
        }
        if (value.length() < MIN_LENGTH) {
            throw new IllegalStateException(envName + " is too short (" + value.length() + " characters): NexusAI refuses "
                    + "to start with fewer than " + MIN_LENGTH + ". Use e.g. `openssl rand -base64 48`.");
        }
        return value;
    }
}
