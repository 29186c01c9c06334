package io.nexusai.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.pipeline.wire.ResponsesWire;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.responses.ResponsesTranslator;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.provider.sse.SseDecoder;
import io.nexusai.gateway.provider.sse.SseEvent;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Responses API passed through to an OpenAI-compatible provider that serves it ({@code POST <endpoint>/responses}):
 * the body goes up as the client sent it but for {@code model} (the real model) and {@code previous_response_id}
 * (the gateway keeps stored responses itself and has already put the previous items before the input); the answer
 * and every stream event come back as the provider sent them but for the model (the alias). Usage is read from the
 * response ({@code input_tokens}, {@code output_tokens} and their details); a stream is complete at
 * {@code response.completed}, {@code response.incomplete} or {@code response.failed}, and an {@code error} event
 * fails it. One instance per request; keeps the stream's last sequence number and response for a failure's events.
 */
public final class OpenAiResponsesPassthroughTranslator implements ResponsesTranslator {
    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final SseDecoder sse = new SseDecoder();
    private long lastSequence = -1;
    private ObjectNode lastResponse;
    private boolean done;
    private ObjectNode finished;

    public OpenAiResponsesPassthroughTranslator(ObjectMapper mapper, Deployment deployment, String alias) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        ObjectNode body = clientBody.deepCopy();
        body.put("model", deployment.realModel());
        body.remove("previous_response_id");
        try {
            return new UpstreamRequest(deployment.endpoint() + "/responses", Buffer.buffer(mapper.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    @Override
    public Translated response(Buffer body) {
        ObjectNode response = parse(body.getBytes());
        if (response == null || !response.path("output").isArray()) {
            throw invalid();
        }
        response.put("model", alias);
        if (finishedStatus(response)) {
            finished = response;
        }
        StringBuilder delivered = new StringBuilder();
        for (JsonNode item : response.get("output")) {
            for (JsonNode part : item.path("content")) {
                delivered.append(part.path("text").asText("")).append(part.path("refusal").asText(""));
            }
            delivered.append(item.path("name").asText("")).append(item.path("arguments").asText(""));
        }
        return new Translated(OpenAiJson.event(response, delivered.toString()), usage(response.get("usage")));
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        List<SseEvent> events = sse.feed(piece, endOfStream);
        if (events.isEmpty()) {
            return StreamOutput.EMPTY;
        }
        List<OpenAiJson> out = new ArrayList<>(events.size());
        TokenUsage usage = null;
        for (SseEvent event : events) {
            if (event.empty() || event.done()) {
                continue;
            }
            ObjectNode e = parse(event.bytes());
            if (e == null) {
                return new StreamOutput(out, usage, done, invalid());
            }
            String type = e.path("type").asText("");
            if (type.equals("error")) {
                return new StreamOutput(out, usage, done, UpstreamErrors.midStream(deployment.providerName(),
                        e.path("message").asText(e.path("error").path("message").asText(null))));
            }
            if (e.path("sequence_number").canConvertToLong()) {
                lastSequence = e.get("sequence_number").asLong();
            }
            String delivered = "";
            if (e.path("response").isObject()) {
                ObjectNode response = (ObjectNode) e.get("response");
                response.put("model", alias);
                lastResponse = response;
                if (type.equals("response.completed") || type.equals("response.incomplete") || type.equals("response.failed")) {
                    done = true;
                    usage = usage(response.get("usage"));
                    if (finishedStatus(response)) {
                        finished = response;
                    }
                }
            } else if (type.equals("response.output_text.delta") || type.equals("response.function_call_arguments.delta")
                    || type.equals("response.refusal.delta")) {
                delivered = e.path("delta").asText("");
            }
            out.add(OpenAiJson.event(e, delivered));
        }
        return new StreamOutput(out, usage, done, null);
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return UpstreamErrors.from(mapper, deployment.providerName(), status, body, headers, "/error/message");
    }

    @Override
    public List<OpenAiJson> streamFailed(ApiException error) {
        if (lastResponse == null) {
            return null;
        }
        List<OpenAiJson> events = new ArrayList<>(2);
        events.add(OpenAiJson.event(parse(ResponsesWire.errorEvent(error, ++lastSequence).getBytes(java.nio.charset.StandardCharsets.UTF_8)), ""));
        ObjectNode failed = mapper.createObjectNode().put("type", "response.failed");
        ObjectNode response = lastResponse.deepCopy();
        response.put("status", "failed");
        response.putObject("error").put("code", "server_error").put("message", error.getMessage());
        failed.set("response", response);
        failed.put("sequence_number", ++lastSequence);
        events.add(OpenAiJson.event(failed, ""));
        return events;
    }

    @Override
    public ObjectNode finished() {
        return finished;
    }

    private static boolean finishedStatus(JsonNode response) {
        String status = response.path("status").asText();
        return status.equals("completed") || status.equals("incomplete");
    }

    /** The Responses usage object as token usage (cache reads and reasoning kept); none when absent. */
    static TokenUsage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return TokenUsage.NONE;
        }
        return new TokenUsage(usage.path("input_tokens").asLong(), usage.path("output_tokens").asLong(),
                usage.path("input_tokens_details").path("cached_tokens").asLong(), 0,
                usage.path("output_tokens_details").path("reasoning_tokens").asLong(), false);
    }

    private ObjectNode parse(byte[] bytes) {
        try {
            return mapper.readTree(bytes) instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }

    private ApiException invalid() {
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + deployment.providerName()
                + "' answered with a body that is not a valid Responses API response.", null, "upstream_invalid_response",
                List.of(), null);
    }
}
