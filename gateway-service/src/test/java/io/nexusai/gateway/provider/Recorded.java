package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Map;

/** Recorded provider bodies under {@code src/test/resources/recorded/} and small fixtures for translator tests. */
public final class Recorded {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Recorded() {
    }

    /** The bytes of {@code recorded/<path>}, exactly as stored. */
    public static byte[] bytes(String path) {
        try (InputStream in = Recorded.class.getResourceAsStream("/recorded/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no recorded body " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Buffer buffer(String path) {
        return Buffer.buffer(bytes(path));
    }

    public static Deployment deployment(ProviderKind kind, String endpoint, String realModel, Map<String, String> settings) {
        return new Deployment(7, 3, kind.wire() + "-main", kind, endpoint, "nxenc:v1:not-a-real-key", realModel, 1, 0,
                null, null, 1, BigDecimal.ONE, settings, null);
    }

    /** The 400 a translator raises for a client body it cannot translate (an {@link AssertionError} when it raises none). */
    public static io.nexusai.api.openai.ApiException rejected(Translator translator, String clientBody) {
        try {
            translator.request(json(clientBody), false);
        } catch (io.nexusai.api.openai.ApiException e) {
            org.assertj.core.api.Assertions.assertThat(e.status()).isEqualTo(400);
            org.assertj.core.api.Assertions.assertThat(e.type()).isEqualTo("invalid_request_error");
            return e;
        }
        throw new AssertionError("expected a 400 for " + clientBody);
    }

    public static ObjectNode json(String json) {
        try {
            return (ObjectNode) MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tree as it would arrive on the wire (so numbers compare by value, not by node type). */
    public static ObjectNode reparse(ObjectNode node) {
        try {
            return json(MAPPER.writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode json(Buffer buffer) {
        try {
            return (ObjectNode) MAPPER.readTree(buffer.getBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
