-- usage_events partitioned by time: RANGE on occurred_at, one partition per UTC day, named usage_events_YYYYMMDD,
-- plus a DEFAULT partition that takes any event no day partition exists for yet (clock skew, old replays, a
-- maintenance round that did not run): no event is ever refused for its time. metering-service creates the day
-- partitions ahead and drops those wholly older than NEXUS_USAGE_RETENTION with the two functions below
-- (docs/architecture.md, "Usage storage"). The rollups (usage_minute, usage_daily) are not partitioned and are never
-- dropped by the retention.
--
-- A partitioned table's unique constraints must contain the partition key: the primary key becomes
-- (request_id, occurred_at). A redelivered event is the same event — same request id, same occurred_at (the
-- gateway's timestamp, carried in the event) — so ON CONFLICT (request_id, occurred_at) still stores it once, and
-- the rollups, fed from the rows actually inserted, still count it once.
--
-- Conversion: the existing rows are copied (a day partition is created for every day they cover, so nothing lands
-- in the default partition), then the old table is dropped, all in this migration's transaction: it takes time in
-- proportion to the table. Replicas of the previous version still running fail their inserts afterwards (their
-- ON CONFLICT (request_id) matches no key any more): their events stay pending in the stream for the new version.

ALTER TABLE usage_events RENAME TO usage_events_v3;
ALTER TABLE usage_events_v3 RENAME CONSTRAINT usage_events_pkey TO usage_events_v3_pkey;
ALTER INDEX usage_events_tenant_time_idx RENAME TO usage_events_v3_tenant_time_idx;
ALTER INDEX usage_events_time_idx RENAME TO usage_events_v3_time_idx;
ALTER INDEX usage_events_client_request_idx RENAME TO usage_events_v3_client_request_idx;

-- the same columns, in the same order, with the same defaults
CREATE TABLE usage_events (LIKE usage_events_v3 INCLUDING DEFAULTS) PARTITION BY RANGE (occurred_at);
ALTER TABLE usage_events ADD CONSTRAINT usage_events_pkey PRIMARY KEY (request_id, occurred_at);
CREATE INDEX usage_events_tenant_time_idx ON usage_events (tenant_id, occurred_at);
CREATE INDEX usage_events_time_idx ON usage_events (occurred_at);
CREATE INDEX usage_events_client_request_idx ON usage_events (client_request_id) WHERE client_request_id IS NOT NULL;

CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT;

-- Creates the partition of one UTC day unless it exists; rows of that day in the default partition move into it.
-- Returns whether it created it. The new table is attached (SHARE UPDATE EXCLUSIVE on usage_events: inserts and
-- queries go on) rather than created as a partition (ACCESS EXCLUSIVE); attaching locks the default partition
-- ACCESS EXCLUSIVE to check it holds no row of that day, so it is locked first, before the rows are moved out of it.
CREATE FUNCTION metering.usage_events_ensure_partition(day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    part text := 'usage_events_' || to_char(day, 'YYYYMMDD');
    lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
    hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF to_regclass(format('metering.%I', part)) IS NOT NULL THEN
        RETURN false;
    END IF;
    LOCK TABLE metering.usage_events_default IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('CREATE TABLE metering.%I (LIKE metering.usage_events INCLUDING DEFAULTS)', part);
    EXECUTE format('WITH moved AS (DELETE FROM metering.usage_events_default WHERE occurred_at >= $1 AND occurred_at < $2'
                   ' RETURNING *) INSERT INTO metering.%I SELECT * FROM moved', part) USING lo, hi;
    EXECUTE format('ALTER TABLE metering.usage_events ATTACH PARTITION metering.%I FOR VALUES FROM (%L) TO (%L)',
                   part, lo, hi);
    RETURN true;
END $$;

-- One maintenance round's creations, safe with several replicas at once: the one holding the advisory lock does
-- it, the others skip (returning nothing). Creates the partitions of the UTC day of now_ and the ahead_ days after
-- it, and of every day the default partition holds rows of that the retention (NULL: none) keeps, moving the rows
-- into them. A partition whose locks are not granted within lock_timeout_ is left for the next round.
-- Returns the partitions created.
CREATE FUNCTION metering.usage_events_create_partitions(now_ timestamptz, ahead_ integer, retention_ interval,
                                                        lock_timeout_ text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    today date := (now_ AT TIME ZONE 'UTC')::date;
    keep_from date := CASE WHEN retention_ IS NULL THEN NULL ELSE ((now_ - retention_) AT TIME ZONE 'UTC')::date END;
    d date;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('metering.usage_events partitions', 0)) THEN
        RETURN;
    END IF;
    PERFORM set_config('lock_timeout', lock_timeout_, true);
    FOR d IN SELECT today + i FROM generate_series(0, ahead_) i
             UNION
             SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM metering.usage_events_default
             WHERE keep_from IS NULL OR occurred_at >= keep_from::timestamp AT TIME ZONE 'UTC'
             ORDER BY 1 LOOP
        BEGIN
            IF metering.usage_events_ensure_partition(d) THEN
                RETURN NEXT 'usage_events_' || to_char(d, 'YYYYMMDD');
            END IF;
        EXCEPTION WHEN lock_not_available THEN
            RAISE WARNING 'usage partition of % not created (locks not granted within %)', d, lock_timeout_;
        END;
    END LOOP;
END $$;

-- One maintenance round's retention, safe with several replicas at once as above. A day partition is dropped only
-- when it is wholly older than the retention: its end (the next midnight UTC) at or before now_ - retention_; the
-- rows the default partition holds of such days are deleted. Nothing else: other partitions, the rows of the day
-- now_ - retention_ falls in, and the rollups stay. Returns a row (partition dropped, NULL) per partition dropped,
-- and (NULL, rows deleted) when rows were deleted from the default partition.
CREATE FUNCTION metering.usage_events_drop_partitions(now_ timestamptz, retention_ interval, lock_timeout_ text)
    RETURNS TABLE (dropped text, purged bigint)
LANGUAGE plpgsql AS $$
DECLARE
    keep_from date := ((now_ - retention_) AT TIME ZONE 'UTC')::date;
    part text;
    n bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('metering.usage_events partitions', 0)) THEN
        RETURN;
    END IF;
    PERFORM set_config('lock_timeout', lock_timeout_, true);
    FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'metering.usage_events'::regclass AND c.relname ~ '^usage_events_[0-9]{8}$'
                  AND to_date(substr(c.relname, 14), 'YYYYMMDD') < keep_from
                ORDER BY 1 LOOP
        BEGIN
            EXECUTE format('DROP TABLE metering.%I', part);
            dropped := part;
            purged := NULL;
            RETURN NEXT;
        EXCEPTION WHEN lock_not_available THEN
            RAISE WARNING 'usage partition % not dropped (locks not granted within %)', part, lock_timeout_;
        END;
    END LOOP;
    BEGIN
        DELETE FROM metering.usage_events_default WHERE occurred_at < keep_from::timestamp AT TIME ZONE 'UTC';
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n > 0 THEN
            dropped := NULL;
            purged := n;
            RETURN NEXT;
        END IF;
    EXCEPTION WHEN lock_not_available THEN
        RAISE WARNING 'usage_events_default not purged (locks not granted within %)', lock_timeout_;
    END;
END $$;

-- the existing rows, each in its day's partition
SELECT metering.usage_events_ensure_partition(day)
FROM (SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date AS day FROM usage_events_v3) days;
INSERT INTO usage_events SELECT * FROM usage_events_v3;
DROP TABLE usage_events_v3;
