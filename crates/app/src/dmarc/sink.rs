//! The bridge from the synchronous, streaming parsers to the async store:
//! parsing runs on a blocking thread and each store call is driven to
//! completion there, so a report is written as it is read and memory holds
//! one batch of records at a time.

use std::collections::BTreeSet;

use portcullis_dmarc::{FailureReport, Record, ReportHeader, ReportSink, TlsReport};
use portcullis_store::{DmarcSettings, ReportBatch, StoreError};
use portcullis_types::{OfficeId, Timestamp};
use tokio::runtime::Handle;

/// Why the sink refused a report.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The office has not chosen to keep failure reports.
    #[error(
        "this is a DMARC failure report, and your office does not keep them: they describe individual \
         messages, so they are personal data (turn them on with `portcullis dmarc settings --failure-reports on`)"
    )]
    FailureReportsOff,
}

/// Writes what the parsers find into one office's store, through the
/// batch it is given.
pub(super) struct StoreSink<'a> {
    batch: &'a mut dyn ReportBatch,
    office: OfficeId,
    now: Timestamp,
    settings: DmarcSettings,
    runtime: &'a Handle,
    /// The domain of the aggregate report open now.
    open: Option<String>,
    /// Domains that gained reports.
    pub(super) domains: BTreeSet<String>,
}

impl<'a> StoreSink<'a> {
    pub(super) fn new(
        batch: &'a mut dyn ReportBatch,
        office: OfficeId,
        now: Timestamp,
        settings: DmarcSettings,
        runtime: &'a Handle,
    ) -> Self {
        Self { batch, office, now, settings, runtime, open: None, domains: BTreeSet::new() }
    }
}

impl ReportSink for StoreSink<'_> {
    type Error = SinkError;

    fn begin_aggregate(&mut self, header: &ReportHeader) -> Result<bool, SinkError> {
        let new = self.runtime.block_on(self.batch.begin_aggregate(self.office, header, self.now))?;
        self.open = new.then(|| header.policy.domain.clone());
        Ok(new)
    }

    fn records(&mut self, batch: &[Record]) -> Result<(), SinkError> {
        Ok(self.runtime.block_on(self.batch.add_records(batch))?)
    }

    fn end_aggregate(&mut self) -> Result<(), SinkError> {
        self.runtime.block_on(self.batch.end_aggregate())?;
        if let Some(domain) = self.open.take() {
            self.domains.insert(domain);
        }
        Ok(())
    }

    fn abort_aggregate(&mut self) {
        self.open = None;
        if let Err(e) = self.runtime.block_on(self.batch.abort_aggregate()) {
            // The batch is then unusable; its commit will fail and say so.
            tracing::warn!("could not forget a broken report: {e}");
        }
    }

    fn tls_report(&mut self, report: &TlsReport) -> Result<bool, SinkError> {
        Ok(self.runtime.block_on(self.batch.store_tls_report(self.office, report, self.now))?)
    }

    fn failure_report(&mut self, report: &FailureReport) -> Result<bool, SinkError> {
        if !self.settings.keep_failure_reports {
            return Err(SinkError::FailureReportsOff);
        }
        let days = i64::from(self.settings.failure_retention_days);
        let expires = self.now.plus_secs(days.saturating_mul(86_400));
        Ok(self.runtime.block_on(self.batch.store_failure_report(self.office, report, self.now, expires))?)
    }
}
