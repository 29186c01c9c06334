package io.nexusai.admin.service;

/**
 * Who makes a change, for the audit log: the admin key id (or {@code system}) and the request id.
 */
public record Actor(String keyId, String requestId) {
    public static final Actor SYSTEM = new Actor("system", null);
}
