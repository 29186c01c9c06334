-- Helper of bench/metering-scale.sh: public.bench_seed_day(day, n, tenants) seeds one UTC day of gateway-shaped usage
-- into its own partition of metering.usage_events, and that day's minute, hour and day rollups, in one transaction.
--
-- The partition is made the way bulk loads are: created standalone (LIKE usage_events), loaded with one INSERT ...
-- SELECT from generate_series (bigint), indexed afterwards (the indexes usage_events' own would create), given a
-- CHECK constraint equal to the partition bound (so ATTACH need not scan it again) and attached under the name the
-- retention looks for (usage_events_YYYYMMDD). The minute and day rollups are aggregated from the loaded partition, so
-- they equal its events exactly; the hour rollup from that day's minute rows just written (fewer rows to read, and
-- equal to the events as well: an hour is whole minutes, and only this call writes that day's minutes). Rows: n per day at even intervals; tenants skewed (tenant-0 busiest: u² over `tenants`),
-- 3 keys per tenant, the 4 aliases of bench/MeteringThroughput.java priced from public.model_prices, 4 cost
-- multipliers, tokens as the benchmark's fill draws them. Request ids seed-<day>-<n> never meet the fill's bench-<n>.
CREATE TABLE IF NOT EXISTS public.bench_models AS
SELECT m.i, m.alias, m.provider, m.real_model, p.input_per_million, p.output_per_million
FROM (VALUES (0, 'nexus-gpt4', 'openai', 'gpt-4o'), (1, 'nexus-mini', 'openai', 'gpt-4o-mini'),
             (2, 'nexus-claude', 'anthropic', 'claude-3-5-sonnet-latest'), (3, 'nexus-deepseek', 'deepseek', 'deepseek-chat'))
     AS m (i, alias, provider, real_model)
JOIN public.model_prices p ON p.model = m.real_model;

CREATE OR REPLACE FUNCTION public.bench_seed_day(day date, n bigint, tenants integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    part text := 'usage_events_' || to_char(day, 'YYYYMMDD');
    lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
    hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
    rollup text := 'tenant_id, key_id, model_alias, real_model, provider, requests, prompt_tokens, completion_tokens, cost,'
                   ' cached_tokens, cache_write_tokens, reasoning_tokens';
BEGIN
    EXECUTE format('CREATE TABLE metering.%I (LIKE metering.usage_events INCLUDING DEFAULTS)', part);
    EXECUTE format($q$
        INSERT INTO metering.%I (request_id, occurred_at, tenant_id, key_id, endpoint, model_alias, provider, real_model,
            stream, status, prompt_tokens, completion_tokens, total_tokens, latency_ms, cost_multiplier, cost, currency,
            priced, recorded_at)
        SELECT 'seed-' || to_char($1, 'YYYYMMDD') || '-' || g, $2 + (g * 86400000 / $3) * interval '1 millisecond',
            'tenant-' || t, 'key-' || t || '-' || (h2 %% 3), 'chat.completions', m.alias, m.provider, m.real_model,
            (h2 %% 10) = 0, 200, pt, ct, pt + ct, 20 + h2 %% 200, mul,
            (m.input_per_million * pt + m.output_per_million * ct) / 1000000 * mul, 'USD', true,
            $2 + (g * 86400000 / $3) * interval '1 millisecond'
        FROM (SELECT g, floor($4 * power((hashint8(g + $5) & 2147483647)::float8 / 2147483648, 2))::int AS t,
                     hashint8(g * 7 + $5) & 2147483647 AS h2, hashint8(g * 13 + $5) & 2147483647 AS h3
              FROM generate_series(0::bigint, $3 - 1) g) x
        CROSS JOIN LATERAL (SELECT 10 + h3 %% 2000 AS pt, 1 + (h3 / 2000) %% 1000 AS ct,
                                   (ARRAY[1, 1.2, 0.85, 1.333333]::numeric[])[1 + (h2 / 10) %% 4] AS mul) v
        JOIN public.bench_models m ON m.i = (h3 / 2000000) %% 4
        $q$, part) USING day, lo, n, tenants, (day - date '2000-01-01')::bigint * 1000000000;
    EXECUTE format('ALTER TABLE metering.%I ADD PRIMARY KEY (request_id, occurred_at)', part);
    EXECUTE format('CREATE INDEX ON metering.%I (tenant_id, occurred_at)', part);
    EXECUTE format('CREATE INDEX ON metering.%I (occurred_at)', part);
    EXECUTE format('CREATE INDEX ON metering.%I (client_request_id) WHERE client_request_id IS NOT NULL', part);
    EXECUTE format('ALTER TABLE metering.%I ADD CONSTRAINT %I CHECK (occurred_at >= %L AND occurred_at < %L)',
                   part, part || '_bound', lo, hi);
    EXECUTE format('INSERT INTO metering.usage_minute (bucket, %s) SELECT date_trunc(''minute'', occurred_at, ''UTC''),'
                   ' tenant_id, key_id, model_alias, real_model, provider, count(*), sum(prompt_tokens), sum(completion_tokens),'
                   ' sum(cost), 0, 0, 0 FROM metering.%I GROUP BY 1, 2, 3, 4, 5, 6', rollup, part);
    EXECUTE format('INSERT INTO metering.usage_hour (bucket, %s) SELECT date_trunc(''hour'', bucket, ''UTC''),'
                   ' tenant_id, key_id, model_alias, real_model, provider, sum(requests), sum(prompt_tokens),'
                   ' sum(completion_tokens), sum(cost), 0, 0, 0 FROM metering.usage_minute WHERE bucket >= $1 AND bucket < $2'
                   ' GROUP BY 1, 2, 3, 4, 5, 6', rollup) USING lo, hi;
    EXECUTE format('INSERT INTO metering.usage_daily (bucket, %s) SELECT date_trunc(''day'', occurred_at, ''UTC''),'
                   ' tenant_id, key_id, model_alias, real_model, provider, count(*), sum(prompt_tokens), sum(completion_tokens),'
                   ' sum(cost), 0, 0, 0 FROM metering.%I GROUP BY 1, 2, 3, 4, 5, 6', rollup, part);
    EXECUTE format('ALTER TABLE metering.usage_events ATTACH PARTITION metering.%I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
END $$;
