package io.nexusai.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One owner for a request's lifetime, checked from outside: a few thousand requests through every way a
 * request can end — complete (plain and streamed), client gone before the head and mid-stream, provider failing
 * before the first byte and after it, failover, idle timeout, total timeout before and during a stream — then
 * the gateway's {@code nexus_requests_in_flight} is back to 0 and a heap histogram of the gateway process
 * ({@code jcmd GC.class_histogram}, which collects first) holds no request context, upstream call or Vert.x
 * client request. And a replica driven past its in-flight bound answers 503 {@code server_overloaded} with
 * {@code Retry-After} and goes on serving. Counts, never timings.
 */
@Order(9)
class LifecycleIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Classes that exist once per request while it is alive, and must not outlive it. */
    /** What a request waiting for its provider's first byte holds (one each): proven live while requests are held. */
    static final List<String> HELD_BEFORE_HEAD = List.of("io.nexusai.gateway.pipeline.ProxyContext",
            "io.nexusai.gateway.upstream.Failover", "io.nexusai.gateway.upstream.Exchange",
            "io.nexusai.gateway.usage.UsageMeter", "io.vertx.core.http.impl.HttpClientRequestImpl");
    static final List<String> PER_REQUEST = java.util.stream.Stream.concat(HELD_BEFORE_HEAD.stream(),
            java.util.stream.Stream.of("io.nexusai.gateway.upstream.UpstreamStream")).toList();

    static String chat(String alias, boolean stream, int maxTokens) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("model", alias, "max_tokens", maxTokens,
                "messages", List.of(Map.of("role", "user", "content", "tell me a long story about request lifetimes"))));
        if (stream) {
            body.put("stream", true);
            body.put("stream_options", Map.of("include_usage", true));
        }
        return JSON.writeValueAsString(body);
    }

    static HttpResponse<String> post(String gateway, String key, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(E2eStack.get().url(gateway) + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A client on a raw socket that sends a request, reads until it has seen {@code until} (or, when
     * {@code until} is null, only until the request has gone) and hangs up: the gateway sees the connection close.
     */
    static String hangUpAfter(String gateway, String key, String body, String until) throws IOException {
        URI uri = URI.create(E2eStack.get().url(gateway));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            socket.setSoTimeout(30_000);
            byte[] payload = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            if (until == null) {
                return "";
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                seen.write(buf, 0, n);
                if (seen.toString(StandardCharsets.UTF_8).contains(until)) {
                    break;
                }
            }
            return seen.toString(StandardCharsets.UTF_8);
        }
    }

    /** Runs {@code count} calls of {@code call} on {@code clients} threads; returns how many of each outcome. */
    static Map<String, Integer> drive(int count, int clients, IntFunction<String> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                done.add(pool.submit(() -> outcomes.merge(call.apply(n), 1, Integer::sum)));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return outcomes;
    }

    static String outcome(HttpResponse<String> r, boolean stream) {
        if (!stream || r.statusCode() != 200) {
            return Integer.toString(r.statusCode());
        }
        List<String> data = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        if (data.isEmpty()) {
            return "200 empty";
        }
        String last = data.get(data.size() - 1);
        if (last.equals("[DONE]")) {
            return "200 done";
        }
        try {
            return "200 " + JSON.readTree(last).at("/error/code").asText("?");
        } catch (IOException e) {
            return "200 unparsable";
        }
    }

    static double metric(String service, String name) {
        String text = given().get(E2eStack.get().managementUrl(service) + "/q/metrics").then().statusCode(200).extract().asString();
        return PromText.parse(text).value(name, Map.of()).orElseThrow(() -> new AssertionError(name + " not exported by " + service));
    }

    /** Live instances per class name in the service's heap (the histogram collects garbage first). */
    static Map<String, Long> liveInstances(String service) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(E2eStack.get().pid(service)), "GC.class_histogram")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("jcmd output").contains("Total");
        Map<String, Long> counts = new HashMap<>();
        for (String line : out.lines().toList()) {
            String[] cols = line.trim().split("\\s+");
            // "  12:          345        67890  io.nexusai.gateway.pipeline.ProxyContext (...)"
            if (cols.length >= 4 && cols[0].endsWith(":")) {
                counts.merge(cols[3], Long.parseLong(cols[1]), Long::sum);
            }
        }
        return counts;
    }

    static void assertNothingRetained(String service) throws Exception {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(metric(service, "nexus_requests_in_flight")).isEqualTo(0.0));
        assertThat(metric(service, "nexus_active_streams")).isEqualTo(0.0);
        Map<String, Long> live = liveInstances(service);
        Map<String, Long> perRequest = new java.util.TreeMap<>();
        for (String type : PER_REQUEST) {
            perRequest.put(type, live.getOrDefault(type, 0L));
        }
        assertThat(perRequest).as("live per-request objects in %s after the traffic", service).allSatisfy((type, n) -> assertThat(n).isZero());
    }

    @Test
    void everyWayARequestEndsReleasesEverythingItHeld() throws Exception {
        // one alias at a time: each is set up by an apply of its own with prune, which replaces the previous test configuration
        String g = "gateway";
        // complete: streams back to back (the case that was retained until the heap was full) and plain requests
        ResilienceIT.Alias plain = ResilienceIT.alias(Map.of(), List.of(ResilienceIT.dep()));
        Map<String, Integer> streams = drive(2000, 16, i -> call(() -> outcome(post(g, plain.key(), chat(plain.name(), true, 30)), true)));
        assertThat(streams).containsExactly(Map.entry("200 done", 2000));
        Map<String, Integer> plainCalls = drive(500, 16, i -> call(() -> outcome(post(g, plain.key(), chat(plain.name(), false, 30)), false)));
        assertThat(plainCalls).containsExactly(Map.entry("200", 500));
        // the client leaves before the head (provider hanging) and in the middle of a stream
        ResilienceIT.Alias hanging = ResilienceIT.alias(Map.of("first_byte_timeout_ms", 60_000, "total_timeout_ms", 600_000),
                List.of(ResilienceIT.dep()));
        ResilienceIT.fault(hanging.dep(0), "hang", true);
        Map<String, Integer> before = drive(100, 16, i -> call(() -> {
            hangUpAfter(g, hanging.key(), chat(hanging.name(), i % 2 == 0, 30), null);
            return "gone";
        }));
        assertThat(before).containsExactly(Map.entry("gone", 100));
        ResilienceIT.Alias slow = ResilienceIT.alias(Map.of(), List.of(ResilienceIT.dep()));
        ResilienceIT.fault(slow.dep(0), "token_delay_ms", 20);
        Map<String, Integer> midStream = drive(100, 16, i -> call(() ->
                hangUpAfter(g, slow.key(), chat(slow.name(), true, 200), "\"content\"").contains("data: ") ? "gone mid-stream" : "no data"));
        assertThat(midStream).containsExactly(Map.entry("gone mid-stream", 100));
        // the provider fails before the first byte: once (no other target), and with failover to the next
        ResilienceIT.Alias failing = ResilienceIT.alias(Map.of("max_attempts", 1), List.of(ResilienceIT.dep()));
        ResilienceIT.fault(failing.dep(0), "status", 500);
        Map<String, Integer> failed = drive(100, 8, i -> call(() -> outcome(post(g, failing.key(), chat(failing.name(), i % 2 == 0, 10)), i % 2 == 0)));
        // 502 from the provider's 500, then 503 once its circuit breaker has opened
        assertThat(failed.keySet()).isNotEmpty().allSatisfy(k -> assertThat(k).isIn("502", "503"));
        ResilienceIT.Alias failover = ResilienceIT.alias(Map.of("max_attempts", 2),
                List.of(ResilienceIT.dep("priority", 1), ResilienceIT.dep("priority", 2)));
        ResilienceIT.fault(failover.dep(0), "status", 503);
        Map<String, Integer> failedOver = drive(100, 8, i -> call(() -> outcome(post(g, failover.key(), chat(failover.name(), i % 2 == 0, 10)), i % 2 == 0)));
        assertThat(failedOver).containsOnlyKeys("200", "200 done");
        // the provider fails after the first byte, goes silent (idle timeout), or outlasts the total timeout
        ResilienceIT.Alias dropping = ResilienceIT.alias(Map.of(), List.of(ResilienceIT.dep()));
        ResilienceIT.fault(dropping.dep(0), "drop_after", 3);
        Map<String, Integer> dropped = drive(100, 8, i -> call(() -> outcome(post(g, dropping.key(), chat(dropping.name(), true, 30)), true)));
        assertThat(dropped.keySet()).allSatisfy(k -> assertThat(k).startsWith("200 ").isNotEqualTo("200 done"));
        ResilienceIT.Alias idle = ResilienceIT.alias(Map.of("idle_timeout_ms", 200), List.of(ResilienceIT.dep()));
        ResilienceIT.fault(idle.dep(0), "token_delay_ms", 1000);
        Map<String, Integer> silent = drive(50, 16, i -> call(() -> outcome(post(g, idle.key(), chat(idle.name(), true, 30)), true)));
        assertThat(silent).containsExactly(Map.entry("200 upstream_timeout", 50));
        ResilienceIT.Alias total = ResilienceIT.alias(Map.of("total_timeout_ms", 600), List.of(ResilienceIT.dep()));
        ResilienceIT.fault(total.dep(0), "token_delay_ms", 100);
        Map<String, Integer> tooLong = drive(50, 16, i -> call(() -> outcome(post(g, total.key(), chat(total.name(), true, 100)), true)));
        assertThat(tooLong).containsExactly(Map.entry("200 timeout", 50));
        Fixtures.clearMockFaults();
        ResilienceIT.fault(total.dep(0), "hang", true);
        Map<String, Integer> neverAnswered = drive(20, 16, i -> call(() -> outcome(post(g, total.key(), chat(total.name(), false, 10)), false)));
        // 504 at the total timeout, then 503 once those timeouts have opened the deployment's breaker
        assertThat(neverAnswered.keySet()).contains("504").allSatisfy(k -> assertThat(k).isIn("504", "503"));
        Fixtures.clearMockFaults();

        assertNothingRetained(g);
        // the hanging provider saw every call cancelled: nothing is kept open upstream either
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Fixtures.mockStats().getInt("open_streams")).isZero());
    }

    @Test
    void aReplicaPastItsInFlightBoundShedsWith503AndKeepsServing() throws Exception {
        E2eStack stack = E2eStack.get();
        boolean wasRunning = stack.isRunning("gateway2");
        // a replica of its own bound: the running one (other tests' settings) gives way first, and its port with it
        stack.stopService("gateway2");
        stack.startService("gateway2", Map.of("NEXUS_GATEWAY_MAX_IN_FLIGHT", "8"));
        try {
            // one alias: served first, then its provider hangs to hold requests open (an apply with prune replaces the last one)
            ResilienceIT.Alias plain = ResilienceIT.alias(Map.of("first_byte_timeout_ms", 60_000), List.of(ResilienceIT.dep()));
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                    assertThat(post("gateway2", plain.key(), chat(plain.name(), false, 5)).statusCode()).isEqualTo(200));
            ResilienceIT.fault(plain.dep(0), "hang", true);
            double shedBefore = metric("gateway2", "nexus_overload_rejections_total");
            // eight requests held open by a provider that never answers fill the replica
            List<Socket> held = new ArrayList<>();
            URI uri = URI.create(stack.url("gateway2"));
            byte[] payload = chat(plain.name(), true, 10).getBytes(StandardCharsets.UTF_8);
            try {
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket(uri.getHost(), uri.getPort());
                    s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + plain.key()
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().write(payload);
                    s.getOutputStream().flush();
                    held.add(s);
                }
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metric("gateway2", "nexus_requests_in_flight")).isEqualTo(8.0));
                // the classes the leak checks look for are the ones a request holds: eight of each while eight are held
                Map<String, Long> whileHeld = liveInstances("gateway2");
                for (String type : HELD_BEFORE_HEAD) {
                    assertThat(whileHeld.getOrDefault(type, 0L)).as("live %s while 8 requests are held", type).isGreaterThanOrEqualTo(8L);
                }
                AtomicInteger refused = new AtomicInteger();
                for (int i = 0; i < 20; i++) {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(stack.url("gateway2") + "/v1/chat/completions"))
                            .header("Authorization", "Bearer " + plain.key()).header("Content-Type", "application/json")
                            .header("x-request-id", "shed-" + i)
                            .POST(HttpRequest.BodyPublishers.ofString(chat(plain.name(), false, 5))).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).contains("1");
                    assertThat(r.headers().firstValue("x-request-id")).contains("shed-" + i);
                    JsonNode error = JSON.readTree(r.body()).get("error");
                    assertThat(error.get("code").asText()).isEqualTo("server_overloaded");
                    assertThat(error.get("type").asText()).isEqualTo("service_unavailable");
                    assertThat(error.get("message").asText()).isNotBlank();
                    refused.incrementAndGet();
                }
                assertThat(metric("gateway2", "nexus_overload_rejections_total") - shedBefore).isEqualTo(refused.get());
                // the admin-facing parts of the replica are not behind the bound
                given().get(stack.managementUrl("gateway2") + "/q/health/ready").then().statusCode(200);
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            // the clients left: their places come back, and the replica serves again
            Fixtures.clearMockFaults();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metric("gateway2", "nexus_requests_in_flight")).isEqualTo(0.0));
            Map<String, Integer> after = drive(200, 8, i -> call(() -> outcome(post("gateway2", plain.key(), chat(plain.name(), i % 2 == 0, 10)), i % 2 == 0)));
            assertThat(after).containsOnlyKeys("200", "200 done");
            assertThat(after.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(200);
            assertNothingRetained("gateway2");
        } finally {
            stack.stopService("gateway2");
            if (wasRunning) {
                stack.startService("gateway2");
            } else {
                stack.stopService("gateway2");
            }
        }
    }

    interface Call {
        String run() throws Exception;
    }

    static String call(Call c) {
        try {
            return c.run();
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }
}
