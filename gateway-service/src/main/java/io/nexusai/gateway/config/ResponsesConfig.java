package io.nexusai.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The Responses API's stored responses ({@code nexus.responses.*}). */
@ConfigMapping(prefix = "nexus.responses")
public interface ResponsesConfig {
    /**
     * How long a response created with {@code store} (OpenAI's default: true) is kept in Redis for
     * {@code GET /v1/responses/{id}} and {@code previous_response_id} ({@code NEXUS_RESPONSES_RETENTION}).
     */
    @WithDefault("30d")
    Duration retention();
}
