package io.nexusai.gateway.provider;

import io.vertx.core.buffer.Buffer;

import java.util.Map;

/**
 * What a translator asks to send upstream.
 *
 * @param url     absolute URL (provider endpoint + the provider's path for this API)
 * @param body    request body, already in the provider's format
 * @param headers extra headers the provider's API needs (e.g. {@code anthropic-version}); credentials are added
 *                separately by the credential strategy
 */
public record UpstreamRequest(String url, Buffer body, Map<String, String> headers) {
    public UpstreamRequest(String url, Buffer body) {
        this(url, body, Map.of());
    }
}
