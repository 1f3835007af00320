-- pgconsole's central history store (pgconsole record --to): its own schema, installed once
-- by a role that may create it; recorders then need INSERT/SELECT and EXECUTE on the functions
-- (partitions are created and dropped through them, as their owner), readers SELECT.
CREATE SCHEMA IF NOT EXISTS pgconsole_history;
CREATE TABLE IF NOT EXISTS pgconsole_history.meta (
    key text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE IF NOT EXISTS pgconsole_history.servers (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    target text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- the dataclass layouts a server's records use (ids are the recorder's own, per server)
CREATE TABLE IF NOT EXISTS pgconsole_history.types (
    server_id integer NOT NULL REFERENCES pgconsole_history.servers ON DELETE CASCADE,
    id integer NOT NULL,
    name text NOT NULL,
    fields text NOT NULL,
    PRIMARY KEY (server_id, id)
);
-- a day's partition of the records (UTC days), created on demand by any recorder
CREATE OR REPLACE FUNCTION pgconsole_history.ensure_partition(day date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    part text := 'records_' || to_char(day, 'YYYYMMDD');
BEGIN
    IF to_regclass(format('pgconsole_history.%I', part)) IS NULL THEN
        -- two recorders may get here at once: the second one's CREATE finds the first one's table
        BEGIN
            EXECUTE format('CREATE TABLE pgconsole_history.%I PARTITION OF pgconsole_history.records '
                           'FOR VALUES FROM (%L) TO (%L)', part,
                           day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            NULL;
        END;
    END IF;
    RETURN part;
END
$fn$;
-- retention: whole days end before the cutoff; dropping a partition is the whole cost
CREATE OR REPLACE FUNCTION pgconsole_history.drop_partitions_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    part text;
BEGIN
    FOR part IN
        SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'pgconsole_history.records'::regclass AND c.relname ~ '^records_[0-9]{8}$'
          AND (to_date(substr(c.relname, 9), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE pgconsole_history.%I', part);
        RETURN NEXT part;
    END LOOP;
END
$fn$;
-- size retention: the oldest day goes, never the one holding keep_from
CREATE OR REPLACE FUNCTION pgconsole_history.drop_oldest_partition(keep_from timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    part text;
BEGIN
    SELECT c.relname::text INTO part FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'pgconsole_history.records'::regclass AND c.relname ~ '^records_[0-9]{8}$'
      AND (to_date(substr(c.relname, 9), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= keep_from
    ORDER BY c.relname LIMIT 1;
    IF part IS NOT NULL THEN
        EXECUTE format('DROP TABLE pgconsole_history.%I', part);
    END IF;
    RETURN part;
END
$fn$;
