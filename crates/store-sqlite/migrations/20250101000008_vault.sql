-- Password audits: one row per audit of one person's password-manager
-- export, holding the audit's summary and per-entry findings as JSON text
-- the app wrote.
--
-- No password, hash or other secret from the export is ever stored here:
-- the export is audited where it is read, and only the findings arrive.
-- Times are whole microseconds since the Unix epoch, as in the core tables.

-- Lets vault_audits require that its user belongs to its office. users.id is
-- already unique, so this index never refuses a row users could hold.
CREATE UNIQUE INDEX users_by_id_and_office ON users (id, office_id);

CREATE TABLE vault_audits (
    id            TEXT    NOT NULL PRIMARY KEY,
    office_id     TEXT    NOT NULL REFERENCES offices (id),
    -- Whose password manager: an account of this same office (the foreign
    -- key below refuses an account of another office, or the operator).
    user_id       TEXT    NOT NULL,
    recorded_at   INTEGER NOT NULL,
    recorded_by   TEXT,
    source        TEXT    NOT NULL CHECK (source IN ('upload', 'cli')),
    format        TEXT    NOT NULL,
    entries       INTEGER NOT NULL CHECK (entries >= 0),
    needs_action  INTEGER NOT NULL CHECK (needs_action >= 0),
    summary_json  TEXT    NOT NULL,
    entries_json  TEXT    NOT NULL,
    FOREIGN KEY (user_id, office_id) REFERENCES users (id, office_id)
) STRICT;

-- One person's audits newest first, and the newest audit of each person of
-- the office: both read this index in order.
CREATE INDEX vault_audits_by_user ON vault_audits (office_id, user_id, recorded_at, id);
