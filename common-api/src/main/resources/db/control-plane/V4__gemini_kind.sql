-- Providers may speak Google's Gemini API (kind 'gemini'): widen the kind check of service_providers.
-- The V1 check is an unnamed column constraint, so PostgreSQL named it <table>_<column>_check.
ALTER TABLE service_providers DROP CONSTRAINT IF EXISTS service_providers_kind_check;
ALTER TABLE service_providers ADD CONSTRAINT service_providers_kind_check
    CHECK (kind IN ('openai', 'azure', 'anthropic', 'gemini'));
