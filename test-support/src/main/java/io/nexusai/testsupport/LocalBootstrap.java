package io.nexusai.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Second half of {@code deploy/local/nexus up}: waits until every service is ready, then makes the demo setup
 * through the admin API (idempotently: what exists is reused) — tenant {@code demo}, provider {@code mock},
 * alias {@code nexus-gpt4} → {@code gpt-4o-mini} on the mock, and an app key — checks that a chat completion
 * goes through, and writes {@code nexus.env}.
 *
 * <p>Reads its inputs from the environment (see {@code deploy/local/nexus}). Usage:
 * {@code java -cp "test-support.jar:lib/*" io.nexusai.testsupport.LocalBootstrap [--wait-only] <state dir>}; with
 * {@code --wait-only} it only waits for the health URLs in {@code NEXUS_HEALTH_URLS} ({@code name=url,...}).
 */
public final class LocalBootstrap {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "demo";
    private static final String PROVIDER = "mock";

    private LocalBootstrap() {
    }

    public static void main(String[] args) throws Exception {
        boolean waitOnly = args.length > 0 && args[0].equals("--wait-only");
        Path state = Path.of(args.length > (waitOnly ? 1 : 0) ? args[args.length - 1] : "target/local");
        for (String health : env("NEXUS_HEALTH_URLS").split(",")) {
            String[] nameAndUrl = health.split("=", 2);
            awaitReady(nameAndUrl[0], nameAndUrl[1], Duration.ofSeconds(120));
        }
        if (waitOnly) {
            return;
        }
        String gateway = env("NEXUS_GATEWAY_URL");
        String admin = env("NEXUS_ADMIN_URL");
        String metering = env("NEXUS_METERING_URL");
        String adminKey = env("NEXUS_ADMIN_KEY");
        String model = env("NEXUS_MODEL");
        String mockEndpoint = env("NEXUS_MOCK_ENDPOINT");

        Admin api = new Admin(admin, adminKey);
        api.createIfMissing("/admin/v1/tenants", Map.of("id", TENANT, "name", "Demo tenant"));
        long providerId = api.findId("/admin/v1/providers", "name", PROVIDER);
        if (providerId < 0) {
            providerId = api.create("/admin/v1/providers", Map.of("name", PROVIDER, "endpoint", mockEndpoint,
                    "api_key", env("MOCK_API_KEY"), "weight", 100, "rate_limit", 0)).path("id").asLong();
        }
        boolean routed = false;
        for (JsonNode r : api.list("/admin/v1/routes")) {
            routed |= r.path("model_alias").asText().equals(model) && r.path("provider_id").asLong() == providerId;
        }
        if (!routed) {
            api.create("/admin/v1/routes", Map.of("model_alias", model, "provider_id", providerId, "real_model_name", "gpt-4o-mini"));
        }

        Path envFile = state.resolve("nexus.env");
        String appKey = previousAppKey(envFile);
        if (appKey == null || get(metering + "/v1/usage", appKey).statusCode() != 200) {
            appKey = api.create("/admin/v1/tenants/" + TENANT + "/keys", Map.of("name", "local-demo")).path("key").asText();
        }

        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int status;
        do {
            status = post(gateway + "/v1/chat/completions", appKey, body).statusCode();
            if (status == 200) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        if (status != 200) {
            throw new IllegalStateException("the gateway does not serve " + model + " (last status " + status + "); see the logs");
        }

        List<String> lines = new ArrayList<>();
        for (String name : List.of("NEXUS_GATEWAY_URL", "NEXUS_ADMIN_URL", "NEXUS_AUTH_URL", "NEXUS_ROUTING_URL", "NEXUS_METERING_URL",
                "NEXUS_ADMIN_KEY")) {
            lines.add("export " + name + "=" + LocalInfra.shellQuote(env(name)));
        }
        lines.add("export NEXUS_APP_KEY=" + LocalInfra.shellQuote(appKey));
        lines.add("export NEXUS_MODEL=" + LocalInfra.shellQuote(model));
        Path tmp = state.resolve("nexus.env.tmp");
        Files.write(tmp, lines);
        tmp.toFile().setReadable(false, false);
        tmp.toFile().setReadable(true, true);
        Files.move(tmp, envFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String previousAppKey(Path envFile) throws IOException {
        if (!Files.isRegularFile(envFile)) {
            return null;
        }
        for (String line : Files.readAllLines(envFile)) {
            if (line.startsWith("export NEXUS_APP_KEY='") && line.endsWith("'")) {
                return line.substring("export NEXUS_APP_KEY='".length(), line.length() - 1);
            }
        }
        return null;
    }

    private static void awaitReady(String name, String url, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    System.out.println("  " + name + " ready");
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " did not become ready at " + url + " within " + timeout.toSeconds() + " s");
    }

    private record Admin(String base, String key) {
        JsonNode create(String path, Map<String, Object> body) throws Exception {
            HttpResponse<String> r = post(base + path, key, JSON.writeValueAsString(body));
            if (r.statusCode() != 201) {
                throw new IllegalStateException("POST " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        }

        void createIfMissing(String path, Map<String, Object> body) throws Exception {
            HttpResponse<String> r = post(base + path, key, JSON.writeValueAsString(body));
            if (r.statusCode() != 201 && r.statusCode() != 409) {
                throw new IllegalStateException("POST " + path + " answered " + r.statusCode() + ": " + r.body());
            }
        }

        JsonNode list(String path) throws Exception {
            HttpResponse<String> r = get(base + path, key);
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        }

        long findId(String path, String field, String value) throws Exception {
            for (JsonNode n : list(path)) {
                if (value.equals(n.path(field).asText())) {
                    return n.path("id").asLong();
                }
            }
            return -1;
        }
    }

    private static HttpResponse<String> post(String url, String bearer, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url, String bearer) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException(name + " is not set");
        }
        return v;
    }
}
