package io.nexusai.api.auth;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Principal#fingerprint()}: what a key cache and auth-service compare in a revalidation, so it must be equal
 * for equal principals on both sides of the wire and differ when any part of the principal does.
 */
class PrincipalFingerprintTest {
    static final Limits KEY = new Limits(60, 10_000, 1_000_000L, null, new BigDecimal("12.50"), null);
    static final Limits TENANT = new Limits(600, null, null, 50_000_000L, null, new BigDecimal("1000"));
    static final Principal FULL = new Principal("key_abc123", KeyLevel.APP, "acme", List.of("gpt-4o", "claude"), KEY, TENANT,
            "v1.envelope", null, List.of("https://app.example"));

    @Test
    void equalPrincipalsHaveEqualFingerprintsAlsoAfterTheWire() throws Exception {
        // as the services' mappers read it (Quarkus' default: unknown properties, such as Limits' "empty", ignored)
        ObjectMapper json = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        Principal back = json.readValue(json.writeValueAsString(FULL), Principal.class);
        assertThat(back).isEqualTo(FULL).isNotSameAs(FULL);
        assertThat(back.fingerprint()).isEqualTo(FULL.fingerprint());
        // known values (computed once, in another JVM): the digest depends on no JVM's identity hashes (an enum's
        // hashCode is one), and a gateway and an auth-service of the same version agree on it
        assertThat(new Principal("key_x", KeyLevel.ADMIN, null, null).fingerprint()).isEqualTo(8732455199230508688L);
        assertThat(new Principal("key_abc123", KeyLevel.APP, "acme", List.of("gpt-4o", "claude"), KEY, Limits.NONE, null, null, null)
                .fingerprint()).isEqualTo(459577353166958971L);
        // a limit written with another scale is the same limit
        Principal rescaled = new Principal(FULL.keyId(), FULL.level(), FULL.tenantId(), FULL.allowedModels(),
                new Limits(60, 10_000, 1_000_000L, null, new BigDecimal("12.5"), null), TENANT, "v1.envelope", null,
                FULL.corsOrigins());
        assertThat(rescaled.fingerprint()).isEqualTo(FULL.fingerprint());
    }

    @Test
    void aChangeOfAnyPartChangesTheFingerprint() {
        List<Principal> variants = List.of(
                FULL,
                new Principal("key_abc124", KeyLevel.APP, "acme", FULL.allowedModels(), KEY, TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.ADMIN, "acme", FULL.allowedModels(), KEY, TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme2", FULL.allowedModels(), KEY, TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", List.of("gpt-4o"), KEY, TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", List.of("claude", "gpt-4o"), KEY, TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", null, KEY, TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(),
                        new Limits(61, 10_000, 1_000_000L, null, new BigDecimal("12.50"), null), TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(),
                        new Limits(60, 10_000, 1_000_000L, null, new BigDecimal("12.51"), null), TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(),
                        new Limits(60, 10_000, null, 1_000_000L, new BigDecimal("12.50"), null), TENANT, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(), KEY, Limits.NONE, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(), TENANT, KEY, "v1.envelope", null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(), KEY, TENANT, null, null, FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(), KEY, TENANT, "v1.envelope",
                        new Principal.Session("ses_1", 1_900_000_000L, 5_000L), FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(), KEY, TENANT, "v1.envelope",
                        new Principal.Session("ses_1", 1_900_000_000L, null), FULL.corsOrigins()),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(), KEY, TENANT, "v1.envelope", null, null),
                new Principal("key_abc123", KeyLevel.APP, "acme", FULL.allowedModels(), KEY, TENANT, "v1.envelope", null,
                        List.of("https://other.example")));
        Set<Long> fingerprints = new HashSet<>();
        for (Principal p : variants) {
            fingerprints.add(p.fingerprint());
        }
        assertThat(fingerprints).hasSize(variants.size());
    }
}
