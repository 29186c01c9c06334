package io.nexusai.service.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Secrets every service is given ({@code nexus.security.*}). */
@ConfigMapping(prefix = "nexus.security")
public interface PlatformConfig {
    /** {@code NEXUS_SECRET_KEY}: signs session keys and derives the internal service token. At least 32 characters. */
    Optional<String> secretKey();

    /**
     * {@code NEXUS_SECRET_KEY_PREVIOUS}: the signing secret before the last rotation. Session keys it signed stay
     * valid until they expire; set it for at most 24 hours after a rotation.
     */
    Optional<String> previousSecretKey();

    /** {@code DB_ENCRYPTION_KEY}: master key of provider keys at rest. Required by services that hold it. */
    Optional<String> dbEncryptionKey();

    /** Whether this service needs {@code DB_ENCRYPTION_KEY} and must refuse to start without it. */
    @WithDefault("false")
    boolean requireDbEncryptionKey();

    /** Lifetime of a data key before a new one is made (the README's hourly rotation). */
    @WithDefault("1h")
    Duration dataKeyRotation();
}
