-- Aggregate records move from one row each to chunks of up to 1,000 rows,
-- each a JSON array (layout in portcullis-store's dmarc_chunks module):
-- records are written once and only read back whole, and one INSERT per
-- chunk is what lets ingest keep pace with million-record reports.
CREATE TABLE dmarc_record_chunks (
    report   INTEGER NOT NULL REFERENCES dmarc_reports (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    records  INTEGER NOT NULL,
    data     TEXT    NOT NULL,
    PRIMARY KEY (report, seq)
) STRICT;

-- Records already stored become one chunk per report.
INSERT INTO dmarc_record_chunks (report, seq, records, data)
SELECT report, 0, COUNT(*),
       json_group_array(json_array(source_ip, count, disposition, dkim, spf, header_from,
                                   dkim_domain, dkim_selector, spf_domain))
FROM dmarc_records GROUP BY report;

DROP TABLE dmarc_records;
