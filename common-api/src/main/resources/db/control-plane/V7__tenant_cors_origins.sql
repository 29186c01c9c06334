-- Browser origins allowed to call the model APIs with a tenant's keys (CORS), beside the gateway-wide list
-- (NEXUS_GATEWAY_CORS_ORIGINS). Empty: the tenant's keys are for servers only, as before. V7: V6 is taken by the
-- bedrock provider kind.
ALTER TABLE tenants ADD COLUMN cors_origins TEXT[] NOT NULL DEFAULT '{}';
