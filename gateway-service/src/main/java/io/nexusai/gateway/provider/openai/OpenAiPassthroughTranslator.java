package io.nexusai.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
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
 * OpenAI API (chat completions, completions, embeddings) to any OpenAI-compatible server (OpenAI, vLLM, Ollama,
 * DeepSeek, ...): bodies pass through field for field, unknown fields included; only {@code model} becomes the
 * real model name on the way up and the alias on the way back. Streams are decoded incrementally. One instance
 * per request.
 */
public class OpenAiPassthroughTranslator implements Translator {
    protected final ObjectMapper mapper;
    protected final Deployment deployment;
    protected final String alias;
    protected final Endpoint endpoint;
    private final SseDecoder sse = new SseDecoder();
    private byte[] aliasJson;

    public OpenAiPassthroughTranslator(ObjectMapper mapper, Deployment deployment, String alias, Endpoint endpoint) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
        this.endpoint = endpoint;
    }

    /** The provider URL of this endpoint: the base URL (which includes {@code /v1}) plus the OpenAI path. */
    protected String url() {
        return deployment.endpoint() + "/" + endpoint.openAiPath();
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        clientBody.put("model", deployment.realModel());
        return new UpstreamRequest(url(), bytes(clientBody));
    }

    @Override
    public Translated response(Buffer body) {
        // read without building a tree: only the model changes on the way to the client (OpenAiJson)
        OpenAiJson object = OpenAiJson.scan(mapper.getFactory(), body.getBytes(), aliasJson());
        if (object == null) {
            throw invalid();
        }
        return new Translated(object, object.usageReported() ? object.usage() : TokenUsage.NONE);
    }

    private byte[] aliasJson() {
        if (aliasJson == null) {
            aliasJson = bytes(mapper.getNodeFactory().textNode(alias)).getBytes();
        }
        return aliasJson;
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        List<SseEvent> events = sse.feed(piece, endOfStream);
        if (events.isEmpty()) {
            return StreamOutput.EMPTY;
        }
        List<OpenAiJson> chunks = new ArrayList<>(events.size());
        TokenUsage usage = null;
        boolean done = false;
        for (SseEvent event : events) {
            if (event.empty()) {
                continue;
            }
            if (event.done()) {
                done = true;
                continue;
            }
            // read without building a tree: only the model changes on the way to the client (OpenAiJson)
            OpenAiJson chunk = OpenAiJson.scan(mapper.getFactory(), event.bytes(), aliasJson());
            if (chunk == null) {
                return new StreamOutput(chunks, usage, done, invalid());
            }
            if (chunk.has("error")) {
                JsonNode error = chunk.tree(mapper).path("error");
                return new StreamOutput(chunks, usage, done, UpstreamErrors.midStream(deployment.providerName(), text(error.path("message"))));
            }
            if (chunk.usageReported()) {
                usage = chunk.usage();
            }
            chunks.add(chunk);
        }
        return new StreamOutput(chunks, usage, done, null);
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return UpstreamErrors.from(mapper, deployment.providerName(), status, body, headers, "/error/message");
    }

    protected Buffer bytes(JsonNode node) {
        try {
            return Buffer.buffer(mapper.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    protected ObjectNode parseObject(byte[] bytes) {
        try {
            return mapper.readTree(bytes) instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }

    protected ApiException invalid() {
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + deployment.providerName()
                + "' answered with a body that is not a valid " + endpoint.usageName() + " response.", null,
                "upstream_invalid_response", List.of(), null);
    }

    private static String text(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull() ? null : node.asText();
    }
}
