package io.nexusai.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.TranslatedChunk;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.List;

/**
 * OpenAI chat completions to any OpenAI-compatible server (OpenAI, vLLM, Ollama, DeepSeek, ...): the body
 * passes through field for field, unknown fields included; only {@code model} becomes the real model name on
 * the way up and the alias on the way back. One instance per request.
 */
public final class OpenAiPassthroughChatTranslator implements Translator {
    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private Buffer body;

    public OpenAiPassthroughChatTranslator(ObjectMapper mapper, Deployment deployment, String alias) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody) {
        clientBody.put("model", deployment.realModel());
        try {
            return new UpstreamRequest(deployment.endpoint() + "/chat/completions", Buffer.buffer(mapper.writeValueAsBytes(clientBody)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    @Override
    public TranslatedChunk responseBody(Buffer chunk, boolean endOfStream) {
        if (body == null) {
            body = chunk;
        } else if (chunk.length() > 0) {
            body = body.appendBuffer(chunk);
        }
        if (!endOfStream) {
            return new TranslatedChunk(Buffer.buffer(), null);
        }
        try {
            JsonNode json = mapper.readTree(body.getBytes());
            if (!(json instanceof ObjectNode object)) {
                throw invalid();
            }
            object.put("model", alias);
            JsonNode usage = object.path("usage");
            TokenUsage tokens = usage.isObject()
                    ? new TokenUsage(usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong(), false)
                    : TokenUsage.NONE;
            return new TranslatedChunk(Buffer.buffer(mapper.writeValueAsBytes(object)), tokens);
        } catch (IOException e) {
            throw invalid();
        }
    }

    private ApiException invalid() {
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + deployment.providerName()
                + "' answered with a body that is not a chat completion.", null, "upstream_invalid_response", List.of(), null);
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return UpstreamErrors.from(mapper, deployment.providerName(), status, body, headers, "/error/message");
    }
}
