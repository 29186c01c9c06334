package io.nexusai.api.auth;

import com.fasterxml.jackson.annotation.JsonValue;

/** The three key levels of the product README. */
public enum KeyLevel {
    /** Platform operators: the admin API and every tenant's usage. */
    ADMIN("admin"),
    /** A tenant's application: the OpenAI API within the tenant's models and limits. */
    APP("app"),
    /** Short-lived JWT minted from an app key, with a narrower scope. */
    SESSION("session");

    private final String wire;

    KeyLevel(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public static KeyLevel fromWire(String value) {
        for (KeyLevel level : values()) {
            if (level.wire.equals(value)) {
                return level;
            }
        }
        throw new IllegalArgumentException("unknown key level: " + value);
    }
}
