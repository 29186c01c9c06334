-- Per-hour rollup of usage_events, beside usage_minute and usage_daily (V2, V3) and like them: the same columns, key
-- and tenant index; bucket is the start of the UTC hour (date_trunc('hour', occurred_at, 'UTC')); maintained by the
-- statement that inserts the events, from the rows it actually inserted (a redelivered event is never counted twice);
-- not partitioned and never dropped by the retention (V4). The usage API reads whole hours from it: group_by=hour
-- cannot use the day rollup, and 30 days of minutes are up to 43,200 rows per tenant, key and model (issue 15).
CREATE TABLE usage_hour (
    bucket             TIMESTAMPTZ NOT NULL,   -- start of the UTC hour
    tenant_id          TEXT        NOT NULL,
    key_id             TEXT        NOT NULL,
    model_alias        TEXT        NOT NULL,
    real_model         TEXT        NOT NULL,
    provider           TEXT        NOT NULL,
    requests           BIGINT      NOT NULL,
    prompt_tokens      BIGINT      NOT NULL,
    completion_tokens  BIGINT      NOT NULL,
    cost               NUMERIC     NOT NULL,
    cached_tokens      BIGINT      NOT NULL DEFAULT 0,
    cache_write_tokens BIGINT      NOT NULL DEFAULT 0,
    reasoning_tokens   BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, tenant_id, key_id, model_alias, real_model, provider)
);
CREATE INDEX usage_hour_tenant_idx ON usage_hour (tenant_id, bucket);

-- Usage stored before this migration, from the minute rollup (it holds every event since V2, exactly, and is smaller
-- than the events; it also covers events the retention already dropped). An hour is whole minutes, so the sums per
-- hour of the minute buckets are exactly the sums of the hour's events. (Stop replicas of the previous version before
-- migrating: they would keep inserting events without the hour rollup.)
INSERT INTO usage_hour (bucket, tenant_id, key_id, model_alias, real_model, provider, requests, prompt_tokens,
                        completion_tokens, cost, cached_tokens, cache_write_tokens, reasoning_tokens)
SELECT date_trunc('hour', bucket, 'UTC'), tenant_id, key_id, model_alias, real_model, provider, sum(requests),
       sum(prompt_tokens), sum(completion_tokens), sum(cost), sum(cached_tokens), sum(cache_write_tokens),
       sum(reasoning_tokens)
FROM usage_minute GROUP BY 1, 2, 3, 4, 5, 6;
