-- Phishing triage: one summary row per triaged message, and the office's
-- list of known senders.
--
-- The message body and attachments are never stored: constituents'
-- casework is sensitive, and the verdict, its reasons and the message's
-- SHA-256 (to recognise the same message again) are all that is needed.
-- Times are whole microseconds since the Unix epoch, as in the core tables.
CREATE TABLE phish_reports (
    id              TEXT    NOT NULL PRIMARY KEY,
    office_id       TEXT    NOT NULL REFERENCES offices (id),
    reported_at     INTEGER NOT NULL,
    reported_by     TEXT,
    source          TEXT    NOT NULL CHECK (source IN ('upload', 'mailbox', 'cli')),
    subject         TEXT    NOT NULL,
    from_address    TEXT    NOT NULL,
    message_sha256  TEXT    NOT NULL,
    verdict         TEXT    NOT NULL CHECK (verdict IN ('phishing', 'suspicious', 'clean')),
    score           INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    -- A JSON array of {code, weight, explanation}.
    reasons         TEXT    NOT NULL,
    outcome         TEXT    CHECK (outcome IN ('safe', 'phishing')),
    outcome_by      TEXT,
    outcome_at      INTEGER
) STRICT;

-- The office's recent reports, newest first.
CREATE INDEX phish_reports_by_office ON phish_reports (office_id, reported_at, id);
-- What triage learns from the office's calls.
CREATE INDEX phish_reports_by_outcome ON phish_reports (office_id, outcome, from_address);

CREATE TABLE phish_senders (
    office_id  TEXT    NOT NULL REFERENCES offices (id),
    value      TEXT    NOT NULL,
    note       TEXT    NOT NULL,
    added_by   TEXT    NOT NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (office_id, value)
) STRICT;
