package io.nexusai.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No usage is lost when a gateway is killed: clients drive plain and streamed chat completions through a gateway
 * (the official OpenAI SDK and a plain HTTP client), the gateway gets {@code kill -9} in the middle of the load, is
 * started again on the same journal directory, and metering then holds exactly one row for every response the
 * clients received complete with 200 (a stream only if it ended with {@code [DONE]}) — the journal of the dead
 * process was shipped — and no request twice. Rows beyond those can only be requests the kill cut (their event was
 * journaled right before their last byte, which never arrived). Several rounds, each with a tenant of its own.
 * Counts, not timings; metering is given a bounded time to catch up.
 */
@Order(10)
class UsageCrashIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final String GATEWAY = "gateway2";
    static final int ROUNDS = 3;
    static final int CLIENTS = 6;
    /** Complete responses to wait for before the kill. */
    static final int BEFORE_KILL = 150;

    /** What the clients of one round saw, by their own request id ({@code x-request-id}). */
    static final class Outcomes {
        final Set<String> complete = ConcurrentHashMap.newKeySet();
        /** Sent but not received complete: the kill cut them (or they failed to connect to the dead gateway). */
        final Set<String> cut = ConcurrentHashMap.newKeySet();
        final Set<String> otherStatus = ConcurrentHashMap.newKeySet();
    }

    @Test
    void everyResponseReceivedCompleteIsMeteredOnceAfterTheGatewayIsKilledUnderLoad() throws Exception {
        E2eStack stack = E2eStack.get();
        boolean wasRunning = stack.isRunning(GATEWAY);
        stack.stopService(GATEWAY);
        stack.startService(GATEWAY);
        List<String> report = new ArrayList<>();
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                report.add(round(stack, round));
            }
        } finally {
            Fixtures.clearMockFaults();
            if (!wasRunning) {
                stack.stopService(GATEWAY);
            }
        }
        report.forEach(System.out::println);
    }

    private String round(E2eStack stack, int round) throws Exception {
        Fixtures.Tenant t = Fixtures.tenantWithAlias(Fixtures.uniqueModel("crash"));
        // streams paced by the mock (a few ms a token) so that the kill finds some in the middle
        Fixtures.mockFault(Map.of("model", t.realModel(), "token_delay_ms", 3, "delay_ms", 5));
        OpenAIClient sdk = OpenAIOkHttpClient.builder().apiKey(t.appKey()).baseUrl(stack.url(GATEWAY) + "/v1")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                sdk.chat().completions().create(params(t.alias(), "warm-up-" + round)).choices().size() == 1);
        Instant since = Instant.now().minusSeconds(60);

        Outcomes out = new Outcomes();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            workers.add(clients.submit(() -> {
                for (int n = 0; running.get(); n++) {
                    String id = "crash-" + round + "-" + client + "-" + n;
                    boolean stream = (n + client) % 2 == 0;
                    try {
                        boolean complete = stream ? stream(stack, t, id) : plain(sdk, t, id);
                        (complete ? out.complete : out.otherStatus).add(id);
                    } catch (com.openai.errors.OpenAIServiceException e) {
                        out.otherStatus.add(id + " " + e.statusCode());
                    } catch (Exception e) {
                        out.cut.add(id);
                        if (!running.get()) {
                            return null;
                        }
                        Thread.sleep(20); // the gateway is gone: no busy loop until the test notices
                    }
                }
                return null;
            }));
        }
        long pid = stack.pid(GATEWAY);
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> out.complete.size() >= BEFORE_KILL);
            stack.killService(GATEWAY);
        } finally {
            running.set(false);
            for (Future<?> f : workers) {
                f.get(60, TimeUnit.SECONDS);
            }
            clients.shutdown();
            sdk.close();
        }
        // the same journal directory: the next gateway process (or the other replica, which shares it) ships it
        stack.startService(GATEWAY);
        assertThat(out.otherStatus).as("responses other than 200").isEmpty();
        Set<String> complete = Set.copyOf(out.complete);

        Map<String, Integer> rows = new HashMap<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            rows.clear();
            rows.putAll(rowsByClientRequestId(stack, t.id(), since));
            assertThat(rows.keySet()).containsAll(complete);
        });
        // whatever else was journaled has had time to arrive: a replayed event would show up now, twice
        Thread.sleep(3000);
        rows.clear();
        rows.putAll(rowsByClientRequestId(stack, t.id(), since));
        long metered = usageRequests(stack, t.id(), since);

        assertThat(rows.values()).as("rows per request").allMatch(n -> n == 1);
        Set<String> extra = new HashSet<>(rows.keySet());
        extra.removeAll(complete);
        long warmUps = extra.stream().filter(id -> id.startsWith("warm-up-")).count();
        extra.removeIf(id -> id.startsWith("warm-up-"));
        assertThat(extra).as("rows of requests not received complete: only those the kill cut").isSubsetOf(out.cut);
        long completeRows = complete.stream().filter(rows::containsKey).count();
        assertThat(completeRows).as("rows of the responses received complete").isEqualTo(complete.size());
        assertThat(metered).as("requests in the usage totals (rollups)").isEqualTo(rows.size());
        return String.format("kill -9 round %d (pid %d): %d responses received complete with 200, %d of them metered (%d rows in all:"
                        + " %d of requests cut by the kill, %d warm-up); %d requests cut or refused at the kill",
                round, pid, complete.size(), completeRows, rows.size(), extra.size(), warmUps, out.cut.size());
    }

    static ChatCompletionCreateParams params(String alias, String id) {
        return ChatCompletionCreateParams.builder().model(alias).addUserMessage("count the requests that reached metering")
                .maxCompletionTokens(12).putAdditionalHeader("x-request-id", id).build();
    }

    /** A plain chat completion with the OpenAI SDK: complete when the SDK parsed a whole answer. */
    static boolean plain(OpenAIClient sdk, Fixtures.Tenant t, String id) {
        ChatCompletion c = sdk.chat().completions().create(params(t.alias(), id));
        return c.choices().size() == 1;
    }

    /** A streamed chat completion: complete when it ended with {@code data: [DONE]}. */
    static boolean stream(E2eStack stack, Fixtures.Tenant t, String id) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", t.alias(), "stream", true, "max_tokens", 12,
                "messages", List.of(Map.of("role", "user", "content", "count the streams that reached metering"))));
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(stack.url(GATEWAY) + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + t.appKey()).header("x-request-id", id)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        String last = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    last = line.substring(6);
                }
            }
        }
        if (r.statusCode() != 200) {
            return false;
        }
        if (!"[DONE]".equals(last)) {
            throw new java.io.IOException("stream of " + id + " ended without [DONE]");
        }
        return true;
    }

    /** Usage rows metering stored for the tenant, counted per client request id. */
    static Map<String, Integer> rowsByClientRequestId(E2eStack stack, String tenant, Instant since) {
        JsonPath events = given().baseUri(stack.url("metering")).header("Authorization", "Bearer " + E2eStack.ADMIN_KEY)
                .queryParam("tenant_id", tenant).queryParam("start", since.toString()).queryParam("limit", 1000)
                .get("/v1/usage/events").then().statusCode(200).extract().jsonPath();
        List<String> ids = events.getList("data.client_request_id", String.class);
        assertThat(ids).as("fewer rows than the events API returns at most").hasSizeLessThan(1000);
        Map<String, Integer> counts = new HashMap<>();
        for (String id : ids) {
            counts.merge(String.valueOf(id), 1, Integer::sum);
        }
        return counts;
    }

    /** Requests in the tenant's usage totals (the rollups). */
    static long usageRequests(E2eStack stack, String tenant, Instant since) {
        return given().baseUri(stack.url("metering")).header("Authorization", "Bearer " + E2eStack.ADMIN_KEY)
                .queryParam("tenant_id", tenant).queryParam("start", since.toString()).get("/v1/usage").then().statusCode(200)
                .extract().jsonPath().getLong("totals.requests");
    }
}
