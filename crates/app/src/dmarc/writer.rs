//! The database side of an ingest: one task owns the batch and carries out
//! the parser's requests in order, so that a big report is written while
//! the next records are being read, on the other core.
//!
//! Requests that need an answer (is this report new? was the lot stored?)
//! wait for it; records are sent without waiting, at most [`IN_FLIGHT`]
//! batches ahead, and a failure to store them is answered at the report's
//! end. Whole small reports are held here and stored together, many per
//! request (see [`super::sink`]).

use portcullis_dmarc::{FailureReport, RECORD_BATCH, Record, ReportHeader, TlsReport};
use portcullis_store::{DmarcSettings, ReportBatch, StoreError, WholeReport};
use portcullis_types::{OfficeId, Timestamp};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

/// Record batches sent ahead of the database, at most.
const IN_FLIGHT: usize = 2;

/// Held reports stored together, at most.
const LOT_REPORTS: usize = 200;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// What the parser's thread asks of the batch's task.
enum Request {
    Begin(ReportHeader, Reply<bool>),
    Records(Vec<Record>),
    End(Reply<()>),
    Abort,
    Whole(Vec<Held>, Reply<Vec<bool>>),
    Tls(Box<TlsReport>, Reply<bool>),
    Failure(Box<FailureReport>, Timestamp, Reply<bool>),
    Commit(Reply<()>),
}

/// Where a held report came from: the input (its place in the group being
/// committed) and which of that input's kept aggregate reports it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ticket {
    pub(super) input: usize,
    pub(super) ordinal: usize,
}

/// What became of a held report.
#[derive(Debug)]
pub(super) enum Settled {
    /// Stored, for this domain.
    Stored(String),
    /// The office already had it.
    Duplicate,
    /// Its lot could not be stored.
    Failed(String),
}

/// A whole report waiting to be stored.
pub(super) struct Held {
    pub(super) header: ReportHeader,
    pub(super) records: Vec<Record>,
    pub(super) ticket: Ticket,
}

/// The parser's handle on one office's batch. Every method blocks, so it
/// is used only from a blocking thread.
pub(super) struct Writer {
    requests: mpsc::Sender<Request>,
    pub(super) now: Timestamp,
    pub(super) settings: DmarcSettings,
    lot: Vec<Held>,
    /// Lots sent to be stored, and where their answers will come.
    sent: Vec<Sent>,
}

/// A lot sent to be stored: its reports (ticket and domain) and where the
/// answer will come (`None` when it could not be sent).
type Sent = (Vec<(Ticket, String)>, Option<oneshot::Receiver<Result<Vec<bool>, StoreError>>>);

fn gone() -> StoreError {
    StoreError::Database("the database writer stopped unexpectedly".into())
}

impl Writer {
    /// Start the task that owns `batch`.
    pub(super) fn start(
        batch: Box<dyn ReportBatch>,
        office: OfficeId,
        now: Timestamp,
        settings: DmarcSettings,
        runtime: &Handle,
    ) -> Self {
        let (requests, inbox) = mpsc::channel(IN_FLIGHT);
        runtime.spawn(serve(batch, office, now, inbox));
        Self { requests, now, settings, lot: Vec::new(), sent: Vec::new() }
    }

    fn ask<T>(&self, request: impl FnOnce(Reply<T>) -> Request) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.requests.blocking_send(request(reply)).map_err(|_| gone())?;
        answer.blocking_recv().map_err(|_| gone())?
    }

    /// Begin a streamed report; `false` when the office already has it.
    pub(super) fn begin(&self, header: ReportHeader) -> Result<bool, StoreError> {
        self.ask(|reply| Request::Begin(header, reply))
    }

    /// Send records of the streamed report (a failure comes back from [`Writer::end`]).
    pub(super) fn records(&self, records: Vec<Record>) -> Result<(), StoreError> {
        self.requests.blocking_send(Request::Records(records)).map_err(|_| gone())
    }

    /// Keep the streamed report, or say why its records could not be stored.
    pub(super) fn end(&self) -> Result<(), StoreError> {
        self.ask(Request::End)
    }

    /// Forget the streamed report.
    pub(super) fn abort(&self) {
        if self.requests.blocking_send(Request::Abort).is_err() {
            tracing::warn!("could not forget a broken report: {}", gone());
        }
    }

    pub(super) fn tls(&self, report: TlsReport) -> Result<bool, StoreError> {
        self.ask(|reply| Request::Tls(Box::new(report), reply))
    }

    pub(super) fn failure(&self, report: FailureReport, expires: Timestamp) -> Result<bool, StoreError> {
        self.ask(|reply| Request::Failure(Box::new(report), expires, reply))
    }

    /// Hold a whole report, storing the lot once it is big enough.
    pub(super) fn hold(&mut self, mut held: Held) {
        held.records.shrink_to_fit();
        self.lot.push(held);
        let records: usize = self.lot.iter().map(|h| h.records.len()).sum();
        if records >= RECORD_BATCH || self.lot.len() >= LOT_REPORTS {
            self.store_lot();
        }
    }

    /// Send the held reports to be stored. The answer is not waited for
    /// here (readers would stall): [`Writer::commit`] collects it.
    pub(super) fn store_lot(&mut self) {
        if self.lot.is_empty() {
            return;
        }
        let mut lot = std::mem::take(&mut self.lot);
        // Readers run side by side: in input order, the first copy of a
        // report repeated in the lot is the one stored.
        lot.sort_by_key(|held| (held.ticket.input, held.ticket.ordinal));
        let tickets: Vec<(Ticket, String)> = lot.iter().map(|h| (h.ticket, h.header.policy.domain.clone())).collect();
        let (reply, answer) = oneshot::channel();
        let answer = match self.requests.blocking_send(Request::Whole(lot, reply)) {
            Ok(()) => Some(answer),
            Err(_) => None,
        };
        self.sent.push((tickets, answer));
    }

    /// Store what is held, learn what became of every held report, then
    /// commit the batch.
    pub(super) fn commit(mut self) -> (Vec<(Ticket, Settled)>, Result<(), StoreError>) {
        self.store_lot();
        let mut settled = Vec::new();
        for (tickets, answer) in std::mem::take(&mut self.sent) {
            match answer.map_or_else(|| Err(gone()), |a| a.blocking_recv().map_err(|_| gone()).and_then(|r| r)) {
                Ok(new) => {
                    for ((ticket, domain), new) in tickets.into_iter().zip(new) {
                        settled.push((ticket, if new { Settled::Stored(domain) } else { Settled::Duplicate }));
                    }
                }
                Err(e) => {
                    let reason = e.to_string();
                    settled.extend(tickets.into_iter().map(|(t, _)| (t, Settled::Failed(reason.clone()))));
                }
            }
        }
        let committed = self.ask(Request::Commit);
        (settled, committed)
    }
}

/// Carry out requests in order until the batch is committed (or the
/// writer dropped, which drops the batch and so keeps nothing of it).
async fn serve(mut batch: Box<dyn ReportBatch>, office: OfficeId, now: Timestamp, mut inbox: mpsc::Receiver<Request>) {
    // Why the streamed report's records could not be stored.
    let mut failed: Option<StoreError> = None;
    while let Some(request) = inbox.recv().await {
        match request {
            Request::Begin(header, reply) => {
                failed = None;
                let _ = reply.send(batch.begin_aggregate(office, &header, now).await);
            }
            Request::Records(records) => {
                if failed.is_none()
                    && let Err(e) = batch.add_records(&records).await
                {
                    failed = Some(e);
                }
            }
            Request::End(reply) => {
                let ended = match failed.take() {
                    Some(e) => batch.abort_aggregate().await.and(Err(e)),
                    None => batch.end_aggregate().await,
                };
                let _ = reply.send(ended);
            }
            Request::Abort => {
                failed = None;
                if let Err(e) = batch.abort_aggregate().await {
                    // The batch is then unusable; its commit will fail and say so.
                    tracing::warn!("could not forget a broken report: {e}");
                }
            }
            Request::Whole(lot, reply) => {
                let whole: Vec<WholeReport<'_>> =
                    lot.iter().map(|h| WholeReport { header: &h.header, records: &h.records }).collect();
                let _ = reply.send(batch.store_aggregates(office, &whole, now).await);
            }
            Request::Tls(report, reply) => {
                let _ = reply.send(batch.store_tls_report(office, &report, now).await);
            }
            Request::Failure(report, expires, reply) => {
                let _ = reply.send(batch.store_failure_report(office, &report, now, expires).await);
            }
            Request::Commit(reply) => {
                let _ = reply.send(batch.commit().await);
                return;
            }
        }
    }
}
