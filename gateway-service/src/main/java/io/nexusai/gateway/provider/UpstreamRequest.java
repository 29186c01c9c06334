package io.nexusai.gateway.provider;

import io.vertx.core.buffer.Buffer;

/**
 * What a translator asks to send upstream.
 *
 * @param url  absolute URL (provider endpoint + the provider's path for this API)
 * @param body request body, already in the provider's format
 */
public record UpstreamRequest(String url, Buffer body) {
}
