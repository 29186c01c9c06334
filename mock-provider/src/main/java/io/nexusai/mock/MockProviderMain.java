package io.nexusai.mock;

import io.vertx.core.Vertx;

/**
 * Runs the mock provider as a process: {@code java -cp "mock-provider.jar:lib/*" io.nexusai.mock.MockProviderMain}.
 * Settings from the environment: {@code MOCK_HOST} (default 127.0.0.1), {@code MOCK_PORT} (default 8090),
 * {@code MOCK_API_KEY} (optional), {@code MOCK_TOKEN_DELAY_MS} (default inter-token delay of streams, default 0).
 */
public final class MockProviderMain {
    private MockProviderMain() {
    }

    public static void main(String[] args) {
        String host = env("MOCK_HOST", "127.0.0.1");
        int port = Integer.parseInt(env("MOCK_PORT", "8090"));
        long tokenDelayMs = Long.parseLong(env("MOCK_TOKEN_DELAY_MS", "0"));
        String apiKey = System.getenv("MOCK_API_KEY");
        Vertx vertx = Vertx.vertx();
        new MockProviderServer(vertx, apiKey == null || apiKey.isBlank() ? null : apiKey, tokenDelayMs)
                .start(host, port)
                .onSuccess(s -> System.out.println("mock-provider listening on http://" + host + ":" + s.port()))
                .onFailure(e -> {
                    System.err.println("mock-provider failed to start: " + e.getMessage());
                    System.exit(1);
                });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().toCompletionStage().toCompletableFuture().join()));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
