package io.nexusai.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The training workload of the local stack's JDK AOT caches ({@code deploy/local/nexus up}, when a service runs with
 * {@code -XX:AOTCacheOutput}): for {@code NEXUS_AOT_TRAINING_SECONDS} (default 20) it sends what the services serve
 * in earnest, so that the classes they load and the methods they run hot end up in their caches — chat completions
 * (plain and streamed, 8 at a time), completions, embeddings, models, session keys, requests the gateway refuses
 * (bad key, unknown model, malformed body), the usage API, the admin API's lists, provider health, and every
 * service's health and metrics. The cache itself is written when the service stops. Answers are not checked: the
 * demo setup of {@link LocalBootstrap} is.
 *
 * <p>Reads {@code target/local/nexus.env}'s variables and the management URLs in {@code NEXUS_HEALTH_URLS} from the
 * environment. Usage: {@code java -cp "test-support.jar:lib/*" io.nexusai.testsupport.LocalTraining}.
 */
public final class LocalTraining {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final int CONCURRENCY = 8;

    private LocalTraining() {
    }

    public static void main(String[] args) throws Exception {
        long seconds = Long.parseLong(System.getenv().getOrDefault("NEXUS_AOT_TRAINING_SECONDS", "20"));
        String gateway = env("NEXUS_GATEWAY_URL");
        String admin = env("NEXUS_ADMIN_URL");
        String routing = env("NEXUS_ROUTING_URL");
        String metering = env("NEXUS_METERING_URL");
        String adminKey = env("NEXUS_ADMIN_KEY");
        String appKey = env("NEXUS_APP_KEY");
        String model = env("NEXUS_MODEL");
        List<String> management = new ArrayList<>();
        for (String health : env("NEXUS_HEALTH_URLS").split(",")) {
            management.add(health.split("=", 2)[1].replace("/q/health/ready", ""));
        }

        String chat = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Say hello to the training run.\"}],\"max_tokens\":64}";
        String stream = chat.substring(0, chat.length() - 1) + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        List<Call> rare = List.of(
                post(gateway + "/v1/completions", appKey, "{\"model\":\"" + model + "\",\"prompt\":\"Say hello.\",\"max_tokens\":16}"),
                post(gateway + "/v1/embeddings", appKey, "{\"model\":\"" + model + "\",\"input\":\"hello\"}"),
                get(gateway + "/v1/models", appKey),
                get(gateway + "/v1/models/" + model, appKey),
                post(gateway + "/v1/auth/session-keys", appKey, "{\"ttl_seconds\":600,\"token_budget\":1000}"),
                post(gateway + "/v1/chat/completions", "nx-app-not-a-key", chat),
                post(gateway + "/v1/chat/completions", appKey, chat.replace(model, "no-such-model")),
                post(gateway + "/v1/chat/completions", appKey, "{\"model\":"),
                get(metering + "/v1/usage?start=2000-01-01", appKey),
                get(metering + "/v1/usage?start=2000-01-01&group_by=hour", adminKey),
                get(metering + "/v1/usage/events?limit=10", appKey),
                get(metering + "/v1/usage/allocation?start=2000-01-01", adminKey),
                get(admin + "/admin/v1/providers", adminKey),
                get(admin + "/admin/v1/routes", adminKey),
                get(admin + "/admin/v1/aliases", adminKey),
                get(admin + "/admin/v1/tenants", adminKey),
                get(admin + "/admin/v1/prices", adminKey),
                get(admin + "/admin/v1/audit?limit=10", adminKey),
                get(admin + "/admin/v1/anomalies", adminKey),
                get(routing + "/admin/v1/providers/health", adminKey));

        AtomicLong sent = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < CONCURRENCY; w++) {
                int worker = w;
                running.add(workers.submit(() -> {
                    for (long i = 0; System.nanoTime() < deadline; i++) {
                        if (worker == 0 && i % 50 == 0) {
                            rare.forEach(LocalTraining::send);
                            management.forEach(m -> {
                                send(get(m + "/q/health/ready", null));
                                send(get(m + "/q/metrics", null));
                            });
                        }
                        send(i % 10 == 0 ? post(gateway + "/v1/chat/completions", appKey, stream)
                                : post(gateway + "/v1/chat/completions", appKey, chat));
                        sent.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        }
        System.out.println("  training workload: " + sent.get() + " chat completions in " + seconds + " s");
    }

    private record Call(HttpRequest request) {
    }

    private static Call get(String url, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return new Call(b.build());
    }

    private static Call post(String url, String bearer, String json) {
        return new Call(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private static void send(Call call) {
        try {
            HTTP.send(call.request(), HttpResponse.BodyHandlers.discarding());
        } catch (Exception e) {
            // a training run: what failed is simply not trained
        }
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException(name + " is not set");
        }
        return v;
    }
}
