-- Usage tables, owned by metering-service (schema "metering"). One row per request: request_id is the
-- idempotency key, so a redelivered stream entry can never count twice.
CREATE TABLE usage_events (
    request_id        TEXT PRIMARY KEY,                     -- the gateway's unique id
    client_request_id TEXT,                                 -- the client's x-request-id, if any
    occurred_at       TIMESTAMPTZ     NOT NULL,
    tenant_id         TEXT            NOT NULL,
    key_id            TEXT            NOT NULL,
    endpoint          TEXT            NOT NULL,
    model_alias       TEXT            NOT NULL,
    provider_id       BIGINT,
    provider          TEXT,
    deployment_id     BIGINT,
    real_model        TEXT,
    stream            BOOLEAN         NOT NULL DEFAULT FALSE,
    status            INTEGER         NOT NULL,
    prompt_tokens     BIGINT          NOT NULL DEFAULT 0,
    completion_tokens BIGINT          NOT NULL DEFAULT 0,
    total_tokens      BIGINT          NOT NULL DEFAULT 0,
    estimated         BOOLEAN         NOT NULL DEFAULT FALSE,
    latency_ms        BIGINT          NOT NULL DEFAULT 0,
    cost_multiplier   NUMERIC(12, 6)  NOT NULL DEFAULT 1,
    cost              NUMERIC(24, 12) NOT NULL DEFAULT 0,   -- exact decimal, in currency
    currency          TEXT            NOT NULL DEFAULT 'USD',
    priced            BOOLEAN         NOT NULL DEFAULT FALSE, -- false when no price was known for real_model
    trace_id          TEXT,
    stream_entry_id   TEXT,                                 -- Redis stream id it was read from
    recorded_at       TIMESTAMPTZ     NOT NULL DEFAULT now()
);
CREATE INDEX usage_events_tenant_time_idx ON usage_events (tenant_id, occurred_at);
CREATE INDEX usage_events_time_idx ON usage_events (occurred_at);
CREATE INDEX usage_events_client_request_idx ON usage_events (client_request_id) WHERE client_request_id IS NOT NULL;
