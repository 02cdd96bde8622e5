-- Phishing triage: one summary row per triaged message, and the office's
-- list of known senders.
--
-- The message body and attachments are never stored: constituents'
-- casework is sensitive, and the verdict, its reasons and the message's
-- SHA-256 (to recognise the same message again) are all that is needed.
-- Text compared or listed in order is COLLATE "C": byte order, as SQLite.
CREATE TABLE phish_reports (
    id              uuid        NOT NULL PRIMARY KEY,
    office_id       uuid        NOT NULL REFERENCES offices (id),
    reported_at     timestamptz NOT NULL,
    reported_by     uuid,
    source          text        NOT NULL CHECK (source IN ('upload', 'mailbox', 'cli')),
    subject         text        NOT NULL,
    from_address    text        COLLATE "C" NOT NULL,
    message_sha256  text        NOT NULL,
    verdict         text        NOT NULL CHECK (verdict IN ('phishing', 'suspicious', 'clean')),
    score           smallint    NOT NULL CHECK (score BETWEEN 0 AND 100),
    -- A JSON array of {code, weight, explanation}, kept as text exactly as
    -- written so both stores read back the same bytes.
    reasons         text        NOT NULL,
    outcome         text        CHECK (outcome IN ('safe', 'phishing')),
    outcome_by      text,
    outcome_at      timestamptz
);

-- The office's recent reports, newest first.
CREATE INDEX phish_reports_by_office ON phish_reports (office_id, reported_at, id);
-- What triage learns from the office's calls.
CREATE INDEX phish_reports_by_outcome ON phish_reports (office_id, outcome, from_address);

CREATE TABLE phish_senders (
    office_id  uuid        NOT NULL REFERENCES offices (id),
    value      text        COLLATE "C" NOT NULL,
    note       text        NOT NULL,
    added_by   text        NOT NULL,
    added_at   timestamptz NOT NULL,
    PRIMARY KEY (office_id, value)
);
