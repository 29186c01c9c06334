package io.nexusai.api.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Body of auth-service's {@code POST /internal/v1/keys/resolve}. Only the SHA-256 of a key travels
 * between services; the secret itself never leaves the service it was presented to.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record KeyResolveRequest(String keyHash) {
}
