package io.nexusai.gateway.upstream;

import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.snapshot.Target;
import io.vertx.core.http.HttpClientRequest;

/** How each provider kind authenticates the gateway: a strategy separate from translation. */
public final class UpstreamCredentials {
    private UpstreamCredentials() {
    }

    /** Adds the credentials of {@code target} to {@code request}, which is about to send {@code call}. */
    public static void apply(Target target, HttpClientRequest request, UpstreamRequest call) {
        switch (target.deployment().providerKind()) {
            case OPENAI -> request.putHeader("Authorization", "Bearer " + target.apiKey());
            case AZURE -> request.putHeader("api-key", target.apiKey());
            case ANTHROPIC -> request.putHeader("x-api-key", target.apiKey());
            case GEMINI -> request.putHeader("x-goog-api-key", target.apiKey());
            case BEDROCK -> AwsSigV4.sign(target, call, request);
        }
    }
}
