-- DMARC aggregate, SMTP TLS and failure reports, and the reverse-DNS cache.
--
-- Report periods (begin_at, end_at) are Unix seconds, as reports give them;
-- received_at and expires_at are whole microseconds like every other time.

-- One row per aggregate report; an office keeps a report once, however
-- often it arrives (by reporting organisation and report id).
CREATE TABLE dmarc_reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id    TEXT    NOT NULL REFERENCES offices (id),
    org_name     TEXT    NOT NULL,
    report_id    TEXT    NOT NULL,
    email        TEXT,
    domain       TEXT    NOT NULL,
    begin_at     INTEGER NOT NULL,
    end_at       INTEGER NOT NULL,
    schema       TEXT    NOT NULL,
    policy_p     TEXT,
    policy_pct   INTEGER,
    records      INTEGER NOT NULL DEFAULT 0,
    messages     INTEGER NOT NULL DEFAULT 0,
    received_at  INTEGER NOT NULL,
    UNIQUE (office_id, org_name, report_id)
) STRICT;

-- Summaries read one office's domain over a period.
CREATE INDEX dmarc_reports_by_domain ON dmarc_reports (office_id, domain, begin_at);

-- The records of a report: messages from one source treated alike. The
-- office is the report's; every read joins through dmarc_reports.
CREATE TABLE dmarc_records (
    report         INTEGER NOT NULL REFERENCES dmarc_reports (id) ON DELETE CASCADE,
    source_ip      TEXT    NOT NULL,
    count          INTEGER NOT NULL,
    disposition    TEXT,
    dkim           INTEGER NOT NULL,
    spf            INTEGER NOT NULL,
    header_from    TEXT    NOT NULL,
    dkim_domain    TEXT,
    dkim_selector  TEXT,
    spf_domain     TEXT
) STRICT;

CREATE INDEX dmarc_records_by_report ON dmarc_records (report);

-- SMTP TLS reports (RFC 8460), and the policies each evaluated.
CREATE TABLE tls_reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id    TEXT    NOT NULL REFERENCES offices (id),
    org_name     TEXT    NOT NULL,
    report_id    TEXT    NOT NULL,
    begin_at     INTEGER NOT NULL,
    end_at       INTEGER NOT NULL,
    contact      TEXT,
    received_at  INTEGER NOT NULL,
    UNIQUE (office_id, org_name, report_id)
) STRICT;

CREATE TABLE tls_policies (
    report         INTEGER NOT NULL REFERENCES tls_reports (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    policy_type    TEXT    NOT NULL,
    policy_domain  TEXT    NOT NULL,
    successful     INTEGER NOT NULL,
    failed         INTEGER NOT NULL,
    failures_json  TEXT    NOT NULL,
    PRIMARY KEY (report, position)
) STRICT;

CREATE INDEX tls_policies_by_domain ON tls_policies (policy_domain);

-- Failure reports, already redacted, kept only while the office allows and
-- deleted when they expire.
CREATE TABLE dmarc_failures (
    office_id        TEXT    NOT NULL REFERENCES offices (id),
    fingerprint      TEXT    NOT NULL,
    reported_domain  TEXT    NOT NULL,
    received_at      INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    report_json      TEXT    NOT NULL,
    PRIMARY KEY (office_id, fingerprint)
) STRICT;

CREATE INDEX dmarc_failures_by_expiry ON dmarc_failures (office_id, expires_at);

CREATE TABLE dmarc_settings (
    office_id               TEXT    PRIMARY KEY REFERENCES offices (id),
    keep_failure_reports    INTEGER NOT NULL,
    failure_retention_days  INTEGER NOT NULL
) STRICT;

-- Reverse-DNS names of sending machines: public facts, shared by offices.
CREATE TABLE rdns_cache (
    ip            TEXT    PRIMARY KEY,
    name          TEXT,
    looked_up_at  INTEGER NOT NULL
) STRICT;
