package io.nexusai.admin.rest;

import jakarta.enterprise.context.RequestScoped;

/** The admin key behind the current request (set by {@link AdminAuthFilter}); the actor of audit entries. */
@RequestScoped
public class AdminIdentity {
    private String keyId;

    public String keyId() {
        return keyId;
    }

    void keyId(String keyId) {
        this.keyId = keyId;
    }
}
