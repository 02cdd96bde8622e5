-- Offices, the people in them, and the append-only audit log.
--
-- Every table is created unqualified, in the first schema of search_path, so
-- a deployment (or a test) can keep Portcullis in a schema of its own.
-- Times are timestamptz, which keeps exactly microseconds: what Portcullis
-- writes reads back as the same instant.

CREATE TABLE offices (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL,
    demo        boolean     NOT NULL DEFAULT false
);

-- list_offices reads oldest first.
CREATE INDEX offices_by_creation ON offices (created_at, id);

CREATE TABLE people (
    id          uuid        PRIMARY KEY,
    office_id   uuid        NOT NULL REFERENCES offices (id),
    name        text        NOT NULL,
    email       text,
    role        text        NOT NULL,
    created_at  timestamptz NOT NULL
);

-- Every read of people names one office; list_people sorts by name in byte
-- order (COLLATE "C"), the order SQLite uses, whatever the database locale.
CREATE INDEX people_by_office_and_name ON people (office_id, name COLLATE "C", id);

CREATE TABLE audit_log (
    seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    office_id   uuid        NOT NULL REFERENCES offices (id),
    at          timestamptz NOT NULL,
    actor       text        NOT NULL,
    action      text        NOT NULL,
    target      text,
    detail      text        NOT NULL
);

-- Every read of the log names one office and pages newest first by seq.
CREATE INDEX audit_log_by_office ON audit_log (office_id, seq);

-- The code never updates or deletes audit entries; these triggers make the
-- database itself refuse, so a hand-run statement cannot rewrite history.
-- (A superuser can still drop the trigger; that is an act the server logs.)
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER audit_log_refuses_update_and_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_refuses_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
