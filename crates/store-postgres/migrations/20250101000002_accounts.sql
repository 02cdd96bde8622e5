-- Accounts and the records that protect sign-in: sessions, recovery codes,
-- throttles, invitations and passkeys.
--
-- Secrets never arrive in the clear: password hashes, sealed TOTP secrets,
-- CSRF secrets and token digests are stored as the text the caller gives.
-- Tables are created unqualified, in the first schema of search_path, as in
-- the core migration.

-- office_id is NULL only for the central operator, who belongs to no office.
--
-- email_key is the whole address lower-cased by Portcullis (Rust's Unicode
-- lower-casing) before it is written. It is unique, so "Sam@x.uk" and
-- "sam@x.uk" cannot be two accounts, and sign-in looks addresses up by it.
-- It is computed in the application rather than with SQL lower() because
-- PostgreSQL's lower() follows the database's locale (and SQLite's folds only
-- ASCII): one rule in one place keeps every deployment and both backends
-- identical.
CREATE TABLE users (
    id                  uuid        PRIMARY KEY,
    office_id           uuid        REFERENCES offices (id),
    email               text        NOT NULL,
    email_key           text        NOT NULL UNIQUE,
    name                text        NOT NULL,
    role                text        NOT NULL,
    password_hash       text        NOT NULL,
    password_changed_at timestamptz NOT NULL,
    totp_sealed         text,
    totp_last_step      bigint,
    second_factor_at    timestamptz,
    failed_logins       integer     NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until        timestamptz,
    suspended           boolean     NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL
);

-- list_users reads one office, by name then email in byte order (COLLATE
-- "C"), the order SQLite uses, whatever the database locale.
CREATE INDEX users_by_office_and_name ON users (office_id, name COLLATE "C", email COLLATE "C", id);

-- Recovery codes are single-use: used_at is set once and never cleared. The
-- primary key doubles as the index on user_id.
CREATE TABLE recovery_codes (
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (user_id, digest)
);

-- id_hash is a digest of the cookie token: a copy of this table signs no one in.
CREATE TABLE sessions (
    id_hash       text        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage         text        NOT NULL,
    csrf_secret   text        NOT NULL,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    ip            text
);

-- "Sign out everywhere" finds an account's sessions; the sweep finds expired
-- ones. last_seen_at is deliberately not indexed: it changes on every request
-- (an index on it would stop those updates being HOT), and the sweep that
-- reads it is rare and the table small.
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One row per throttled key (an address, an account): the current window and
-- how many events it has seen.
CREATE TABLE throttles (
    key           text        PRIMARY KEY,
    window_start  timestamptz NOT NULL,
    count         bigint      NOT NULL CHECK (count >= 0)
);

CREATE TABLE invitations (
    token_hash  text        PRIMARY KEY,
    office_id   uuid        NOT NULL REFERENCES offices (id),
    email       text        NOT NULL,
    name        text        NOT NULL,
    role        text        NOT NULL,
    invited_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- list_invitations reads one office, newest first; a purge of old invitations
-- reads by expiry.
CREATE INDEX invitations_by_office ON invitations (office_id, created_at);
CREATE INDEX invitations_by_expiry ON invitations (expires_at);

CREATE TABLE passkeys (
    credential_id  text        PRIMARY KEY,
    user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           text        NOT NULL,
    data           text        NOT NULL,
    created_at     timestamptz NOT NULL,
    last_used_at   timestamptz
);

CREATE INDEX passkeys_by_user ON passkeys (user_id);
