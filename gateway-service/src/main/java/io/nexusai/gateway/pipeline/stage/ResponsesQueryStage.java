package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.responses.ResponseStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /v1/responses/{id}}, {@code DELETE /v1/responses/{id}} and {@code GET /v1/responses/{id}/input_items}:
 * the calling tenant's stored responses (a response of another tenant, or one not stored, expired or deleted, is
 * 404). Input items are listed as OpenAI lists them: {@code order} ({@code desc} by default), {@code limit}
 * (1–100, 20 by default) and {@code after} an item id.
 */
public final class ResponsesQueryStage implements Stage {
    private static final String PREFIX = "/v1/responses/";
    private static final String INPUT_ITEMS = "/input_items";
    private final ResponseStore store;
    private final ObjectMapper mapper;

    public ResponsesQueryStage(ResponseStore store, ObjectMapper mapper) {
        this.store = store;
        this.mapper = mapper;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        String path = ctx.http().request().path();
        boolean items = path.endsWith(INPUT_ITEMS);
        String raw = path.substring(PREFIX.length(), items ? path.length() - INPUT_ITEMS.length() : path.length());
        String id = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        if (id.isEmpty() || id.contains("/")) {
            throw ApiException.notFound("Unknown request URL: " + ctx.http().request().method() + " " + truncate(path) + ".",
                    "unknown_url");
        }
        String tenant = ctx.get(Principal.class).tenantId();
        HttpMethod method = ctx.http().request().method();
        Context context = Vertx.currentContext();
        Future<ObjectNode> answer;
        if (method == HttpMethod.DELETE && !items) {
            answer = store.delete(tenant, id).map(deleted -> {
                if (!deleted) {
                    throw notFound(id);
                }
                return mapper.createObjectNode().put("id", id).put("object", "response").put("deleted", true);
            });
        } else {
            Listing listing = items ? Listing.of(ctx) : null;
            answer = store.get(tenant, id).map(stored -> {
                if (stored == null) {
                    throw notFound(id);
                }
                return listing == null ? stored.response() : listing.page(stored.input(), mapper);
            });
        }
        answer.onComplete(ar -> {
            Runnable next = () -> {
                if (ar.failed()) {
                    ctx.fail(ar.cause() instanceof ApiException e ? e
                            : ApiException.unavailable("Stored responses cannot be read right now; retry shortly."));
                    return;
                }
                try {
                    ctx.responseHeaders().set("Content-Type", "application/json");
                    ctx.response(200, Buffer.buffer(mapper.writeValueAsBytes(ar.result())));
                } catch (IOException e) {
                    ctx.fail(e);
                    return;
                }
                ctx.respond();
            };
            if (context == null || Vertx.currentContext() == context) {
                next.run();
            } else {
                context.runOnContext(v -> next.run());
            }
        });
    }

    /** The page asked for by {@code order}, {@code limit} and {@code after}. */
    private record Listing(boolean ascending, int limit, String after) {
        static Listing of(ProxyContext ctx) {
            String order = ctx.http().request().getParam("order");
            if (order != null && !order.equals("asc") && !order.equals("desc")) {
                throw ApiException.badRequest("Invalid value: '" + truncate(order) + "'. Supported values are: 'asc' and 'desc'.",
                        "order");
            }
            String limitParam = ctx.http().request().getParam("limit");
            int limit = 20;
            if (limitParam != null) {
                try {
                    limit = Integer.parseInt(limitParam);
                } catch (NumberFormatException e) {
                    limit = -1;
                }
                if (limit < 1 || limit > 100) {
                    throw ApiException.badRequest("Invalid 'limit': expected an integer between 1 and 100.", "limit");
                }
            }
            return new Listing("asc".equals(order), limit, ctx.http().request().getParam("after"));
        }

        ObjectNode page(ArrayNode input, ObjectMapper mapper) {
            List<JsonNode> all = new ArrayList<>(input.size());
            input.forEach(all::add);
            if (!ascending) {
                java.util.Collections.reverse(all);
            }
            int start = 0;
            if (after != null) {
                for (int i = 0; i < all.size(); i++) {
                    if (after.equals(all.get(i).path("id").asText())) {
                        start = i + 1;
                        break;
                    }
                }
            }
            int end = Math.min(all.size(), start + limit);
            ObjectNode list = mapper.createObjectNode().put("object", "list");
            ArrayNode data = list.putArray("data");
            for (int i = start; i < end; i++) {
                data.add(all.get(i));
            }
            list.put("first_id", data.isEmpty() ? "" : data.get(0).path("id").asText());
            list.put("last_id", data.isEmpty() ? "" : data.get(data.size() - 1).path("id").asText());
            list.put("has_more", end < all.size());
            return list;
        }
    }

    private static ApiException notFound(String id) {
        return new ApiException(404, ErrorType.INVALID_REQUEST, "Response with id '" + truncate(id) + "' not found.", null,
                "response_not_found");
    }

    private static String truncate(String s) {
        String v = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return v.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
