//! The contract between parsers and whoever keeps their results: a
//! [`ReportSink`] receives reports as they are read, and each input ends in
//! an [`InputOutcome`] that says, report by report, what happened.

use crate::{FailureReport, Record, ReportHeader, TlsReport};

/// Receives what the parsers find, in order. For an aggregate report the
/// calls are `begin_aggregate`, any number of `records`, then exactly one of
/// `end_aggregate` (the report was whole and valid) or `abort_aggregate`
/// (it was not: forget it all).
pub trait ReportSink {
    /// What the sink can fail with (a database error, say).
    type Error: std::fmt::Display;

    /// An aggregate report begins. `Ok(false)` means "already have it":
    /// the parser skips the rest of the report.
    fn begin_aggregate(&mut self, header: &ReportHeader) -> Result<bool, Self::Error>;

    /// The next records of the report begun last, at most
    /// [`RECORD_BATCH`] at a time. `Ok(false)` means the sink found it
    /// already has the report after all (a sink may put off asking until a
    /// report proves too big to hold): the parser skips the rest of it, and
    /// neither `end_aggregate` nor `abort_aggregate` follows.
    fn records(&mut self, batch: Vec<Record>) -> Result<bool, Self::Error>;

    /// The report begun last ended well: keep it.
    fn end_aggregate(&mut self) -> Result<(), Self::Error>;

    /// The report begun last turned out broken: keep none of it.
    fn abort_aggregate(&mut self);

    /// A whole TLS report. `Ok(false)` when already stored.
    fn tls_report(&mut self, report: &TlsReport) -> Result<bool, Self::Error>;

    /// A whole (redacted) failure report. `Ok(false)` when already stored.
    fn failure_report(&mut self, report: &FailureReport) -> Result<bool, Self::Error>;
}

/// Records handed to [`ReportSink::records`] at once, at most.
pub const RECORD_BATCH: usize = 1000;

/// What kind of report something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// DMARC aggregate (`rua`).
    Aggregate,
    /// SMTP TLS (`tlsrpt`).
    Tlsrpt,
    /// DMARC failure (`ruf`).
    Failure,
}

impl Kind {
    /// As in `dmarc ingest --json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Aggregate => "aggregate",
            Self::Tlsrpt => "tlsrpt",
            Self::Failure => "failure",
        }
    }
}

/// Why a report (or a whole input) could not be read. Each message is one
/// plain-English sentence fit to show the person who gave us the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Larger than a limit allows.
    #[error("{what} is larger than the {limit} byte limit")]
    TooLarge {
        /// What was too large ("the file", "the unpacked report", …).
        what: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },
    /// Expands far more than real reports do.
    #[error("it expands more than {ratio} times when unpacked, which only a decompression bomb does")]
    Bomb {
        /// The ratio limit.
        ratio: u64,
    },
    /// Too many zip members, attachments or messages.
    #[error("it holds more than {limit} {what}")]
    TooMany {
        /// What there were too many of ("zip members", "records", …).
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// Nested deeper than any report is.
    #[error("its elements are nested more than {limit} deep")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A DOCTYPE (DTD) or entity declaration: never expanded, always refused.
    #[error("it contains a DOCTYPE or entity declaration, which reports never need and attacks use; refused")]
    Doctype,
    /// Malformed XML or JSON, or cut short.
    #[error("it is not well-formed {format}: {detail}")]
    Malformed {
        /// `XML`, `JSON`, `gzip`, `zip` or `email`.
        format: &'static str,
        /// What was wrong, and where.
        detail: String,
    },
    /// Not UTF-8 (or a declared encoding we cannot read).
    #[error("its text is not valid UTF-8{detail}")]
    Encoding {
        /// More about where, or which declared encoding.
        detail: String,
    },
    /// Well-formed, but not a DMARC/TLS report at all.
    #[error("it is not a DMARC aggregate, SMTP TLS or DMARC failure report ({detail})")]
    NotAReport {
        /// What it looked like instead.
        detail: String,
    },
    /// A required part is missing.
    #[error("the report has no {0}")]
    Missing(&'static str),
    /// A part has a value that cannot be right.
    #[error("the report's {field} is not valid: {value}")]
    Invalid {
        /// Which part.
        field: &'static str,
        /// The offending value, shortened and with control characters removed.
        value: String,
    },
    /// `end` before `begin`.
    #[error("the report's period ends before it begins")]
    PeriodReversed,
}

/// What became of one report found in an input.
#[derive(Debug)]
pub enum Status<E> {
    /// Stored; `records` records (TLS: policies; failure: 1).
    Ingested {
        /// How many records were stored.
        records: u64,
    },
    /// Already stored before.
    Duplicate,
    /// Could not be read (nothing of it was kept).
    Invalid(ParseError),
    /// The sink refused it (e.g. the database failed).
    Sink(E),
}

/// One report found in an input.
#[derive(Debug)]
pub struct Found<E> {
    /// What kind it was (when that could be told).
    pub kind: Option<Kind>,
    /// What became of it.
    pub status: Status<E>,
}

/// Everything one input (a file, an email, an mbox, an archive) held.
#[derive(Debug)]
pub struct InputOutcome<E> {
    /// The reports found, in order.
    pub reports: Vec<Found<E>>,
    /// A problem with the input itself (not one report), e.g. a corrupt
    /// archive or an email with no report in it.
    pub error: Option<ParseError>,
}
