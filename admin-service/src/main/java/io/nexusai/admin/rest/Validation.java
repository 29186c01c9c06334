package io.nexusai.admin.rest;

/** Patterns shared by the admin API's request records. */
final class Validation {
    /** http(s) URL without user info or whitespace. */
    static final String HTTP_URL = "https?://[^\\s/@?#]+(/[^\\s]*)?";
    /** Model aliases and real model names as vendors write them (gpt-4o, meta-llama/Llama-3, ft:gpt-4o:org). */
    static final String MODEL_NAME = "[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}";
    /** Tenant ids: lower-case slug. */
    static final String TENANT_ID = "[a-z0-9][a-z0-9-]{0,62}";

    private Validation() {
    }
}
