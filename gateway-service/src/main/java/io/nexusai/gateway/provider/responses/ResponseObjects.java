package io.nexusai.gateway.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.provider.TokenUsage;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Responses API's objects as the gateway builds them ({@code Response}, output items, usage), field for field
 * as OpenAI's description has them. One per request: it holds the response's id, its creation time and what the
 * response echoes of the request (instructions, tools, tool choice, text format, sampling, metadata, ...).
 */
public final class ResponseObjects {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String id;
    private final long createdAt;
    private final String model;
    private final ObjectNode request;

    /**
     * @param request the client's Responses body (read only)
     * @param model   the model to show: the alias the client asked for
     */
    public ResponseObjects(ObjectNode request, String model) {
        this.id = newId("resp_");
        this.createdAt = System.currentTimeMillis() / 1000;
        this.model = model;
        this.request = request;
    }

    /** A new object id with OpenAI's prefix ({@code resp_}, {@code msg_}, {@code fc_}) and 48 random hex digits. */
    public static String newId(String prefix) {
        byte[] bytes = new byte[24];
        ThreadLocalRandom.current().nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }

    public String id() {
        return id;
    }

    /**
     * The response object.
     *
     * @param status     {@code in_progress}, {@code completed}, {@code incomplete} or {@code failed}
     * @param output     its output items so far
     * @param incomplete why it is incomplete ({@code max_output_tokens}, {@code content_filter}), or {@code null}
     * @param error      why it failed, or {@code null}
     * @param usage      its usage, or {@code null} (not known yet)
     */
    public ObjectNode response(String status, ArrayNode output, String incomplete, ApiException error, TokenUsage usage) {
        ObjectNode r = NODES.objectNode();
        r.put("id", id);
        r.put("object", "response");
        r.put("created_at", createdAt);
        r.put("status", status);
        r.put("background", false);
        if (status.equals("completed")) {
            r.put("completed_at", System.currentTimeMillis() / 1000);
        } else {
            r.putNull("completed_at");
        }
        if (error != null) {
            r.putObject("error").put("code", error.status() == 429 ? "rate_limit_exceeded" : "server_error")
                    .put("message", error.getMessage());
        } else {
            r.putNull("error");
        }
        if (incomplete != null) {
            r.putObject("incomplete_details").put("reason", incomplete);
        } else {
            r.putNull("incomplete_details");
        }
        echo(r, "instructions");
        echo(r, "max_output_tokens");
        r.putNull("max_tool_calls");
        r.put("model", model);
        r.set("output", output);
        JsonNode parallel = request.get("parallel_tool_calls");
        r.put("parallel_tool_calls", parallel == null || !parallel.isBoolean() || parallel.asBoolean());
        echo(r, "previous_response_id");
        ObjectNode reasoning = r.putObject("reasoning");
        JsonNode asked = request.path("reasoning");
        reasoning.set("effort", asked.path("effort").isTextual() ? asked.get("effort") : NODES.nullNode());
        reasoning.set("summary", asked.path("summary").isTextual() ? asked.get("summary") : NODES.nullNode());
        JsonNode store = request.get("store");
        r.put("store", store == null || !store.isBoolean() || store.asBoolean());
        number(r, "temperature");
        ObjectNode text = r.putObject("text");
        JsonNode format = request.path("text").get("format");
        if (format != null && format.isObject()) {
            text.set("format", format);
        } else {
            text.putObject("format").put("type", "text");
        }
        JsonNode choice = request.get("tool_choice");
        r.set("tool_choice", choice == null || choice.isNull() ? NODES.textNode("auto") : choice);
        r.set("tools", tools());
        JsonNode topLogprobs = request.get("top_logprobs");
        r.put("top_logprobs", topLogprobs != null && topLogprobs.isIntegralNumber() ? topLogprobs.asInt() : 0);
        number(r, "top_p");
        r.put("truncation", "disabled");
        if (usage != null) {
            r.set("usage", usage(usage));
        }
        JsonNode user = request.get("user");
        if (user != null && user.isTextual()) {
            r.set("user", user);
        }
        JsonNode metadata = request.get("metadata");
        r.set("metadata", metadata != null && metadata.isObject() ? metadata : NODES.objectNode());
        return r;
    }

    private void echo(ObjectNode r, String field) {
        JsonNode v = request.get(field);
        r.set(field, v == null ? NODES.nullNode() : v);
    }

    /** {@code temperature} and {@code top_p}: as asked, else OpenAI's default 1. */
    private void number(ObjectNode r, String field) {
        JsonNode v = request.get(field);
        r.set(field, v != null && v.isNumber() ? v : NODES.numberNode(1.0));
    }

    /** The request's tools as the response lists them (function tools with every field of {@code FunctionTool}). */
    private ArrayNode tools() {
        ArrayNode out = NODES.arrayNode();
        for (JsonNode tool : request.path("tools")) {
            if (!tool.path("type").asText().equals("function")) {
                out.add(tool);
                continue;
            }
            ObjectNode f = out.addObject().put("type", "function");
            f.set("name", tool.get("name"));
            f.set("description", tool.hasNonNull("description") ? tool.get("description") : NODES.nullNode());
            f.set("parameters", tool.hasNonNull("parameters") ? tool.get("parameters") : NODES.nullNode());
            f.set("strict", tool.hasNonNull("strict") ? tool.get("strict") : NODES.nullNode());
        }
        return out;
    }

    /** {@code ResponseUsage}: input with its cache reads and writes, output with its reasoning. */
    public static ObjectNode usage(TokenUsage usage) {
        ObjectNode u = NODES.objectNode();
        u.put("input_tokens", usage.promptTokens());
        u.putObject("input_tokens_details").put("cached_tokens", usage.cachedTokens())
                .put("cache_write_tokens", usage.cacheWriteTokens());
        u.put("output_tokens", usage.completionTokens());
        u.putObject("output_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        u.put("total_tokens", usage.promptTokens() + usage.completionTokens());
        return u;
    }

    /** An assistant message item ({@code OutputMessage}); {@code content} of output_text / refusal parts. */
    public static ObjectNode message(String id, String status, ArrayNode content) {
        ObjectNode m = NODES.objectNode();
        m.put("id", id);
        m.put("type", "message");
        m.put("status", status);
        m.set("content", content);
        m.put("role", "assistant");
        return m;
    }

    /** An {@code output_text} content part. */
    public static ObjectNode outputText(String text) {
        ObjectNode p = NODES.objectNode().put("type", "output_text");
        p.putArray("annotations");
        p.putArray("logprobs");
        p.put("text", text);
        return p;
    }

    /** A {@code refusal} content part. */
    public static ObjectNode refusal(String refusal) {
        return NODES.objectNode().put("type", "refusal").put("refusal", refusal);
    }

    /** A {@code function_call} item ({@code FunctionToolCall}). */
    public static ObjectNode functionCall(String id, String callId, String name, String arguments, String status) {
        return NODES.objectNode().put("id", id).put("type", "function_call").put("status", status)
                .put("arguments", arguments).put("call_id", callId).put("name", name);
    }
}
