-- Prompt-cache and reasoning tokens, recorded per request and summed in the rollups. They are parts of the counts
-- already there, never added to them: cached_tokens (read from the provider's prompt cache) and cache_write_tokens
-- (written to it) are of prompt_tokens, reasoning_tokens of completion_tokens. The cost prices cached and
-- cache-write tokens at their own rates. Events and rollups stored before: 0 (nothing was known about them).
ALTER TABLE usage_events
    ADD COLUMN cached_tokens      BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_tokens BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN reasoning_tokens   BIGINT NOT NULL DEFAULT 0;

ALTER TABLE usage_minute
    ADD COLUMN cached_tokens      BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_tokens BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN reasoning_tokens   BIGINT NOT NULL DEFAULT 0;

ALTER TABLE usage_daily
    ADD COLUMN cached_tokens      BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_tokens BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN reasoning_tokens   BIGINT NOT NULL DEFAULT 0;
