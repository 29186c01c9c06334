package io.nexusai.gateway.provider.azure;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.provider.openai.OpenAiPassthroughTranslator;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * OpenAI API to Azure OpenAI: the same bodies, sent to the deployment URL
 * {@code <endpoint>/openai/deployments/<deployment>/<path>?api-version=<version>}. The route's real model name is
 * the Azure deployment name; the provider setting {@code api_version} picks the API version (default
 * {@value #DEFAULT_API_VERSION}). Azure's extra fields (content filter results) pass through. One instance per
 * request.
 */
public final class OpenAiToAzureTranslator extends OpenAiPassthroughTranslator {
    public static final String DEFAULT_API_VERSION = "2024-10-21";

    public OpenAiToAzureTranslator(ObjectMapper mapper, Deployment deployment, String alias, Endpoint endpoint) {
        super(mapper, deployment, alias, endpoint);
    }

    @Override
    protected String url() {
        String version = deployment.settings().getOrDefault("api_version", DEFAULT_API_VERSION);
        return deployment.endpoint() + "/openai/deployments/" + URLEncoder.encode(deployment.realModel(), StandardCharsets.UTF_8)
                + "/" + endpoint.openAiPath() + "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    }
}
