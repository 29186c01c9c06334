-- Route deltas: what changed in which configuration version, so routing-service can answer a gateway that holds
-- version N with only the aliases that changed after N instead of the whole route table.
--
-- The change log is written by the database itself, in the transaction of the write, by deferred row triggers on
-- every table the route snapshot is built from. That covers every writer and every path (admin API, apply, key
-- re-encryption, ON DELETE CASCADE of a provider's routes) without each service method having to say what it
-- touched. The triggers run at commit, after the transaction's config_version increment, so each change carries
-- the version the transaction commits (the increment holds the config_version row lock until the commit, so no
-- other writer can commit in between).
--
-- A change is recorded by scope: 'alias' (a route's alias, old and new, or an alias policy), 'provider' (its id:
-- every alias with a route to it is affected) and 'price' (a real model: every alias with a route to it).
-- routing-service resolves providers and prices to aliases when it builds a delta.

-- changes_kept: how many versions of changes are kept; changes_since: deltas are complete for any version from here
-- on (changes of versions up to it have been pruned; before this migration none were recorded).
ALTER TABLE config_version
    ADD COLUMN changes_kept  INTEGER NOT NULL DEFAULT 1000 CHECK (changes_kept >= 1),
    ADD COLUMN changes_since BIGINT;
UPDATE config_version SET changes_since = version;
ALTER TABLE config_version ALTER COLUMN changes_since SET NOT NULL;

CREATE TABLE config_changes (
    version BIGINT NOT NULL,
    scope   TEXT   NOT NULL CHECK (scope IN ('alias', 'provider', 'price')),
    key     TEXT   NOT NULL,
    PRIMARY KEY (version, scope, key)
);

CREATE FUNCTION record_config_change(change_scope TEXT, change_key TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO config_changes (version, scope, key)
    SELECT version, change_scope, change_key FROM config_version WHERE id = 1
    ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION model_routes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM record_config_change('alias', OLD.model_alias);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM record_config_change('alias', NEW.model_alias);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION model_aliases_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_config_change('alias', CASE WHEN TG_OP = 'DELETE' THEN OLD.alias ELSE NEW.alias END);
    RETURN NULL;
END
$$;

CREATE FUNCTION service_providers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_config_change('provider', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
    RETURN NULL;
END
$$;

CREATE FUNCTION model_prices_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_config_change('price', CASE WHEN TG_OP = 'DELETE' THEN OLD.model ELSE NEW.model END);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER model_routes_changes AFTER INSERT OR UPDATE OR DELETE ON model_routes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION model_routes_changed();
CREATE CONSTRAINT TRIGGER model_aliases_changes AFTER INSERT OR UPDATE OR DELETE ON model_aliases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION model_aliases_changed();
CREATE CONSTRAINT TRIGGER service_providers_changes AFTER INSERT OR UPDATE OR DELETE ON service_providers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION service_providers_changed();
CREATE CONSTRAINT TRIGGER model_prices_changes AFTER INSERT OR UPDATE OR DELETE ON model_prices
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION model_prices_changed();

-- Every increment prunes the changes older than the kept window and moves changes_since with it.
CREATE FUNCTION config_version_pruned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changes_since := GREATEST(OLD.changes_since, NEW.version - NEW.changes_kept);
    IF NEW.changes_since > OLD.changes_since THEN
        DELETE FROM config_changes WHERE version <= NEW.changes_since;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER config_version_prunes BEFORE UPDATE ON config_version
    FOR EACH ROW EXECUTE FUNCTION config_version_pruned();
