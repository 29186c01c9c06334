-- Per-minute and per-day rollups of usage_events, maintained by the statement that inserts the events (same
-- transaction), from the rows that statement actually inserted: a redelivered event is never counted twice.
-- Buckets are UTC (date_trunc(..., 'UTC')). real_model and provider are '' when unknown, as in usage_events.

-- Cost exactly as computed (price × tokens / 10⁶ × multiplier can need more than 12 decimals): unconstrained
-- NUMERIC. Widening a numeric's typmod does not rewrite the table.
ALTER TABLE usage_events ALTER COLUMN cost TYPE NUMERIC;

CREATE TABLE usage_minute (
    bucket            TIMESTAMPTZ NOT NULL,   -- start of the UTC minute
    tenant_id         TEXT        NOT NULL,
    key_id            TEXT        NOT NULL,
    model_alias       TEXT        NOT NULL,
    real_model        TEXT        NOT NULL,
    provider          TEXT        NOT NULL,
    requests          BIGINT      NOT NULL,
    prompt_tokens     BIGINT      NOT NULL,
    completion_tokens BIGINT      NOT NULL,
    cost              NUMERIC     NOT NULL,
    PRIMARY KEY (bucket, tenant_id, key_id, model_alias, real_model, provider)
);
CREATE INDEX usage_minute_tenant_idx ON usage_minute (tenant_id, bucket);

CREATE TABLE usage_daily (
    bucket            TIMESTAMPTZ NOT NULL,   -- start of the UTC day
    tenant_id         TEXT        NOT NULL,
    key_id            TEXT        NOT NULL,
    model_alias       TEXT        NOT NULL,
    real_model        TEXT        NOT NULL,
    provider          TEXT        NOT NULL,
    requests          BIGINT      NOT NULL,
    prompt_tokens     BIGINT      NOT NULL,
    completion_tokens BIGINT      NOT NULL,
    cost              NUMERIC     NOT NULL,
    PRIMARY KEY (bucket, tenant_id, key_id, model_alias, real_model, provider)
);
CREATE INDEX usage_daily_tenant_idx ON usage_daily (tenant_id, bucket);

-- Events stored before this migration. (Stop replicas of the previous version before migrating: they would
-- keep inserting events without rollups.)
INSERT INTO usage_minute
SELECT date_trunc('minute', occurred_at, 'UTC'), tenant_id, key_id, model_alias, COALESCE(real_model, ''),
       COALESCE(provider, ''), count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost)
FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO usage_daily
SELECT date_trunc('day', occurred_at, 'UTC'), tenant_id, key_id, model_alias, COALESCE(real_model, ''),
       COALESCE(provider, ''), count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost)
FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6;
