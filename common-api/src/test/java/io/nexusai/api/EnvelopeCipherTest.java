package io.nexusai.api;

import io.nexusai.api.crypto.EnvelopeCipher;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeCipherTest {
    static final String MASTER = "0123456789abcdef0123456789abcdef-master";

    @Test
    void roundTripHidesPlaintext() {
        EnvelopeCipher cipher = new EnvelopeCipher(MASTER, Duration.ofHours(1));
        String envelope = cipher.encrypt("sk-live-secret-1234");
        assertThat(envelope).startsWith(EnvelopeCipher.PREFIX).doesNotContain("sk-live").doesNotContain("1234");
        assertThat(cipher.decrypt(envelope)).isEqualTo("sk-live-secret-1234");
        // another instance with the same master key (another service) decrypts it too
        assertThat(new EnvelopeCipher(MASTER, Duration.ofHours(1)).decrypt(envelope)).isEqualTo("sk-live-secret-1234");
    }

    @Test
    void wrongMasterKeyOrTamperingIsRejected() {
        String envelope = new EnvelopeCipher(MASTER, Duration.ofHours(1)).encrypt("secret");
        EnvelopeCipher other = new EnvelopeCipher(MASTER + "-other", Duration.ofHours(1));
        assertThatThrownBy(() -> other.decrypt(envelope)).isInstanceOf(IllegalArgumentException.class);
        String tampered = envelope.substring(0, envelope.length() - 2) + (envelope.endsWith("A") ? "BB" : "AA");
        assertThatThrownBy(() -> new EnvelopeCipher(MASTER, Duration.ofHours(1)).decrypt(tampered))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> other.decrypt("plain")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dataKeyRotatesAfterItsLifetimeAndOldEnvelopesStillDecrypt() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        EnvelopeCipher cipher = new EnvelopeCipher(MASTER, Duration.ofHours(1), clock);
        String first = cipher.encrypt("a");
        String second = cipher.encrypt("b");
        assertThat(dekId(first)).isEqualTo(dekId(second));
        assertThat(cipher.needsReencryption(first)).isFalse();

        now.set(now.get().plus(Duration.ofMinutes(61)));
        assertThat(cipher.needsReencryption(first)).isTrue();
        String third = cipher.encrypt("c");
        assertThat(dekId(third)).isNotEqualTo(dekId(first));
        assertThat(cipher.decrypt(first)).isEqualTo("a");
        assertThat(cipher.decrypt(third)).isEqualTo("c");
    }

    @Test
    void refusesShortMasterKey() {
        assertThatThrownBy(() -> new EnvelopeCipher("short", Duration.ofHours(1)))
                .hasMessageContaining("DB_ENCRYPTION_KEY").hasMessageNotContaining("short\"");
        assertThatThrownBy(() -> new EnvelopeCipher(null, Duration.ofHours(1)))
                .hasMessageContaining("DB_ENCRYPTION_KEY is not set");
    }

    private static String dekId(String envelope) {
        return envelope.split(":")[2];
    }
}
