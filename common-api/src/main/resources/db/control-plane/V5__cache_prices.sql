-- Prompt-cache rates per 1M tokens. cached_input: input tokens read from the provider's prompt cache (OpenAI
-- prompt_tokens_details.cached_tokens, Anthropic cache_read_input_tokens); cache_write: input tokens written to it
-- (Anthropic cache_creation_input_tokens). NULL = the model has no such rate: those tokens cost the input rate.
ALTER TABLE model_prices
    ADD COLUMN cached_input_per_million NUMERIC(20, 10) CHECK (cached_input_per_million >= 0),
    ADD COLUMN cache_write_per_million  NUMERIC(20, 10) CHECK (cache_write_per_million >= 0);

-- Published list prices (USD) of the preloaded models. OpenAI: cached input is 50% of input for the gpt-4o and
-- o-series, 25% for gpt-4.1; no cache write charge. Anthropic: cache read 0.1 x input, 5-minute cache write
-- 1.25 x input. DeepSeek: cache hit price. Models without prompt caching keep NULL. Only rows still at their
-- preloaded input price are touched: a price an operator changed is left to the operator.
UPDATE model_prices mp SET cached_input_per_million = v.cached, cache_write_per_million = v.write, updated_at = now()
FROM (VALUES
    ('gpt-4o', 2.50, 1.25, NULL::numeric),
    ('gpt-4o-mini', 0.15, 0.075, NULL),
    ('gpt-4.1', 2.00, 0.50, NULL),
    ('gpt-4.1-mini', 0.40, 0.10, NULL),
    ('gpt-4.1-nano', 0.10, 0.025, NULL),
    ('o3-mini', 1.10, 0.55, NULL),
    ('claude-3-5-sonnet-latest', 3.00, 0.30, 3.75),
    ('claude-sonnet-4-20250514', 3.00, 0.30, 3.75),
    ('claude-3-5-haiku-latest', 0.80, 0.08, 1.00),
    ('claude-3-opus-latest', 15.00, 1.50, 18.75),
    ('deepseek-chat', 0.27, 0.07, NULL)
) AS v(model, input, cached, write)
WHERE mp.model = v.model AND mp.input_per_million = v.input;
