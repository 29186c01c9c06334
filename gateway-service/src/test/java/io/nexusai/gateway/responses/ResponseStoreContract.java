package io.nexusai.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.events.RedisNames;
import io.nexusai.gateway.config.ResponsesConfig;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Responses API's stored responses against a real Redis, through the gateway's own stages: read, listed and
 * deleted by their tenant only, chained by {@code previous_response_id}, kept for the retention; run against one
 * Redis ({@link ResponseStoreTest}) and a three-master Redis Cluster ({@link ResponseStoreClusterTest}).
 */
abstract class ResponseStoreContract {
    @Inject
    ResponseStore store;
    @Inject
    PlatformSecrets secrets;
    @Inject
    ResponsesConfig config;
    @Inject
    RedisDataSource redis;
    @Inject
    ObjectMapper mapper;
    @Inject
    Vertx vertx;

    ResponsesHarness harness;

    @BeforeEach
    void startHarness() throws Exception {
        harness = new ResponsesHarness(vertx, store, mapper);
    }

    @AfterEach
    void stopHarness() throws Exception {
        harness.close();
    }

    RedisNames names() {
        return secrets.redisNames();
    }

    static String newTenant() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String newId() {
        return "resp_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Stores a response of {@code tenant} answering {@code question} with {@code answer}; returns its id. */
    String put(String tenant, String question, String answer) throws Exception {
        String id = newId();
        ObjectNode response = mapper.createObjectNode().put("id", id).put("object", "response").put("status", "completed");
        ObjectNode message = response.putArray("output").addObject().put("type", "message").put("id", "msg_out_" + id)
                .put("role", "assistant");
        message.putArray("content").addObject().put("type", "output_text").put("text", answer).putArray("annotations");
        ArrayNode input = mapper.createArrayNode();
        ObjectNode asked = input.addObject().put("type", "message").put("id", "msg_in_" + id).put("role", "user");
        asked.putArray("content").addObject().put("type", "input_text").put("text", question);
        store.put(tenant, response, input).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return id;
    }

    @Test
    void aStoredResponseIsReadAndDeletedByItsTenantOnly() throws Exception {
        String tenant = newTenant();
        String other = newTenant();
        String id = put(tenant, "My name is Ada.", "Hello Ada.");

        HttpResponse<String> read = harness.send(tenant, "GET", "/v1/responses/" + id, null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(harness.json(read).get("id").asText()).isEqualTo(id);
        assertThat(harness.json(read).at("/output/0/content/0/text").asText()).isEqualTo("Hello Ada.");
        HttpResponse<String> items = harness.send(tenant, "GET", "/v1/responses/" + id + "/input_items", null);
        assertThat(items.statusCode()).isEqualTo(200);
        assertThat(harness.json(items).at("/data/0/content/0/text").asText()).isEqualTo("My name is Ada.");

        assertThat(harness.send(other, "GET", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);
        assertThat(harness.send(other, "DELETE", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);

        HttpResponse<String> deleted = harness.send(tenant, "DELETE", "/v1/responses/" + id, null);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(harness.json(deleted).get("deleted").asBoolean()).isTrue();
        assertThat(harness.send(tenant, "GET", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);
        assertThat(harness.send(tenant, "DELETE", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);
        assertThat(redis.key().exists(names().storedResponse(tenant, id))).isFalse();
    }

    @Test
    void aPreviousResponsesItemsComeBeforeTheNewInputForItsTenantOnly() throws Exception {
        String tenant = newTenant();
        String id = put(tenant, "My name is Ada.", "Hello Ada.");
        String body = "{\"model\":\"m\",\"input\":\"What is my name?\",\"previous_response_id\":\"" + id + "\"}";

        HttpResponse<String> chained = harness.send(tenant, "POST", "/v1/responses", body);
        assertThat(chained.statusCode()).as(chained.body()).isEqualTo(200);
        JsonNode input = harness.json(chained).get("input");
        assertThat(input).hasSize(3);
        assertThat(input.at("/0/content/0/text").asText()).isEqualTo("My name is Ada.");
        assertThat(input.at("/1/content/0/text").asText()).isEqualTo("Hello Ada.");
        assertThat(input.at("/2/content/0/text").asText()).isEqualTo("What is my name?");

        HttpResponse<String> elsewhere = harness.send(newTenant(), "POST", "/v1/responses", body);
        assertThat(elsewhere.statusCode()).isEqualTo(404);
        assertThat(harness.json(elsewhere).at("/error/code").asText()).isEqualTo("previous_response_not_found");
        assertThat(harness.json(elsewhere).at("/error/param").asText()).isEqualTo("previous_response_id");
    }

    @Test
    void aStoredResponseExpiresWithTheRetention() throws Exception {
        String tenant = newTenant();
        String id = put(tenant, "Keep this.", "Kept.");
        long ttl = redis.key().ttl(names().storedResponse(tenant, id));
        assertThat(ttl).isPositive().isLessThanOrEqualTo(config.retention().toSeconds());
    }
}
