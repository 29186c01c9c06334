-- Providers may be AWS Bedrock (kind 'bedrock'): widen the kind check of service_providers (see V4 for its name).
-- A Bedrock provider signs its requests for one AWS region, so it must have one. Its api_key column holds the
-- encrypted access key id, secret access key and optional session token (io.nexusai.api.crypto.AwsKeys).
ALTER TABLE service_providers DROP CONSTRAINT IF EXISTS service_providers_kind_check;
ALTER TABLE service_providers ADD CONSTRAINT service_providers_kind_check
    CHECK (kind IN ('openai', 'azure', 'anthropic', 'gemini', 'bedrock'));
ALTER TABLE service_providers ADD CONSTRAINT service_providers_bedrock_region_check
    CHECK (kind <> 'bedrock' OR region IS NOT NULL);
