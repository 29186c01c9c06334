package io.nexusai.service.config;

import io.nexusai.api.auth.InternalToken;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.crypto.Secrets;
import io.nexusai.api.events.RedisNames;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Checks the platform secrets at start-up (a service refuses to start with a missing or too-short one, naming
 * the variable, never printing the value) and hands out what is derived from them.
 */
@Startup
@ApplicationScoped
public class PlatformSecrets {
    private final String internalToken;
    private final String secretKey;
    private final java.util.Optional<String> previousSecretKey;
    private final EnvelopeCipher cipher;
    private final RedisNames redisNames;

    public PlatformSecrets(PlatformConfig config, RedisConfig redis) {
        String secret = Secrets.require("NEXUS_SECRET_KEY", config.secretKey().orElse(null));
        this.secretKey = secret;
        this.previousSecretKey = config.previousSecretKey().filter(s -> !s.isBlank())
                .map(s -> Secrets.require("NEXUS_SECRET_KEY_PREVIOUS", s));
        this.internalToken = InternalToken.derive(secret);
        this.cipher = config.requireDbEncryptionKey()
                ? new EnvelopeCipher(config.dbEncryptionKey().orElse(null), config.dataKeyRotation())
                : null;
        this.redisNames = new RedisNames(redis.namespace(), redis.cluster());
    }

    /** Token this service presents to, and expects on, {@code /internal/...} endpoints. */
    public String internalToken() {
        return internalToken;
    }

    /** The internal token of {@code NEXUS_SECRET_KEY_PREVIOUS}, accepted during a rotation. */
    public java.util.Optional<String> previousInternalToken() {
        return previousSecretKey.map(InternalToken::derive);
    }

    /** {@code NEXUS_SECRET_KEY}: signs session keys. */
    public String secretKey() {
        return secretKey;
    }

    /** {@code NEXUS_SECRET_KEY_PREVIOUS}, if set: still verifies session keys signed before a rotation. */
    public java.util.Optional<String> previousSecretKey() {
        return previousSecretKey;
    }

    /** The cipher of secrets at rest; only in services that require {@code DB_ENCRYPTION_KEY}. */
    public EnvelopeCipher cipher() {
        if (cipher == null) {
            throw new IllegalStateException("this service is not configured with DB_ENCRYPTION_KEY");
        }
        return cipher;
    }

    public RedisNames redisNames() {
        return redisNames;
    }
}
