-- Per-alias routing policy: how the gateway picks among the alias's deployments, how often it may fail over,
-- and its timeouts. An alias without a row uses the defaults below.
CREATE TABLE model_aliases (
    alias                 TEXT PRIMARY KEY,
    strategy              TEXT        NOT NULL DEFAULT 'weighted' CHECK (strategy IN ('weighted', 'latency')),
    max_attempts          INTEGER     NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
    connect_timeout_ms    INTEGER     NOT NULL DEFAULT 5000 CHECK (connect_timeout_ms BETWEEN 10 AND 600000),
    first_byte_timeout_ms INTEGER     NOT NULL DEFAULT 120000 CHECK (first_byte_timeout_ms BETWEEN 10 AND 3600000),
    idle_timeout_ms       INTEGER     NOT NULL DEFAULT 60000 CHECK (idle_timeout_ms BETWEEN 10 AND 3600000),
    total_timeout_ms      INTEGER     NOT NULL DEFAULT 600000 CHECK (total_timeout_ms BETWEEN 10 AND 7200000),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
