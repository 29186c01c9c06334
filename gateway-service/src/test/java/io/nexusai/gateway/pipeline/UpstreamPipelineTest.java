package io.nexusai.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.testsupport.Ports;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The upstream call — failover loop, one exchange per attempt, stream relay, normalisation — through real Vert.x
 * routes against the mock provider in this JVM. Each test asserts what the provider received, what the client got,
 * and that the request let go of everything afterwards: no request alive, no timeout armed.
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class UpstreamPipelineTest {
    private static final AliasPolicy QUICK = new AliasPolicy("weighted", 3, 2_000, 5_000, 5_000, 20_000);
    private static UpstreamHarness harness;

    UpstreamHarness h;

    @BeforeEach
    void harness() throws Exception {
        if (harness == null) {
            harness = UpstreamHarness.ofApplication();
        }
        h = harness;
    }

    @AfterEach
    void nothingHeld() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(h.alive()).as("requests alive").isZero();
            assertThat(h.armedDeadlines()).as("timeouts armed").isZero();
        });
    }

    @AfterAll
    static void close() throws Exception {
        if (harness != null) {
            harness.close();
            harness = null;
        }
    }

    @Test
    void wholeAnswerIsNormalisedAndTheProviderGetsItsModelAndKey() throws Exception {
        h.alias("whole", QUICK, h.onMock("m-whole"));
        HttpResponse<String> r = h.post(UpstreamHarness.chat("whole", "hello", false, 50));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = h.json(r.body());
        assertThat(body.path("model").asText()).isEqualTo("whole");
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Mock reply from m-whole: hello");
        assertThat(body.at("/usage/total_tokens").asInt()).isPositive();
        assertThat(r.headers().firstValue("x-nexus-attempts")).hasValue("1");
        JsonNode sent = lastRequestFor("m-whole");
        assertThat(sent.at("/headers/authorization").asText()).isEqualTo("Bearer " + UpstreamHarness.MOCK_KEY);
        assertThat(sent.at("/headers/x-request-id").asText()).startsWith("req_");
        assertThat(sent.at("/headers/traceparent").asText()).startsWith("00-");
        assertThat(sent.at("/body/messages/0/content").asText()).isEqualTo("hello");
    }

    @Test
    void streamIsRelayedToDoneWithUsageForcedUpstreamButHidden() throws Exception {
        h.alias("streamed", QUICK, h.onMock("m-stream"));
        HttpResponse<String> r = h.post(UpstreamHarness.chat("streamed", "one two three", true, 50));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<String> events = UpstreamHarness.events(r.body());
        assertThat(events).last().isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = h.json(e);
            assertThat(chunk.path("model").asText()).isEqualTo("streamed");
            assertThat(chunk.path("usage").isMissingNode() || chunk.path("usage").isNull()).as("usage chunk hidden").isTrue();
            text.append(chunk.at("/choices/0/delta/content").asText(""));
        }
        assertThat(text.toString()).isEqualTo("Mock reply from m-stream: one two three");
        assertThat(lastRequestFor("m-stream").at("/body/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void refusedConnectionAnd500FailOverToTheNextDeployment() throws Exception {
        h.fault("m-500", "\"status\": 500");
        h.alias("failover", QUICK, h.nowhere(Ports.free()), h.onMock("m-500"), h.onMock("m-after"));
        HttpResponse<String> r = h.post(UpstreamHarness.chat("failover", "again", false, 20));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-nexus-attempts")).hasValue("3");
        assertThat(h.json(r.body()).at("/choices/0/message/content").asText()).isEqualTo("Mock reply from m-after: again");
        assertThat(countFor("m-500")).isEqualTo(1);
    }

    @Test
    void rateLimitedFailsOverButAClientErrorGoesBackAsItIs() throws Exception {
        h.fault("m-429", "\"status\": 429, \"retry_after\": 1");
        h.alias("limited", QUICK, h.onMock("m-429"), h.onMock("m-429-next"));
        HttpResponse<String> limited = h.post(UpstreamHarness.chat("limited", "x", false, 20));
        assertThat(limited.statusCode()).isEqualTo(200);
        assertThat(limited.headers().firstValue("x-nexus-attempts")).hasValue("2");

        h.fault("m-400", "\"status\": 400");
        h.alias("refused", QUICK, h.onMock("m-400"), h.onMock("m-400-never"));
        HttpResponse<String> refused = h.post(UpstreamHarness.chat("refused", "x", false, 20));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(h.json(refused.body()).at("/error/type").asText()).isNotEmpty();
        assertThat(countFor("m-400-never")).isZero();
    }

    @Test
    void noFirstByteInTimeIs504AndEveryDeploymentDownIs503() throws Exception {
        h.fault("m-hang", "\"hang\": true");
        h.alias("silent", new AliasPolicy("weighted", 1, 2_000, 300, 5_000, 20_000), h.onMock("m-hang"));
        HttpResponse<String> r = h.post(UpstreamHarness.chat("silent", "x", false, 20));
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(h.json(r.body()).at("/error/code").asText()).isEqualTo("upstream_timeout");

        h.fault("m-hang-b", "\"hang\": true");
        h.alias("allsilent", new AliasPolicy("weighted", 3, 2_000, 300, 5_000, 20_000), h.onMock("m-hang-a"), h.onMock("m-hang-b"));
        h.fault("m-hang-a", "\"hang\": true");
        HttpResponse<String> all = h.post(UpstreamHarness.chat("allsilent", "x", false, 20));
        assertThat(all.statusCode()).isEqualTo(503);
        assertThat(h.json(all.body()).at("/error/code").asText()).isEqualTo("all_deployments_failed");
        assertThat(all.headers().firstValue("x-nexus-attempts")).hasValue("2");
    }

    @Test
    void totalTimeoutEndsAWaitAnd504() throws Exception {
        h.fault("m-hang-total", "\"hang\": true");
        h.alias("total", new AliasPolicy("weighted", 1, 2_000, 60_000, 60_000, 400), h.onMock("m-hang-total"));
        HttpResponse<String> r = h.post(UpstreamHarness.chat("total", "x", false, 20));
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(h.json(r.body()).at("/error/code").asText()).isEqualTo("timeout");
    }

    @Test
    void aProviderSilentMidStreamOrCuttingItEndsTheStreamWithAnErrorEvent() throws Exception {
        h.fault("m-slow", "\"token_delay_ms\": 1000");
        h.alias("slow", new AliasPolicy("weighted", 1, 2_000, 5_000, 300, 20_000), h.onMock("m-slow"));
        HttpResponse<String> slow = h.post(UpstreamHarness.chat("slow", "a b c d e f", true, 50));
        assertThat(slow.statusCode()).isEqualTo(200);
        List<String> events = UpstreamHarness.events(slow.body());
        assertThat(events).doesNotContain("[DONE]");
        assertThat(h.json(events.get(events.size() - 1)).at("/error/code").asText()).isEqualTo("upstream_timeout");

        h.fault("m-cut", "\"drop_after\": 3");
        h.alias("cut", QUICK, h.onMock("m-cut"));
        HttpResponse<String> cut = h.post(UpstreamHarness.chat("cut", "a b c d e f g h", true, 50));
        List<String> cutEvents = UpstreamHarness.events(cut.body());
        assertThat(cutEvents).doesNotContain("[DONE]");
        assertThat(h.json(cutEvents.get(cutEvents.size() - 1)).at("/error/type").asText()).isNotEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> h.mockStats().path("open_streams").asInt() == 0);
    }

    @Test
    void aClientLeavingMidStreamCancelsTheProviderStream() throws Exception {
        h.fault("m-paced", "\"token_delay_ms\": 50");
        h.alias("paced", QUICK, h.onMock("m-paced"));
        long cancelled = h.mockStats().path("cancelled_streams").asLong();
        try (Socket s = send(UpstreamHarness.chat("paced", "a b c d e f g h i j k l m n o p", true, 200))) {
            InputStream in = s.getInputStream();
            String seen = "";
            byte[] buf = new byte[4096];
            while (!seen.contains("data: {")) {
                int n = in.read(buf);
                assertThat(n).isPositive();
                seen += new String(buf, 0, n, StandardCharsets.UTF_8);
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> h.mockStats().path("cancelled_streams").asLong() > cancelled);
        await().atMost(Duration.ofSeconds(5)).until(() -> h.mockStats().path("open_streams").asInt() == 0);
    }

    @Test
    void aClientLeavingBeforeTheHeadCancelsTheAttempt() throws Exception {
        h.fault("m-hang-gone", "\"hang\": true");
        h.alias("gone", new AliasPolicy("weighted", 1, 2_000, 60_000, 60_000, 600_000), h.onMock("m-hang-gone"));
        try (Socket ignored = send(UpstreamHarness.chat("gone", "x", false, 20))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> countFor("m-hang-gone") == 1);
            assertThat(h.alive()).isEqualTo(1);
        }
        // nothing waits for the 60 s first-byte or 600 s total timeout: the @AfterEach check sees it all released
    }

    @Test
    void manyRequestsOfEveryKindLeaveNothingBehind() throws Exception {
        h.fault("m-mixed-bad", "\"status\": 502");
        h.alias("mixed", QUICK, h.onMock("m-mixed-bad"), h.onMock("m-mixed"));
        h.alias("mixedstream", QUICK, h.onMock("m-mixed-stream"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Integer>> all = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String body = i % 2 == 0 ? UpstreamHarness.chat("mixed", "n" + i, false, 20)
                        : UpstreamHarness.chat("mixedstream", "s" + i, true, 20);
                all.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return h.post(body).statusCode();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            for (CompletableFuture<Integer> f : all) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void bodiesBeyondTheLimitOrTheBudgetAreRefusedAndTheReplicaKeepsServing() throws Exception {
        HttpResponse<String> large = h.post(UpstreamHarness.chat("any", "x".repeat(UpstreamHarness.MAX_BODY), false, 20));
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(h.json(large.body()).at("/error/code").asText()).isEqualTo("request_too_large");

        h.fault("m-hang-budget", "\"hang\": true");
        h.alias("budget", new AliasPolicy("weighted", 1, 2_000, 60_000, 60_000, 600_000), h.onMock("m-hang-budget"));
        h.alias("budgetok", QUICK, h.onMock("m-budget-ok"));
        String big = UpstreamHarness.chat("budget", "y".repeat(UpstreamHarness.BODY_BUDGET / 2 - 1000), false, 20);
        try (Socket first = send(big); Socket second = send(big)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> countFor("m-hang-budget") == 2);
            assertThat(h.inFlight.bodyBytes()).isGreaterThan(UpstreamHarness.BODY_BUDGET / 2);
            HttpResponse<String> refused = h.post(UpstreamHarness.chat("budgetok", "z".repeat(UpstreamHarness.BODY_BUDGET / 4), false, 20));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            assertThat(h.json(refused.body()).at("/error/code").asText()).isEqualTo("server_overloaded");
            HttpResponse<String> small = h.post(UpstreamHarness.chat("budgetok", "small", false, 20));
            assertThat(small.statusCode()).as("a small body still fits").isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> h.inFlight.bodyBytes() == 0);
        assertThat(h.post(UpstreamHarness.chat("budgetok", "z".repeat(UpstreamHarness.BODY_BUDGET / 4), false, 20)).statusCode())
                .as("the budget is free again once the held requests are gone").isEqualTo(200);
    }

    private Socket send(String body) throws Exception {
        Socket s = new Socket("127.0.0.1", h.port());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return s;
    }

    private int countFor(String model) throws Exception {
        return h.mockStats().path("by_model").path(model).asInt(0);
    }

    private JsonNode lastRequestFor(String model) throws Exception {
        JsonNode found = null;
        for (JsonNode r : h.mockRequests()) {
            if (model.equals(r.at("/body/model").asText())) {
                found = r;
            }
        }
        assertThat(found).as("a request for " + model).isNotNull();
        return found;
    }
}
