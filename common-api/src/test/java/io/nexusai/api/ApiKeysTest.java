package io.nexusai.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.InternalToken;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.openai.ErrorEnvelope;
import io.nexusai.api.openai.ErrorType;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeysTest {

    @Test
    void keysAreUniqueAndHashedDeterministically() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(seen.add(ApiKeys.generate(KeyLevel.APP))).isTrue();
        }
        String key = ApiKeys.generate(KeyLevel.ADMIN);
        assertThat(key).startsWith("nx-adm-").hasSize(47);
        assertThat(ApiKeys.hash(key)).isEqualTo(ApiKeys.hash(key)).hasSize(64).doesNotContain(key.substring(7));
        assertThat(ApiKeys.hint(key)).isEqualTo("nx-adm-..." + key.substring(43));
        assertThat(ApiKeys.isOpaqueKey(key)).isTrue();
        assertThat(ApiKeys.isOpaqueKey("eyJhbGciOi.x.y")).isFalse();
    }

    @Test
    void internalTokenMatchesOnlyTheSameSecret() {
        String token = InternalToken.derive("a".repeat(40));
        assertThat(InternalToken.matches("Bearer " + token, token)).isTrue();
        assertThat(InternalToken.matches("bearer " + token, token)).isTrue();
        assertThat(InternalToken.matches("Bearer " + InternalToken.derive("b".repeat(40)), token)).isFalse();
        assertThat(InternalToken.matches(null, token)).isFalse();
        assertThat(InternalToken.matches(token, token)).isFalse();
    }

    @Test
    void handWrittenEnvelopeJsonEqualsJacksonAndEscapes() throws Exception {
        ErrorEnvelope envelope = ErrorEnvelope.of(ErrorType.INVALID_REQUEST, "bad \"x\"\n\u0001", null, "c");
        ObjectMapper mapper = new ObjectMapper();
        assertThat(mapper.readTree(envelope.toJson())).isEqualTo(mapper.readTree(mapper.writeValueAsString(envelope)));
        assertThat(mapper.readTree(envelope.toJson()).at("/error/param").isNull()).isTrue();
        assertThat(mapper.readTree(envelope.toJson()).at("/error/message").asText()).isEqualTo("bad \"x\"\n\u0001");
    }
}
