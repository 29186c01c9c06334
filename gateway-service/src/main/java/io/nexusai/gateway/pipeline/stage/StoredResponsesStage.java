package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.responses.ResponseObjects;
import io.nexusai.gateway.provider.responses.ResponsesTranslator;
import io.nexusai.gateway.responses.ResponseStore;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The Responses API's conversation state: a request naming a {@code previous_response_id} gets that stored
 * response's input and output items put before its own input (the tenant's own responses only: another's is 404
 * {@code previous_response_not_found}); a response created with {@code store} (OpenAI's default: true) is stored,
 * with the input it answered, right before its last byte goes to the client (so a client chaining at once finds
 * it), without the client waiting for Redis. One Redis read before the upstream call when chaining, none otherwise.
 */
public final class StoredResponsesStage implements Stage {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final ResponseStore store;

    public StoredResponsesStage(ResponseStore store) {
        this.store = store;
    }

    /** The input items a response answers (previous items included), kept until it is stored. */
    record Input(ArrayNode items) {
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        ParsedRequest parsed = ctx.get(ParsedRequest.class);
        ObjectNode body = parsed.body();
        JsonNode previous = body.get("previous_response_id");
        if (previous == null || !previous.isTextual()) {
            ctx.attach(Input.class, new Input(inputItems(body.get("input"))));
            ctx.proceed();
            return;
        }
        Principal principal = ctx.get(Principal.class);
        String id = previous.asText();
        Context context = Vertx.currentContext();
        store.get(principal.tenantId(), id).onComplete(ar -> {
            Runnable next = () -> {
                if (ar.failed()) {
                    ctx.fail(ApiException.unavailable("Stored responses cannot be read right now; retry shortly."));
                    return;
                }
                ResponseStore.Stored stored = ar.result();
                if (stored == null) {
                    ctx.fail(new ApiException(404, io.nexusai.api.openai.ErrorType.INVALID_REQUEST,
                            "Previous response with id '" + truncate(id) + "' not found.", "previous_response_id",
                            "previous_response_not_found"));
                    return;
                }
                ArrayNode items = NODES.arrayNode();
                items.addAll(stored.input());
                for (JsonNode item : stored.response().path("output")) {
                    items.add(item);
                }
                items.addAll(inputItems(body.get("input")));
                body.set("input", items);
                ctx.attach(Input.class, new Input(items));
                ctx.proceed();
            };
            if (context == null || Vertx.currentContext() == context) {
                next.run();
            } else {
                context.runOnContext(v -> next.run());
            }
        });
    }

    @Override
    public void beforeLastByte(ProxyContext ctx) {
        if (ctx.failure() != null || ctx.status() != 200) {
            return;
        }
        ParsedRequest parsed = ctx.get(ParsedRequest.class);
        JsonNode storeField = parsed == null ? null : parsed.body().get("store");
        if (storeField != null && storeField.isBoolean() && !storeField.asBoolean()) {
            return;
        }
        Principal principal = ctx.get(Principal.class);
        Input input = ctx.get(Input.class);
        if (!(ctx.get(Translator.class) instanceof ResponsesTranslator answered) || principal == null || input == null) {
            return;
        }
        ObjectNode response = answered.finished();
        if (response != null) {
            store.put(principal.tenantId(), response, withIds(input.items()));
        }
    }

    /** The request's input as items: a string is one user message. */
    private static ArrayNode inputItems(JsonNode input) {
        ArrayNode items = NODES.arrayNode();
        if (input != null && input.isTextual()) {
            ObjectNode message = items.addObject().put("type", "message").put("role", "user");
            message.putArray("content").addObject().put("type", "input_text").put("text", input.asText());
        } else if (input != null && input.isArray()) {
            items.addAll((ArrayNode) input);
        }
        return items;
    }

    /** The items as listed by {@code input_items}: each with its {@code type} and an {@code id}. */
    private static ArrayNode withIds(ArrayNode items) {
        ArrayNode out = NODES.arrayNode();
        for (JsonNode item : items) {
            ObjectNode copy = item.isObject() ? ((ObjectNode) item).deepCopy() : NODES.objectNode();
            if (!copy.hasNonNull("type")) {
                copy.put("type", "message");
            }
            JsonNode content = copy.get("content");
            if (copy.get("type").asText().equals("message") && content != null && content.isTextual()) {
                String partType = copy.path("role").asText().equals("assistant") ? "output_text" : "input_text";
                ObjectNode part = copy.putArray("content").addObject().put("type", partType).put("text", content.asText());
                if (partType.equals("output_text")) {
                    part.putArray("annotations");
                }
            }
            if (!copy.hasNonNull("id")) {
                String prefix = switch (copy.get("type").asText()) {
                    case "function_call" -> "fc_";
                    case "function_call_output" -> "fco_";
                    case "reasoning" -> "rs_";
                    default -> "msg_";
                };
                copy.put("id", ResponseObjects.newId(prefix));
            }
            out.add(copy);
        }
        return out;
    }

    private static String truncate(String id) {
        String s = id.length() > 100 ? id.substring(0, 100) + "..." : id;
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
