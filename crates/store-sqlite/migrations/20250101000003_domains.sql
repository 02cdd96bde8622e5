-- The domains an office watches, and the distinct states their checks found.
--
-- Times are whole microseconds since the Unix epoch, as in the core tables.
-- The primary key (office_id, domain) is also the index every per-office
-- read of watched_domains uses; domain is compared byte for byte (SQLite's
-- BINARY collation), so listing by name is the same order as PostgreSQL's
-- COLLATE "C".
CREATE TABLE watched_domains (
    office_id        TEXT    NOT NULL REFERENCES offices (id),
    domain           TEXT    NOT NULL,
    added_at         INTEGER NOT NULL,
    added_by         TEXT    NOT NULL,
    last_checked_at  INTEGER,
    PRIMARY KEY (office_id, domain)
) STRICT;

-- The scheduled re-check looks across offices for the never-checked and the
-- stalest first (NULLs sort first in SQLite).
CREATE INDEX watched_domains_by_last_check ON watched_domains (last_checked_at, added_at);

-- One row per distinct state, not per check. AUTOINCREMENT so that an id is
-- never handed out twice, even after a domain (and its history) is removed:
-- ids order states in time.
CREATE TABLE domain_states (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id      TEXT    NOT NULL,
    domain         TEXT    NOT NULL,
    first_seen_at  INTEGER NOT NULL,
    last_seen_at   INTEGER NOT NULL,
    state_key      TEXT    NOT NULL,
    worst          TEXT    NOT NULL,
    report_json    TEXT    NOT NULL,
    -- Unwatching a domain forgets its history (foreign keys are on for every
    -- connection; see open.rs).
    FOREIGN KEY (office_id, domain) REFERENCES watched_domains (office_id, domain) ON DELETE CASCADE
) STRICT;

-- A domain's history, newest first; also serves the cascade.
CREATE INDEX domain_states_by_domain ON domain_states (office_id, domain, id);
