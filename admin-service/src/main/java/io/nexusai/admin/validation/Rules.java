package io.nexusai.admin.validation;

/** Patterns shared by the admin API's request bodies ({@code Requests}) and the {@code /apply} document ({@code ApplySpec}). */
public final class Rules {
    /** http(s) URL with a host, without user info or whitespace. */
    public static final String HTTP_URL = "https?://[^\\s/@?#]+(/[^\\s]*)?";
    public static final String HTTP_URL_MESSAGE = "must be an http(s) URL";
    /** Model aliases and real model names as vendors write them (gpt-4o, meta-llama/Llama-3, ft:gpt-4o:org). */
    public static final String MODEL_NAME = "[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}";
    public static final String MODEL_NAME_MESSAGE = "must be a model name of letters, digits and ._:/@+-";
    /** Provider kinds (the wire format each speaks). */
    public static final String KIND = "openai|azure|anthropic|gemini|bedrock";
    public static final String KIND_MESSAGE = "must be one of openai, azure, anthropic, gemini, bedrock";
    /** Tenant ids: lower-case slug. */
    /** A browser origin as browsers send it: scheme, lower-case host, optional port; no path, no wildcard. */
    public static final String ORIGIN = "https?://([a-z0-9-]+(\\.[a-z0-9-]+)*|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?";
    public static final String ORIGIN_MESSAGE = "must be an origin as browsers send it: http(s)://host[:port] in lower case, no path or wildcard";
    public static final String TENANT_ID = "[a-z0-9][a-z0-9-]{0,62}";
    /**
     * The path template of numeric ids: ASCII digits only, so that no other form (Long.parseLong also takes fullwidth
     * and other Unicode digits, and signs) addresses an object; anything else is 404.
     */
    public static final String ID_PATH = "/{id: [0-9]{1,18}}";
    /** Timestamps we store end before this instant (PostgreSQL and java.sql.Timestamp go further, clients do not). */
    public static final String LAST_INSTANT = "9999-12-31T23:59:59Z";

    private Rules() {
    }
}
