//! The parsers' sink: what they find in one input goes to the [`Writer`].
//!
//! A store request costs thread hand-offs, which for a ten-record report
//! cost more than reading it. So an aggregate report that fits in one batch
//! of records is held, and held reports are stored together, many per
//! request. Whether each was new or already stored is learnt then, and the
//! caller corrects the outcome the parser gave (see [`Settled`]). A report
//! that proves bigger than one batch is streamed instead: memory holds a
//! few batches of it at most, and one lot of held reports.
//!
//! Several threads read inputs at once, each through its own sink and one
//! shared writer; a streamed report keeps the writer to itself until it
//! ends.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use portcullis_dmarc::{FailureReport, Record, ReportHeader, ReportSink, TlsReport};
use portcullis_store::StoreError;

pub(super) use super::writer::{Held, Settled, Ticket, Writer};

/// Why the sink refused a report.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database failed while storing this report with others.
    #[error("it was read but could not be saved: {0}")]
    Unsaved(String),
    /// The office has not chosen to keep failure reports.
    #[error(
        "this is a DMARC failure report, and your office does not keep them: they describe individual \
         messages, so they are personal data (turn them on with `portcullis dmarc settings --failure-reports on`)"
    )]
    FailureReportsOff,
}

/// The aggregate report being read.
struct Current {
    header: ReportHeader,
    /// Its first batch, held until the report ends or proves bigger.
    held: Vec<Record>,
}

/// The writer, whoever else is reading inputs beside this sink.
pub(super) fn lock(writer: &Mutex<Writer>) -> MutexGuard<'_, Writer> {
    // A thread that panicked holding the writer left it usable: every
    // request is whole or not sent.
    writer.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes what the parsers find in one input through a [`Writer`] shared
/// with the other reading threads.
pub(super) struct StoreSink<'w> {
    writer: &'w Mutex<Writer>,
    /// Held for the whole of a streamed report, so that no other thread's
    /// requests fall between its begin, records and end.
    streaming: Option<MutexGuard<'w, Writer>>,
    input: usize,
    /// Aggregate reports of this input kept so far.
    kept: usize,
    current: Option<Current>,
    /// Domains that gained streamed reports (held ones are in the tickets).
    pub(super) domains: BTreeSet<String>,
}

impl<'w> StoreSink<'w> {
    /// A sink for the input at `input` in the writer's group.
    pub(super) fn new(writer: &'w Mutex<Writer>, input: usize) -> Self {
        Self { writer, streaming: None, input, kept: 0, current: None, domains: BTreeSet::new() }
    }

    fn with<T>(&mut self, f: impl FnOnce(&mut Writer) -> T) -> T {
        match self.streaming.as_mut() {
            Some(writer) => f(writer),
            None => f(&mut lock(self.writer)),
        }
    }

    /// The report proved bigger than one batch: store what is held, then
    /// begin it in the store. `false` when the office already has it.
    fn start_streaming(&mut self, current: &mut Current) -> Result<bool, SinkError> {
        let mut writer = lock(self.writer);
        writer.store_lot();
        if !writer.begin(current.header.clone())? {
            return Ok(false);
        }
        writer.records(std::mem::take(&mut current.held))?;
        self.streaming = Some(writer);
        Ok(true)
    }
}

impl ReportSink for StoreSink<'_> {
    type Error = SinkError;

    fn begin_aggregate(&mut self, header: &ReportHeader) -> Result<bool, SinkError> {
        self.current = Some(Current { header: header.clone(), held: Vec::new() });
        Ok(true)
    }

    fn records(&mut self, batch: Vec<Record>) -> Result<bool, SinkError> {
        let Some(mut current) = self.current.take() else { return Ok(true) };
        if self.streaming.is_none() && current.held.is_empty() {
            current.held = batch;
            self.current = Some(current);
            return Ok(true);
        }
        if self.streaming.is_none() && !self.start_streaming(&mut current)? {
            return Ok(false);
        }
        self.current = Some(current);
        Ok(self.with(|w| w.records(batch)).map(|()| true)?)
    }

    fn end_aggregate(&mut self) -> Result<(), SinkError> {
        let Some(current) = self.current.take() else { return Ok(()) };
        if let Some(writer) = self.streaming.take() {
            writer.end()?;
            self.domains.insert(current.header.policy.domain);
        } else {
            let ticket = Ticket { input: self.input, ordinal: self.kept };
            lock(self.writer).hold(Held { header: current.header, records: current.held, ticket });
        }
        self.kept += 1;
        Ok(())
    }

    fn abort_aggregate(&mut self) {
        self.current = None;
        if let Some(writer) = self.streaming.take() {
            writer.abort();
        }
    }

    fn tls_report(&mut self, report: &TlsReport) -> Result<bool, SinkError> {
        Ok(self.with(|w| w.tls(report.clone()))?)
    }

    fn failure_report(&mut self, report: &FailureReport) -> Result<bool, SinkError> {
        self.with(|w| {
            if !w.settings.keep_failure_reports {
                return Err(SinkError::FailureReportsOff);
            }
            let days = i64::from(w.settings.failure_retention_days);
            let expires = w.now.plus_secs(days.saturating_mul(86_400));
            Ok(w.failure(report.clone(), expires)?)
        })
    }
}
