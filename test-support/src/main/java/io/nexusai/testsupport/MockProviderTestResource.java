package io.nexusai.testsupport;

import io.nexusai.mock.MockProviderServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.util.Map;

/**
 * Runs the mock LLM provider in the test JVM on a free port; its base URL and the API key it demands are
 * published as {@code nexus.test.mock.url} and {@code nexus.test.mock.api-key}.
 */
public class MockProviderTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String API_KEY = "sk-mock-" + PostgresProvider.randomSuffix();
    private Vertx vertx;
    private static volatile String baseUrl;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        MockProviderServer server = new MockProviderServer(vertx, API_KEY).start("127.0.0.1", 0)
                .toCompletionStage().toCompletableFuture().join();
        baseUrl = "http://127.0.0.1:" + server.port();
        return Map.of("nexus.test.mock.url", baseUrl, "nexus.test.mock.api-key", API_KEY);
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    /** Base URL (without {@code /v1}) of the running mock. */
    public static String baseUrl() {
        return baseUrl;
    }
}
