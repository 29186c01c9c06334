package io.nexusai.gateway.provider.azure;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.pipeline.Endpoint;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.openai.OpenAiPassthroughTranslator;
import io.vertx.core.buffer.Buffer;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * OpenAI API to Azure OpenAI: the same bodies, sent to the deployment URL
 * {@code <endpoint>/openai/deployments/<deployment>/<path>?api-version=<version>}. The route's real model name is
 * the Azure deployment name; the provider setting {@code api_version} picks the API version (default
 * {@value #DEFAULT_API_VERSION}). Azure's extra fields (content filter results) pass through, but its
 * filter-only first stream chunk, which is no OpenAI chunk, does not. One instance per request.
 */
public final class OpenAiToAzureTranslator extends OpenAiPassthroughTranslator {
    public static final String DEFAULT_API_VERSION = "2024-10-21";

    public OpenAiToAzureTranslator(ObjectMapper mapper, Deployment deployment, String alias, Endpoint endpoint) {
        super(mapper, deployment, alias, endpoint);
    }

    /**
     * Azure opens a stream with a content-filter chunk that is not an OpenAI chunk ({@code "object":""}, no
     * choices, no id); it carries nothing a client needs, so it is left out.
     */
    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        StreamOutput out = super.stream(piece, endOfStream);
        if (out.chunks().stream().noneMatch(OpenAiToAzureTranslator::filterOnly)) {
            return out;
        }
        return new StreamOutput(out.chunks().stream().filter(c -> !filterOnly(c)).toList(), out.usage(), out.done(), out.error());
    }

    private static boolean filterOnly(OpenAiJson chunk) {
        if (!chunk.noChoices() || chunk.usageReported()) {
            return false;
        }
        String object = chunk.text("object");
        return !"chat.completion.chunk".equals(object) && !"text_completion".equals(object);
    }

    @Override
    protected String url() {
        String version = deployment.settings().getOrDefault("api_version", DEFAULT_API_VERSION);
        return deployment.endpoint() + "/openai/deployments/" + URLEncoder.encode(deployment.realModel(), StandardCharsets.UTF_8)
                + "/" + endpoint.openAiPath() + "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    }
}
