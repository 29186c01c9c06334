package io.nexusai.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.events.RedisNames;
import io.nexusai.gateway.config.ResponsesConfig;
import io.nexusai.service.config.PlatformSecrets;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;

/**
 * The Responses API's stored responses, in Redis under the tenant's key space (one key per response, its
 * retention as the key's expiry, {@link RedisNames#storedResponse}): the response object and the input items it
 * answered (the previous responses' items included), for {@code GET}/{@code DELETE /v1/responses/{id}},
 * {@code input_items} and {@code previous_response_id}. Every call is asynchronous (Vert.x Redis client, never
 * blocking an event loop); a tenant reads only keys under its own id, so another tenant's response does not exist
 * for it. On a Redis Cluster the keys are on the tenant's slot, so the responses spread over the masters with the
 * tenants; every call is one command on one key (a command on several keys would have to keep to one tenant's).
 * Responses a cluster stored under the namespace's slot before are not looked for (docs/architecture.md, "Redis
 * Cluster").
 */
@Singleton
public class ResponseStore {
    private static final Logger LOG = Logger.getLogger(ResponseStore.class);
    /**
     * What a response id may look like ({@code resp_} and hex for the gateway's, similar for providers'): anything
     * else is no stored response, so an id can never reach into another key (another tenant's).
     */
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,200}");

    private final Redis redis;
    private final RedisNames names;
    private final ObjectMapper mapper;
    private final long retentionSeconds;

    public ResponseStore(Redis redis, PlatformSecrets secrets, ObjectMapper mapper, ResponsesConfig config) {
        this.redis = redis;
        this.names = secrets.redisNames();
        this.mapper = mapper;
        this.retentionSeconds = Math.max(1, config.retention().toSeconds());
    }

    /** A stored response: the response object and the input items it answered. */
    public record Stored(ObjectNode response, ArrayNode input) {
    }

    /** Stores a response (replacing one of the same id); completes when Redis has it. */
    public Future<Void> put(String tenantId, ObjectNode response, ArrayNode input) {
        ObjectNode value = mapper.createObjectNode();
        value.set("response", response);
        value.set("input", input);
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            return Future.failedFuture(e);
        }
        String id = response.path("id").asText();
        if (!ID.matcher(id).matches()) {
            LOG.warnf("a response with an id of unexpected shape is not stored");
            return Future.succeededFuture();
        }
        return redis.send(Request.cmd(Command.SET).arg(names.storedResponse(tenantId, id)).arg(Buffer.buffer(bytes))
                        .arg("EX").arg(retentionSeconds))
                .onFailure(e -> LOG.warnf("response %s not stored: Redis failed (%s)", id, e.getMessage()))
                .mapEmpty();
    }

    /** The tenant's stored response of that id, or {@code null} when there is none (expired, deleted, another's). */
    public Future<Stored> get(String tenantId, String responseId) {
        if (!ID.matcher(responseId).matches()) {
            return Future.succeededFuture();
        }
        return redis.send(Request.cmd(Command.GET).arg(names.storedResponse(tenantId, responseId))).map(this::read);
    }

    /** Deletes the tenant's stored response; completes with whether there was one. */
    public Future<Boolean> delete(String tenantId, String responseId) {
        if (!ID.matcher(responseId).matches()) {
            return Future.succeededFuture(false);
        }
        return redis.send(Request.cmd(Command.DEL).arg(names.storedResponse(tenantId, responseId)))
                .map(r -> r != null && r.toLong() > 0);
    }

    private Stored read(Response reply) {
        if (reply == null) {
            return null;
        }
        try {
            JsonNode value = mapper.readTree(reply.toBytes());
            if (value instanceof ObjectNode o && o.get("response") instanceof ObjectNode response
                    && o.get("input") instanceof ArrayNode input) {
                return new Stored(response, input);
            }
        } catch (IOException e) {
            LOG.warnf("a stored response could not be read (%s)", e.getMessage());
        }
        return null;
    }
}
