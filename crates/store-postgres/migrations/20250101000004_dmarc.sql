-- DMARC aggregate, SMTP TLS and failure reports, and the reverse-DNS cache.
--
-- Report periods (begin_at, end_at) are Unix seconds, as reports give them.
-- Tables are created unqualified, in the first schema of search_path.

-- One row per aggregate report; an office keeps a report once, however
-- often it arrives (by reporting organisation and report id).
CREATE TABLE dmarc_reports (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    office_id    uuid        NOT NULL REFERENCES offices (id),
    org_name     text        NOT NULL,
    report_id    text        NOT NULL,
    email        text,
    domain       text        COLLATE "C" NOT NULL,
    begin_at     bigint      NOT NULL,
    end_at       bigint      NOT NULL,
    schema       text        NOT NULL,
    policy_p     text,
    policy_pct   smallint,
    records      bigint      NOT NULL DEFAULT 0,
    messages     bigint      NOT NULL DEFAULT 0,
    received_at  timestamptz NOT NULL,
    UNIQUE (office_id, org_name, report_id)
);

CREATE INDEX dmarc_reports_by_domain ON dmarc_reports (office_id, domain, begin_at);

-- The records of a report; the office is the report's.
CREATE TABLE dmarc_records (
    report         bigint  NOT NULL REFERENCES dmarc_reports (id) ON DELETE CASCADE,
    source_ip      text    NOT NULL,
    count          bigint  NOT NULL,
    disposition    text,
    dkim           boolean NOT NULL,
    spf            boolean NOT NULL,
    header_from    text    NOT NULL,
    dkim_domain    text,
    dkim_selector  text,
    spf_domain     text
);

CREATE INDEX dmarc_records_by_report ON dmarc_records (report);

-- SMTP TLS reports (RFC 8460), and the policies each evaluated.
CREATE TABLE tls_reports (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    office_id    uuid        NOT NULL REFERENCES offices (id),
    org_name     text        NOT NULL,
    report_id    text        NOT NULL,
    begin_at     bigint      NOT NULL,
    end_at       bigint      NOT NULL,
    contact      text,
    received_at  timestamptz NOT NULL,
    UNIQUE (office_id, org_name, report_id)
);

CREATE TABLE tls_policies (
    report         bigint  NOT NULL REFERENCES tls_reports (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    policy_type    text    NOT NULL,
    policy_domain  text    COLLATE "C" NOT NULL,
    successful     bigint  NOT NULL,
    failed         bigint  NOT NULL,
    failures_json  text    NOT NULL,
    PRIMARY KEY (report, position)
);

CREATE INDEX tls_policies_by_domain ON tls_policies (policy_domain);

-- Failure reports, already redacted, deleted when they expire.
CREATE TABLE dmarc_failures (
    office_id        uuid        NOT NULL REFERENCES offices (id),
    fingerprint      text        NOT NULL,
    reported_domain  text        COLLATE "C" NOT NULL,
    received_at      timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    report_json      text        NOT NULL,
    PRIMARY KEY (office_id, fingerprint)
);

CREATE INDEX dmarc_failures_by_expiry ON dmarc_failures (office_id, expires_at);

CREATE TABLE dmarc_settings (
    office_id               uuid    PRIMARY KEY REFERENCES offices (id),
    keep_failure_reports    boolean NOT NULL,
    failure_retention_days  integer NOT NULL
);

-- Reverse-DNS names of sending machines: public facts, shared by offices.
CREATE TABLE rdns_cache (
    ip            text        PRIMARY KEY,
    name          text,
    looked_up_at  timestamptz NOT NULL
);
