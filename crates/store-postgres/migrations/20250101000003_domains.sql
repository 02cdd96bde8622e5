-- The domains an office watches, and the distinct states their checks found.
--
-- Tables are created unqualified, in the first schema of search_path, as in
-- the core migration. domain is COLLATE "C" so that listing by name is byte
-- order, the order SQLite uses, whatever the database locale, and the
-- primary key (office_id, domain) serves that listing too.
CREATE TABLE watched_domains (
    office_id        uuid        NOT NULL REFERENCES offices (id),
    domain           text        COLLATE "C" NOT NULL,
    added_at         timestamptz NOT NULL,
    added_by         text        NOT NULL,
    last_checked_at  timestamptz,
    PRIMARY KEY (office_id, domain)
);

-- The scheduled re-check looks across offices for the never-checked and the
-- stalest first.
CREATE INDEX watched_domains_by_last_check ON watched_domains (last_checked_at NULLS FIRST, added_at);

-- One row per distinct state, not per check; ids order states in time.
CREATE TABLE domain_states (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    office_id      uuid        NOT NULL,
    domain         text        COLLATE "C" NOT NULL,
    first_seen_at  timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    state_key      text        NOT NULL,
    worst          text        NOT NULL,
    report_json    text        NOT NULL,
    -- Unwatching a domain forgets its history.
    FOREIGN KEY (office_id, domain) REFERENCES watched_domains (office_id, domain) ON DELETE CASCADE
);

-- A domain's history, newest first; also serves the cascade.
CREATE INDEX domain_states_by_domain ON domain_states (office_id, domain, id);
