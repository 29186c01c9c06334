-- Audit log of every admin write and key operation. Secrets never appear in before/after (masked views).
CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_key_id TEXT        NOT NULL,               -- the admin key that acted ('system' for the platform itself)
    action       TEXT        NOT NULL,               -- create, update, delete, revoke, rotate, apply, ...
    object_type  TEXT        NOT NULL,               -- provider, route, tenant, key, price, config
    object_id    TEXT        NOT NULL,
    before       JSONB,
    after        JSONB,
    request_id   TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, at);

-- Quotas and limits (enforced by the gateway with Redis); NULL = no limit.
ALTER TABLE tenants
    ADD COLUMN rpm_limit           INTEGER CHECK (rpm_limit >= 0),
    ADD COLUMN tpm_limit           INTEGER CHECK (tpm_limit >= 0),
    ADD COLUMN daily_token_quota   BIGINT CHECK (daily_token_quota >= 0),
    ADD COLUMN monthly_token_quota BIGINT CHECK (monthly_token_quota >= 0),
    ADD COLUMN daily_cost_budget   NUMERIC(20, 6) CHECK (daily_cost_budget >= 0),
    ADD COLUMN monthly_cost_budget NUMERIC(20, 6) CHECK (monthly_cost_budget >= 0);

ALTER TABLE api_keys
    ADD COLUMN rpm_limit           INTEGER CHECK (rpm_limit >= 0),
    ADD COLUMN tpm_limit           INTEGER CHECK (tpm_limit >= 0),
    ADD COLUMN daily_token_quota   BIGINT CHECK (daily_token_quota >= 0),
    ADD COLUMN monthly_token_quota BIGINT CHECK (monthly_token_quota >= 0),
    ADD COLUMN daily_cost_budget   NUMERIC(20, 6) CHECK (daily_cost_budget >= 0),
    ADD COLUMN monthly_cost_budget NUMERIC(20, 6) CHECK (monthly_cost_budget >= 0),
    -- HMAC request signing (opt-in): the per-key signing secret, encrypted like provider keys
    ADD COLUMN signing_secret      TEXT,
    ADD COLUMN rotated_at          TIMESTAMPTZ;
