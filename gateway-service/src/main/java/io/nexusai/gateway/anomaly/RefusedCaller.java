package io.nexusai.gateway.anomaly;

/**
 * Attached to a request whose key was identified but then refused (a bad signature), so that the anomaly is
 * recorded with its tenant and key id even when the key is not (or no longer) in the key cache.
 */
public record RefusedCaller(String tenantId, String keyId) {
}
