-- Offices, the people in them, and the append-only audit log.
--
-- STRICT tables make SQLite refuse a value of the wrong type instead of
-- storing it silently. Identifiers are lower-case hyphenated UUID text;
-- times are whole microseconds since the Unix epoch (UTC), the precision
-- PostgreSQL keeps, so both backends read back the same instant.

CREATE TABLE offices (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    demo        INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1))
) STRICT;

-- list_offices reads oldest first.
CREATE INDEX offices_by_creation ON offices (created_at, id);

CREATE TABLE people (
    id          TEXT    NOT NULL PRIMARY KEY,
    office_id   TEXT    NOT NULL REFERENCES offices (id),
    name        TEXT    NOT NULL,
    email       TEXT,
    role        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- Every read of people names one office; list_people sorts by name.
CREATE INDEX people_by_office_and_name ON people (office_id, name, id);

-- AUTOINCREMENT so that a sequence number is never handed out twice, even
-- if the newest row were somehow removed.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id   TEXT    NOT NULL REFERENCES offices (id),
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT,
    detail      TEXT    NOT NULL
) STRICT;

-- Every read of the log names one office and pages newest first by seq.
CREATE INDEX audit_log_by_office ON audit_log (office_id, seq);

-- The code never updates or deletes audit entries; these triggers make the
-- database itself refuse, so a hand-run statement cannot rewrite history.
CREATE TRIGGER audit_log_refuses_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed');
END;

CREATE TRIGGER audit_log_refuses_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be removed');
END;
