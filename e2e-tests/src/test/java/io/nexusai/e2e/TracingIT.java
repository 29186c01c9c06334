package io.nexusai.e2e;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * W3C trace context end to end: a client's {@code traceparent} is continued by the gateway, reaches auth-service
 * (the gateway asks it about a key it has never seen) and the provider, and its trace id is in the gateway's
 * and auth-service's logs and on the stored usage row. Without one, the gateway starts a trace of its own.
 */
@Order(50)
class TracingIT {
    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]");

    @Test
    void aClientsTraceIsContinuedThroughGatewayAuthServiceProviderAndTheUsageRow() {
        E2eStack stack = E2eStack.get();
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o-mini");
        Fixtures.awaitRoute(() -> Fixtures.openAi(tenant.appKey()).models().retrieve(tenant.alias()));
        // a key the gateway has never seen: it must ask auth-service, in this request's trace
        String freshKey = Fixtures.admin().body(Map.of("name", "tracing")).post("/admin/v1/tenants/" + tenant.id() + "/keys")
                .then().statusCode(201).extract().path("key");
        String traceId = randomHex(16);
        String clientSpanId = randomHex(8);

        Response response = chat(freshKey, tenant.alias(), "00-" + traceId + "-" + clientSpanId + "-01");
        assertThat(response.statusCode()).isEqualTo(200);
        String requestId = response.header("x-request-id");

        // the provider got the same trace, with the gateway's span as parent (not the client's header as it came)
        Matcher upstream = upstreamTraceparent(requestId);
        assertThat(upstream.group(1)).isEqualTo(traceId);
        assertThat(upstream.group(2)).isNotEqualTo(clientSpanId).isNotEqualTo("0000000000000000");

        // the gateway's line for the request carries trace id and request id; auth-service logged the trace too
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(logLines(stack, "gateway")).anyMatch(l -> l.contains(traceId) && l.contains(requestId));
            assertThat(logLines(stack, "auth")).anyMatch(l -> l.contains(traceId) && l.contains("KeyResolveResource"));
        });
        assertThat(usageRow(stack, tenant, requestId).getString("data[0].trace_id")).isEqualTo(traceId);
    }

    @Test
    void withoutATraceparentTheGatewayStartsATraceAndStoresItsId() {
        E2eStack stack = E2eStack.get();
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o-mini");
        Fixtures.awaitRoute(() -> Fixtures.openAi(tenant.appKey()).models().retrieve(tenant.alias()));

        Response response = chat(tenant.appKey(), tenant.alias(), null);
        assertThat(response.statusCode()).isEqualTo(200);
        String requestId = response.header("x-request-id");

        String traceId = usageRow(stack, tenant, requestId).getString("data[0].trace_id");
        assertThat(traceId).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
        assertThat(upstreamTraceparent(requestId).group(1)).isEqualTo(traceId);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(logLines(stack, "gateway")).anyMatch(l -> l.contains(traceId) && l.contains(requestId)));
    }

    @Test
    void aMalformedTraceparentIsIgnoredAndANewTraceStarted() {
        E2eStack stack = E2eStack.get();
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o-mini");
        Fixtures.awaitRoute(() -> Fixtures.openAi(tenant.appKey()).models().retrieve(tenant.alias()));
        String bogus = "00-" + "0".repeat(32) + "-" + randomHex(8) + "-01";

        Response response = chat(tenant.appKey(), tenant.alias(), bogus);
        assertThat(response.statusCode()).isEqualTo(200);
        String traceId = usageRow(stack, tenant, response.header("x-request-id")).getString("data[0].trace_id");
        assertThat(traceId).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
    }

    private static Response chat(String key, String alias, String traceparent) {
        var request = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + key)
                .contentType(ContentType.JSON)
                .body(Map.of("model", alias, "messages", List.of(Map.of("role", "user", "content", "trace me"))));
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return request.post("/v1/chat/completions");
    }

    /** The {@code traceparent} the mock provider received with the gateway's request {@code requestId}. */
    private static Matcher upstreamTraceparent(String requestId) {
        List<Map<String, Object>> journal = given().get(E2eStack.get().mockBase() + "/_mock/requests")
                .then().statusCode(200).extract().jsonPath().getList("$");
        Map<?, ?> headers = journal.stream().map(r -> (Map<?, ?>) r.get("headers"))
                .filter(h -> requestId.equals(h.get("x-request-id"))).findFirst().orElseThrow();
        Object traceparent = headers.get("traceparent");
        assertThat(traceparent).as("traceparent sent upstream").isInstanceOf(String.class);
        Matcher m = TRACEPARENT.matcher((String) traceparent);
        assertThat(m.matches()).as("a W3C traceparent: " + traceparent).isTrue();
        return m;
    }

    private static JsonPath usageRow(E2eStack stack, Fixtures.Tenant tenant, String requestId) {
        AtomicReference<JsonPath> row = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath events = given().baseUri(stack.url("metering")).header("Authorization", "Bearer " + E2eStack.ADMIN_KEY)
                    .queryParam("tenant_id", tenant.id()).queryParam("request_id", requestId).get("/v1/usage/events")
                    .then().statusCode(200).extract().jsonPath();
            assertThat(events.getList("data")).hasSize(1);
            row.set(events);
        });
        return row.get();
    }

    private static List<String> logLines(E2eStack stack, String service) {
        try {
            return Files.readAllLines(stack.logDirectory().resolve(service + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1; // never all zero
        return HexFormat.of().formatHex(b);
    }
}
