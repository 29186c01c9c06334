package io.nexusai.e2e;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.mock.TokenCounter;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Prompt-cache and reasoning tokens end to end: the mock reports cached tokens (the request names a
 * {@code prompt_cache_key}) and reasoning tokens ({@code reasoning_effort}), the gateway passes them on to the
 * client and into the usage event, and metering prices the cached ones at the model's cached-input rate.
 */
@Order(11)
class UsageCostIT {
    /** Costs read as exact decimals (JsonPath would read them as doubles). */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Test
    void cachedTokensArePricedAtTheCachedRateAndReasoningTokensAreRecorded() throws Exception {
        E2eStack stack = E2eStack.get();
        String realModel = Fixtures.uniqueModel("cachey");
        // the price first, so that the route's snapshot carries it
        Fixtures.admin().body(Map.of("input_per_million", 2, "output_per_million", 8, "cached_input_per_million", 0.5))
                .put("/admin/v1/prices/" + realModel).then().statusCode(200);
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias(realModel);
        String body = """
                {"model":"%s","prompt_cache_key":"e2e","reasoning_effort":"low",
                 "messages":[{"role":"system","content":"You are a careful assistant who answers in one short sentence."},
                             {"role":"user","content":"What is the capital of France?"}]}""".formatted(tenant.alias());

        Response answer = chat(tenant, body);
        JsonPath usage = answer.jsonPath().setRootPath("usage");
        long prompt = usage.getLong("prompt_tokens");
        long completion = usage.getLong("completion_tokens");
        long cached = usage.getLong("prompt_tokens_details.cached_tokens");
        long reasoning = usage.getLong("completion_tokens_details.reasoning_tokens");
        assertThat(cached).isPositive().isLessThan(prompt);
        assertThat(reasoning).isEqualTo(16).isLessThan(completion);
        String requestId = answer.header("x-request-id");

        JsonNode event = usageEvent(tenant, requestId);
        assertThat(event.path("prompt_tokens").asLong()).isEqualTo(prompt);
        assertThat(event.path("completion_tokens").asLong()).isEqualTo(completion);
        assertThat(event.path("cached_tokens").asLong()).isEqualTo(cached);
        assertThat(event.path("cache_write_tokens").asLong()).isZero();
        assertThat(event.path("reasoning_tokens").asLong()).isEqualTo(reasoning);
        // ((prompt − cached) × 2 + cached × 0.5 + completion × 8) / 1M, exactly
        BigDecimal expected = BigDecimal.valueOf(2).multiply(BigDecimal.valueOf(prompt - cached))
                .add(new BigDecimal("0.5").multiply(BigDecimal.valueOf(cached)))
                .add(BigDecimal.valueOf(8).multiply(BigDecimal.valueOf(completion)))
                .movePointLeft(6);
        assertThat(event.path("cost").decimalValue()).isEqualByComparingTo(expected);

        JsonNode totals = JSON.readTree(given().baseUri(stack.url("metering")).header("Authorization", "Bearer " + tenant.appKey())
                .get("/v1/usage").then().statusCode(200).extract().asString()).path("totals");
        assertThat(totals.path("cached_tokens").asLong()).isEqualTo(cached);
        assertThat(totals.path("reasoning_tokens").asLong()).isEqualTo(reasoning);
        assertThat(totals.path("cost").decimalValue()).isEqualByComparingTo(expected);
    }

    /**
     * Bedrock's prompt cache: with the provider setting {@code prompt_cache=system} the gateway puts a cache point
     * after the system prompt; the first request writes it ({@code cacheWriteInputTokens}, priced at the cache-write
     * rate), the next reads it ({@code cacheReadInputTokens}, at the cached-input rate, shown to the client as
     * {@code cached_tokens}), and the rest of the prompt costs the input rate — each cost exact.
     */
    @Test
    void bedrockCacheWritesAndReadsArePricedAtTheirOwnRates() throws Exception {
        String realModel = Fixtures.uniqueModel("bedrock-cachey");
        Fixtures.admin().body(Map.of("input_per_million", 3, "output_per_million", 15, "cached_input_per_million", 0.3,
                "cache_write_per_million", 3.75)).put("/admin/v1/prices/" + realModel).then().statusCode(200);
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("bedrock", realModel, Map.of("prompt_cache", "system"));
        String system = "You are a careful assistant who answers in one short sentence, citing the capital's river.";
        String body = """
                {"model":"%s","messages":[{"role":"system","content":"%s"},{"role":"user","content":"What is the capital of France?"}]}"""
                .formatted(tenant.alias(), system);
        long cacheable = TokenCounter.count(system);
        long prompt = cacheable + TokenCounter.count("What is the capital of France?");

        Response write = chat(tenant, body);
        assertThat(write.jsonPath().getLong("usage.prompt_tokens")).isEqualTo(prompt);
        JsonNode written = usageEvent(tenant, write.header("x-request-id"));
        long completion = written.path("completion_tokens").asLong();
        assertThat(written.path("prompt_tokens").asLong()).isEqualTo(prompt);
        assertThat(written.path("cache_write_tokens").asLong()).isEqualTo(cacheable);
        assertThat(written.path("cached_tokens").asLong()).isZero();
        // ((prompt − written) × 3 + written × 3.75 + completion × 15) / 1M
        assertThat(written.path("cost").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(3).multiply(BigDecimal.valueOf(prompt - cacheable))
                .add(new BigDecimal("3.75").multiply(BigDecimal.valueOf(cacheable)))
                .add(BigDecimal.valueOf(15).multiply(BigDecimal.valueOf(completion))).movePointLeft(6));

        Response read = chat(tenant, body);
        assertThat(read.jsonPath().getLong("usage.prompt_tokens")).isEqualTo(prompt);
        assertThat(read.jsonPath().getLong("usage.prompt_tokens_details.cached_tokens")).isEqualTo(cacheable);
        JsonNode event = usageEvent(tenant, read.header("x-request-id"));
        assertThat(event.path("cached_tokens").asLong()).isEqualTo(cacheable);
        assertThat(event.path("cache_write_tokens").asLong()).isZero();
        // ((prompt − read) × 3 + read × 0.3 + completion × 15) / 1M
        assertThat(event.path("cost").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(3).multiply(BigDecimal.valueOf(prompt - cacheable))
                .add(new BigDecimal("0.3").multiply(BigDecimal.valueOf(cacheable)))
                .add(BigDecimal.valueOf(15).multiply(BigDecimal.valueOf(event.path("completion_tokens").asLong()))).movePointLeft(6));
    }

    /** A chat answered with 200, retried while the new alias is on its way to the gateway. */
    private static Response chat(Fixtures.Tenant tenant, String body) {
        AtomicReference<Response> answer = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            Response r = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + tenant.appKey())
                    .contentType(ContentType.JSON).body(body).post("/v1/chat/completions");
            assertThat(r.statusCode()).isEqualTo(200);
            answer.set(r);
        });
        return answer.get();
    }

    /** The usage event of one request, once metering has it. */
    private static JsonNode usageEvent(Fixtures.Tenant tenant, String requestId) {
        AtomicReference<JsonNode> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            String events = given().baseUri(E2eStack.get().url("metering")).header("Authorization", "Bearer " + tenant.appKey())
                    .queryParam("request_id", requestId).get("/v1/usage/events").then().statusCode(200).extract().asString();
            JsonNode data = JSON.readTree(events).path("data");
            assertThat(data.size()).isEqualTo(1);
            found.set(data.get(0));
        });
        return found.get();
    }
}
