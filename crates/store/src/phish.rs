//! Phishing triage as the office keeps it: one summary row per message
//! someone triaged (never the body or attachments: constituents' casework is
//! sensitive, and only the verdict and its reasons are needed later), the
//! office's own call on each (safe or phishing), the office's list of
//! known senders, and the receiving mail servers whose Authentication-Results
//! it trusts.

use async_trait::async_trait;
use portcullis_types::{OfficeId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use crate::StoreError;

portcullis_types::uuid_id!(
    /// A triage report's identifier.
    ReportId
);

/// How a message reached triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportSource {
    /// A file uploaded on the `/triage` page.
    Upload,
    /// Fetched from a reporting mailbox.
    Mailbox,
    /// `portcullis mail triage`.
    Cli,
}

impl ReportSource {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Mailbox => "mailbox",
            Self::Cli => "cli",
        }
    }

    /// The source by its stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Upload, Self::Mailbox, Self::Cli].into_iter().find(|s| s.as_str() == raw)
    }
}

/// The office's own call on a triaged message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Genuine mail.
    Safe,
    /// An attack.
    Phishing,
}

impl Outcome {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Phishing => "phishing",
        }
    }

    /// The outcome by its stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Safe, Self::Phishing].into_iter().find(|s| s.as_str() == raw)
    }
}

/// One reason as stored (the engine's code, weight and explanation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReason {
    /// Stable signal name, e.g. `link_text_mismatch`.
    pub code: String,
    /// −100..=100.
    pub weight: i8,
    /// Plain English.
    pub explanation: String,
}

/// A triaged message's summary, to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhishReport {
    /// Identifier (the caller makes it).
    pub id: ReportId,
    /// The office.
    pub office_id: OfficeId,
    /// When it was triaged.
    pub reported_at: Timestamp,
    /// Who triaged it (`None` for the mailbox job or the command line).
    pub reported_by: Option<UserId>,
    /// How it arrived.
    pub source: ReportSource,
    /// The subject, as written.
    pub subject: String,
    /// The From address, lowercase (may be empty: it is attacker-written).
    pub from_address: String,
    /// SHA-256 of the raw message, lowercase hex.
    pub message_sha256: String,
    /// `phishing`, `suspicious` or `clean`.
    pub verdict: String,
    /// 0..=100.
    pub score: u8,
    /// Strongest first.
    pub reasons: Vec<StoredReason>,
}

/// A stored report, with the office's call once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhishReport {
    /// What was stored.
    pub report: NewPhishReport,
    /// The office's call, if any.
    pub outcome: Option<Outcome>,
    /// Who made it (an email, or `cli`/`system`).
    pub outcome_by: Option<String>,
    /// When.
    pub outcome_at: Option<Timestamp>,
}

/// A sender the office knows to be genuine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSender {
    /// The office.
    pub office_id: OfficeId,
    /// An address or a domain, lowercase.
    pub value: String,
    /// Who they are ("our printing supplier").
    pub note: String,
    /// Who added them (an email, or `cli`).
    pub added_by: String,
    /// When.
    pub added_at: Timestamp,
}

/// What triage needs from the office's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhishKnowledge {
    /// The known senders' values, sorted.
    pub known_senders: Vec<String>,
    /// From addresses of reports the office marked phishing, sorted, distinct.
    pub marked_phishing: Vec<String>,
    /// From addresses of reports the office marked safe, sorted, distinct.
    pub seen_safe: Vec<String>,
    /// The `authserv-id`s of the receiving mail servers whose
    /// Authentication-Results the office trusts, sorted.
    pub trusted_servers: Vec<String>,
}

/// Triage reports and known senders.
#[async_trait]
pub trait PhishStore: Send + Sync {
    /// Store a report. [`StoreError::Conflict`] if the id exists;
    /// [`StoreError::NotFound`] if the office does not. Text has NUL
    /// replaced as [`without_nul`](crate::without_nul) does.
    async fn add_phish_report(&self, report: &NewPhishReport) -> Result<PhishReport, StoreError>;

    /// The office's reports, newest first (ties by id), at most `limit` (0 gives none).
    async fn phish_reports(&self, office: OfficeId, limit: u32) -> Result<Vec<PhishReport>, StoreError>;

    /// One report of the office; `None` for a missing id or another office's.
    async fn phish_report(&self, office: OfficeId, id: ReportId) -> Result<Option<PhishReport>, StoreError>;

    /// Record (or change) the office's call on a report; `false` when the
    /// office has no such report.
    async fn set_phish_outcome(
        &self,
        office: OfficeId,
        id: ReportId,
        outcome: Outcome,
        by: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Add a known sender. [`StoreError::Conflict`] if the office already
    /// has that value; [`StoreError::NotFound`] if the office does not exist.
    async fn add_known_sender(&self, sender: &KnownSender) -> Result<(), StoreError>;

    /// Remove a known sender; `false` if the office had no such value.
    async fn remove_known_sender(&self, office: OfficeId, value: &str) -> Result<bool, StoreError>;

    /// The office's known senders, by value.
    async fn known_senders(&self, office: OfficeId) -> Result<Vec<KnownSender>, StoreError>;

    /// Replace the office's trusted receiving servers (their `authserv-id`s)
    /// with `servers`, in one transaction; an empty list clears them and a
    /// value given twice is kept once. [`StoreError::NotFound`] if the office
    /// does not exist.
    async fn set_trusted_servers(&self, office: OfficeId, servers: &[String]) -> Result<(), StoreError>;

    /// What triage needs: known senders, trusted servers and the office's calls so far.
    async fn phish_knowledge(&self, office: OfficeId) -> Result<PhishKnowledge, StoreError>;
}

/// The reasons as the JSON stored in `phish_reports.reasons`.
pub fn reasons_json(reasons: &[StoredReason]) -> Result<String, StoreError> {
    serde_json::to_string(reasons).map_err(|e| StoreError::Database(format!("could not encode reasons: {e}")))
}

/// The reasons read back from `phish_reports.reasons`.
pub fn reasons_from_json(json: &str) -> Result<Vec<StoredReason>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("phish_reports.reasons: {e}")))
}

/// A stored score back as the 0..=100 the API promises.
pub fn score_from(raw: i64) -> Result<u8, StoreError> {
    u8::try_from(raw)
        .ok()
        .filter(|s| *s <= 100)
        .ok_or_else(|| StoreError::Corrupt(format!("phish_reports.score: {raw} is not 0..=100")))
}

/// A stored source back as a [`ReportSource`].
pub fn source_from(raw: &str) -> Result<ReportSource, StoreError> {
    ReportSource::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("phish_reports.source: '{raw}'")))
}

/// A stored outcome back as an [`Outcome`].
pub fn outcome_from(raw: Option<&str>) -> Result<Option<Outcome>, StoreError> {
    raw.map(|r| Outcome::parse(r).ok_or_else(|| StoreError::Corrupt(format!("phish_reports.outcome: '{r}'"))))
        .transpose()
}

/// A report with its text cleaned of NUL as both backends store it.
pub fn cleaned(report: &NewPhishReport) -> NewPhishReport {
    let mut r = report.clone();
    r.subject = crate::without_nul(&r.subject);
    r.from_address = crate::without_nul(&r.from_address);
    for reason in &mut r.reasons {
        reason.explanation = crate::without_nul(&reason.explanation);
        reason.code = crate::without_nul(&reason.code);
    }
    r
}
