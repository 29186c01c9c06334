package io.nexusai.admin.rest;

import io.nexusai.admin.service.Actor;
import jakarta.enterprise.context.RequestScoped;

/** The admin key and request id behind the current request (set by {@link AdminAuthFilter}): the audit actor. */
@RequestScoped
public class AdminIdentity {
    private String keyId;
    private String requestId;

    public Actor actor() {
        if (keyId == null) {
            throw new IllegalStateException("no authenticated admin key on this request");
        }
        return new Actor(keyId, requestId);
    }

    void set(String keyId, String requestId) {
        this.keyId = keyId;
        this.requestId = requestId;
    }
}
