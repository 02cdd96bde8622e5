-- Accounts and the records that protect sign-in: sessions, recovery codes,
-- throttles, invitations and passkeys.
--
-- Secrets never arrive in the clear: password hashes, sealed TOTP secrets,
-- CSRF secrets and token digests are stored as the text the caller gives.
-- Times are whole microseconds since the Unix epoch, as in the core tables.

-- office_id is NULL only for the central operator, who belongs to no office.
--
-- email_key is the whole address lower-cased by Portcullis (Rust's Unicode
-- lower-casing) before it is written. It is unique, so "Sam@x.uk" and
-- "sam@x.uk" cannot be two accounts, and sign-in looks addresses up by it.
-- It is computed in the application rather than with SQL lower() because
-- SQLite's lower() folds only ASCII while PostgreSQL's follows the database
-- locale: one rule in one place keeps both backends identical.
CREATE TABLE users (
    id                  TEXT    NOT NULL PRIMARY KEY,
    office_id           TEXT    REFERENCES offices (id),
    email               TEXT    NOT NULL,
    email_key           TEXT    NOT NULL UNIQUE,
    name                TEXT    NOT NULL,
    role                TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    password_changed_at INTEGER NOT NULL,
    totp_sealed         TEXT,
    totp_last_step      INTEGER,
    second_factor_at    INTEGER,
    failed_logins       INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until        INTEGER,
    suspended           INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
    created_at          INTEGER NOT NULL
) STRICT;

-- list_users reads one office, by name then email.
CREATE INDEX users_by_office_and_name ON users (office_id, name, email, id);

-- Recovery codes are single-use: used_at is set once and never cleared. The
-- primary key doubles as the index on user_id.
CREATE TABLE recovery_codes (
    user_id     TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER,
    PRIMARY KEY (user_id, digest)
) STRICT;

-- id_hash is a digest of the cookie token: a copy of this table signs no one in.
CREATE TABLE sessions (
    id_hash       TEXT    NOT NULL PRIMARY KEY,
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage         TEXT    NOT NULL,
    csrf_secret   TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    ip            TEXT
) STRICT;

-- "Sign out everywhere" finds an account's sessions; the sweep finds expired
-- ones. last_seen_at is deliberately not indexed: it changes on every request,
-- and the sweep that reads it is rare and the table small.
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One row per throttled key (an address, an account): the current window and
-- how many events it has seen.
CREATE TABLE throttles (
    key           TEXT    NOT NULL PRIMARY KEY,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL CHECK (count >= 0)
) STRICT;

CREATE TABLE invitations (
    token_hash  TEXT    NOT NULL PRIMARY KEY,
    office_id   TEXT    NOT NULL REFERENCES offices (id),
    email       TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    invited_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;

-- list_invitations reads one office, newest first; a purge of old invitations
-- reads by expiry.
CREATE INDEX invitations_by_office ON invitations (office_id, created_at);
CREATE INDEX invitations_by_expiry ON invitations (expires_at);

CREATE TABLE passkeys (
    credential_id  TEXT    NOT NULL PRIMARY KEY,
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    data           TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER
) STRICT;

CREATE INDEX passkeys_by_user ON passkeys (user_id);
