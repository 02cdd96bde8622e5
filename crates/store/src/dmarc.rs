//! DMARC aggregate, SMTP TLS and (redacted) failure reports an office has
//! received, and the reverse-DNS names of the machines that sent as it.
//!
//! Reports are stored through a [`ReportBatch`]: one transaction for many
//! reports, a savepoint for each, so a report that turns out broken
//! half-way leaves nothing behind while the others stay; a report is
//! stored once per office (by reporting organisation and report id, or a
//! failure report's fingerprint) however often it arrives.

use std::collections::HashMap;
use std::net::IpAddr;

use async_trait::async_trait;
use portcullis_dmarc::{FailureReport, Record, ReportHeader, ReportSpan, Tally, TlsReport, Verdict};
use portcullis_types::{OfficeId, Timestamp};

use crate::StoreError;

/// Stores reports in one transaction. Each report inside it is all or
/// nothing on its own (a savepoint), and nothing is kept until
/// [`commit`](ReportBatch::commit): dropping the batch keeps nothing. Many
/// small reports share one commit, so the database syncs to disk once per
/// batch, not once per report.
#[async_trait]
pub trait ReportBatch: Send {
    /// Begin an aggregate report received at `at`. `Ok(false)` when the
    /// office already has a report with this organisation and id (nothing
    /// is then open). [`StoreError::NotFound`] if the office does not exist.
    async fn begin_aggregate(
        &mut self,
        office: OfficeId,
        header: &ReportHeader,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Add records to the open report (any number of calls).
    async fn add_records(&mut self, records: &[Record]) -> Result<(), StoreError>;

    /// Keep the open report (once the batch commits).
    async fn end_aggregate(&mut self) -> Result<(), StoreError>;

    /// Forget the open report, keeping the rest of the batch.
    async fn abort_aggregate(&mut self) -> Result<(), StoreError>;

    /// Store a TLS report; `false` when the office already has it (same
    /// organisation and id).
    async fn store_tls_report(
        &mut self,
        office: OfficeId,
        report: &TlsReport,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Store a failure report until `expires_at`; `false` when already
    /// stored (same fingerprint).
    async fn store_failure_report(
        &mut self,
        office: OfficeId,
        report: &FailureReport,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Store whole aggregate reports received at `at`, several at once
    /// (a few statements for the lot, not a few per report): for each, in
    /// order, `true` when stored and `false` when the office already had it
    /// (or it came earlier in `reports`). The lot is all or nothing: on an
    /// error none of them is kept, and the rest of the batch stays.
    async fn store_aggregates(
        &mut self,
        office: OfficeId,
        reports: &[WholeReport<'_>],
        at: Timestamp,
    ) -> Result<Vec<bool>, StoreError>;

    /// Keep everything stored through the batch.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// An aggregate report read whole, to store in one go.
#[derive(Debug, Clone, Copy)]
pub struct WholeReport<'a> {
    /// Its header.
    pub header: &'a ReportHeader,
    /// All its records.
    pub records: &'a [Record],
}

/// A domain the office has reports about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedDomain {
    /// The domain (`policy_published/domain`).
    pub domain: String,
    /// Aggregate reports stored.
    pub reports: u64,
    /// Messages they cover.
    pub messages: u64,
    /// End of the newest report's period, Unix seconds.
    pub latest: i64,
}

/// The office's choices about DMARC reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DmarcSettings {
    /// Keep failure (forensic) reports. Off by default: they describe
    /// individual messages, so they are personal data.
    pub keep_failure_reports: bool,
    /// How long failure reports are kept, in days.
    pub failure_retention_days: u32,
}

impl Default for DmarcSettings {
    fn default() -> Self {
        Self { keep_failure_reports: false, failure_retention_days: 30 }
    }
}

/// A stored failure report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFailure {
    /// When we received it.
    pub received_at: Timestamp,
    /// When it will be deleted.
    pub expires_at: Timestamp,
    /// What it said (already redacted by the parser).
    pub report: FailureReport,
}

/// Reports and what was learnt from them.
#[async_trait]
pub trait DmarcStore: Send + Sync {
    /// Open a batch of reports (see [`ReportBatch`]). While it is open,
    /// other writers may wait (SQLite has one writer), so keep batches short.
    async fn begin_batch(&self) -> Result<Box<dyn ReportBatch>, StoreError>;

    /// Delete the office's failure reports that expired at or before `now`;
    /// how many went.
    async fn purge_failure_reports(&self, office: OfficeId, now: Timestamp) -> Result<u64, StoreError>;

    /// The domains the office has aggregate reports about, by name.
    async fn reported_domains(&self, office: OfficeId) -> Result<Vec<ReportedDomain>, StoreError>;

    /// Messages per day, source and result for `domain`, from reports whose
    /// period began at or after `since` (Unix seconds).
    async fn dmarc_tallies(&self, office: OfficeId, domain: &str, since: i64) -> Result<Vec<Tally>, StoreError>;

    /// The periods and policies of those same reports, oldest first.
    async fn dmarc_spans(&self, office: OfficeId, domain: &str, since: i64) -> Result<Vec<ReportSpan>, StoreError>;

    /// TLS reports that began at or after `since` and cover `domain`, newest
    /// first, with only the policies for `domain`.
    async fn tls_reports(&self, office: OfficeId, domain: &str, since: i64) -> Result<Vec<TlsReport>, StoreError>;

    /// Failure reports about `domain` (or any, with `None`), newest first,
    /// at most `limit`.
    async fn failure_reports(
        &self,
        office: OfficeId,
        domain: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredFailure>, StoreError>;

    /// The office's settings (the defaults until changed).
    async fn dmarc_settings(&self, office: OfficeId) -> Result<DmarcSettings, StoreError>;

    /// Change the office's settings. [`StoreError::NotFound`] if the office
    /// does not exist.
    async fn set_dmarc_settings(&self, office: OfficeId, settings: &DmarcSettings) -> Result<(), StoreError>;

    /// Reverse-DNS names looked up at or after `fresh_since`: public facts
    /// about the internet, shared by all offices (the one table without an
    /// office). `None` means "looked up: no name".
    async fn cached_names(
        &self,
        ips: &[IpAddr],
        fresh_since: Timestamp,
    ) -> Result<HashMap<IpAddr, Option<String>>, StoreError>;

    /// Remember reverse-DNS answers looked up at `at`.
    async fn cache_names(&self, names: &[(IpAddr, Option<String>)], at: Timestamp) -> Result<(), StoreError>;
}

/// The UTC day (Unix seconds at midnight) a Unix time falls on.
pub const fn day_of(unix: i64) -> i64 {
    unix - unix.rem_euclid(86_400)
}

/// A verdict as stored (`true` is pass).
pub const fn verdict(pass: bool) -> Verdict {
    if pass { Verdict::Pass } else { Verdict::Fail }
}

/// A value as JSON text for a column, NUL-free.
pub fn json_text<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map(|s| crate::without_nul(&s)).map_err(|e| StoreError::Database(e.to_string()))
}
