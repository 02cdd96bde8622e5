//! Taking in report files: each input is scanned on a blocking thread and
//! written to the store as it is read; the answer is one line per input in
//! the shape `dmarc ingest --json` prints.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Cursor, Read as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use portcullis_dmarc::scan::scan;
use portcullis_dmarc::{Found, InputOutcome, Kind, Limits, Status};
use portcullis_types::OfficeId;
use serde::Serialize;

use super::sink::{Settled, SinkError, StoreSink, Writer};
use crate::{Actor, App, AppError};

/// Something to ingest.
#[derive(Debug)]
pub enum Input {
    /// A file on disk.
    File(PathBuf),
    /// Bytes already in memory (a message fetched from a mailbox), with a
    /// name for messages.
    Bytes {
        /// What to call it.
        name: String,
        /// The content.
        bytes: Vec<u8>,
    },
}

impl Input {
    fn name(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Bytes { name, .. } => name.clone(),
        }
    }
}

/// What became of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IngestStatus {
    /// At least one new report was stored, and nothing failed.
    Ingested,
    /// Every report in it was already stored.
    Duplicate,
    /// Something in it could not be stored (the rest was).
    Error,
}

/// One input's fate: the line `dmarc ingest --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct IngestOutcome {
    /// The file (or message) name.
    pub path: String,
    /// `aggregate`, `tlsrpt` or `failure`.
    pub kind: &'static str,
    /// What happened.
    pub status: IngestStatus,
    /// Records stored from it (aggregate records, TLS policies, failure reports).
    pub records: u64,
    /// Why it (or part of it) was not stored.
    pub error: Option<String>,
    /// Reports found in it.
    #[serde(skip)]
    pub reports: usize,
    /// Domains that gained reports.
    #[serde(skip)]
    pub domains: Vec<String>,
}

impl IngestOutcome {
    pub(super) fn failed(path: String, kind: &'static str, error: String) -> Self {
        Self { path, kind, status: IngestStatus::Error, records: 0, error: Some(error), reports: 0, domains: vec![] }
    }
}

/// A kind for an input nothing could be read from, from its name.
fn kind_from_name(name: &str) -> Kind {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".json") || lower.ends_with(".json.gz") { Kind::Tlsrpt } else { Kind::Aggregate }
}

fn summarise(path: String, outcome: InputOutcome<SinkError>, domains: Vec<String>) -> IngestOutcome {
    let kind = outcome.reports.iter().find_map(|f| f.kind).unwrap_or_else(|| kind_from_name(&path));
    let several = outcome.reports.len() > 1;
    let mut errors = Vec::new();
    let (mut records, mut ingested, mut duplicates) = (0_u64, 0_usize, 0_usize);
    for (n, Found { status, .. }) in outcome.reports.iter().enumerate() {
        let problem = match status {
            Status::Ingested { records: r } => {
                records = records.saturating_add(*r);
                ingested += 1;
                None
            }
            Status::Duplicate => {
                duplicates += 1;
                None
            }
            Status::Invalid(e) => Some(e.to_string()),
            Status::Sink(e) => Some(e.to_string()),
        };
        if let Some(problem) = problem {
            errors.push(if several { format!("report {}: {problem}", n + 1) } else { problem });
        }
    }
    if let Some(e) = outcome.error {
        errors.push(e.to_string());
    }
    if errors.is_empty() && ingested == 0 && duplicates == 0 {
        errors.push("no DMARC or TLS report was found in it".to_owned());
    }
    let status = if !errors.is_empty() {
        IngestStatus::Error
    } else if ingested > 0 {
        IngestStatus::Ingested
    } else {
        IngestStatus::Duplicate
    };
    let error = (!errors.is_empty()).then(|| errors.join("; "));
    IngestOutcome { path, kind: kind.as_str(), status, records, error, reports: outcome.reports.len(), domains }
}

/// Inputs stored under one commit, at most.
const INPUTS_PER_COMMIT: usize = 200;
/// Records stored under one commit, at most (a bigger report still commits whole).
const RECORDS_PER_COMMIT: u64 = 200_000;

/// Bytes read from a file at a time.
const READ_BUFFER: usize = 64 * 1024;

/// Files up to this size are read whole, in one go: most reports are a few
/// kilobytes, and reading a zip archive through a file costs a seek and a
/// read for each of its parts.
const WHOLE_FILE: u64 = 1024 * 1024;

/// A file opened for scanning.
enum Opened {
    /// A small file, already read.
    Whole(Vec<u8>),
    /// A bigger one, read as it is scanned.
    Big(File),
}

fn open(path: &std::path::Path) -> std::io::Result<Opened> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    if size > WHOLE_FILE {
        return Ok(Opened::Big(file));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // A file that grew since it was measured is read only to the limit
    // (and then refused as cut short by the parser), never unbounded.
    file.take(WHOLE_FILE).read_to_end(&mut bytes)?;
    Ok(Opened::Whole(bytes))
}

/// Told about each input once its fate is final (stored and committed, or not).
pub type Progress = Box<dyn FnMut(&IngestOutcome) + Send>;

/// Everything one ingestion needs on its blocking thread.
struct Job {
    store: std::sync::Arc<dyn portcullis_store::Store>,
    office: OfficeId,
    now: portcullis_types::Timestamp,
    settings: portcullis_store::DmarcSettings,
    runtime: tokio::runtime::Handle,
}

/// An input read into the open batch, its outcome not yet final: held
/// reports are stored, and learnt to be new or not, only later.
struct Read {
    name: String,
    outcome: Result<InputOutcome<SinkError>, String>,
    domains: BTreeSet<String>,
    /// Where in the outcome each kept aggregate report is, by ordinal:
    /// noted before the first correction, which changes what is "kept".
    kept: Option<Vec<usize>>,
}

impl Read {
    /// Records the parser kept (some may yet prove duplicates).
    fn records(&self) -> u64 {
        let Ok(outcome) = &self.outcome else { return 0 };
        outcome.reports.iter().fold(0, |sum, found| match found.status {
            Status::Ingested { records } => sum.saturating_add(records),
            _ => sum,
        })
    }

    /// Correct a held report's status to what storing it found.
    fn settle(&mut self, ordinal: usize, fate: Settled) {
        let Ok(outcome) = &mut self.outcome else { return };
        let kept = self.kept.get_or_insert_with(|| {
            let is_kept =
                |f: &Found<SinkError>| f.kind == Some(Kind::Aggregate) && matches!(f.status, Status::Ingested { .. });
            outcome.reports.iter().enumerate().filter(|(_, f)| is_kept(f)).map(|(i, _)| i).collect()
        });
        let kept = kept.get(ordinal).and_then(|&i| outcome.reports.get_mut(i));
        match (fate, kept) {
            (Settled::Stored(domain), _) => {
                self.domains.insert(domain);
            }
            (Settled::Duplicate, Some(found)) => found.status = Status::Duplicate,
            (Settled::Failed(reason), Some(found)) => found.status = Status::Sink(SinkError::Unsaved(reason)),
            (_, None) => tracing::warn!("a stored report has no outcome to correct in {}", self.name),
        }
    }

    fn finish(self) -> IngestOutcome {
        let domains = self.domains.into_iter().collect();
        match self.outcome {
            Ok(outcome) => summarise(self.name, outcome, domains),
            Err(error) => {
                let kind = kind_from_name(&self.name).as_str();
                IngestOutcome::failed(self.name, kind, error)
            }
        }
    }
}

impl Job {
    fn writer(&self) -> Result<Writer, portcullis_store::StoreError> {
        let batch = self.runtime.block_on(self.store.begin_batch())?;
        Ok(Writer::start(batch, self.office, self.now, self.settings, &self.runtime))
    }

    /// Scan one input into the batch.
    fn one(writer: &Mutex<Writer>, position: usize, input: Input) -> Read {
        let name = input.name();
        let mut sink = StoreSink::new(writer, position);
        let outcome = match input {
            Input::File(path) => match open(&path) {
                Ok(Opened::Whole(bytes)) => Ok(scan(Cursor::new(bytes), &name, &Limits::default(), &mut sink)),
                Ok(Opened::Big(file)) => {
                    Ok(scan(BufReader::with_capacity(READ_BUFFER, file), &name, &Limits::default(), &mut sink))
                }
                Err(e) => Err(format!("cannot read it: {e}")),
            },
            Input::Bytes { bytes, .. } => Ok(scan(Cursor::new(bytes), &name, &Limits::default(), &mut sink)),
        };
        let domains = std::mem::take(&mut sink.domains);
        Read { name, outcome, domains, kept: None }
    }

    /// Store what is held and commit, then report the group.
    fn settle(writer: Writer, group: &mut Vec<Read>, done: &mut Vec<IngestOutcome>, progress: &mut Progress) {
        let (settled, committed) = writer.commit();
        for (ticket, fate) in settled {
            if let Some(read) = group.get_mut(ticket.input) {
                read.settle(ticket.ordinal, fate);
            }
        }
        for read in group.drain(..) {
            let mut outcome = read.finish();
            if let Err(e) = &committed
                && outcome.status == IngestStatus::Ingested
            {
                outcome.status = IngestStatus::Error;
                outcome.records = 0;
                outcome.error = Some(SinkError::Unsaved(e.to_string()).to_string());
            }
            progress(&outcome);
            done.push(outcome);
        }
    }

    fn run(
        self,
        inputs: Vec<Input>,
        mut progress: Progress,
    ) -> Result<Vec<IngestOutcome>, portcullis_store::StoreError> {
        let mut done = Vec::with_capacity(inputs.len());
        let queue = Mutex::new(inputs.into_iter().enumerate().peekable());
        let readers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, MAX_READERS);
        while lock_queue(&queue).peek().is_some() {
            let writer = Mutex::new(self.writer()?);
            let group =
                Group { queue: &queue, first: done.len(), taken: AtomicUsize::new(0), records: AtomicU64::new(0) };
            let mut reads = std::thread::scope(|scope| {
                let helpers: Vec<_> = (1..readers).map(|_| scope.spawn(|| group.read(&writer))).collect();
                let mut reads = group.read(&writer);
                for helper in helpers {
                    match helper.join() {
                        Ok(more) => reads.extend(more),
                        Err(panicked) => std::panic::resume_unwind(panicked),
                    }
                }
                reads
            });
            reads.sort_by_key(|(index, _)| *index);
            let mut reads: Vec<Read> = reads.into_iter().map(|(_, read)| read).collect();
            let writer = writer.into_inner().unwrap_or_else(PoisonError::into_inner);
            Self::settle(writer, &mut reads, &mut done, &mut progress);
        }
        Ok(done)
    }
}

/// Threads reading inputs at once, at most.
const MAX_READERS: usize = 4;

type Queue = std::iter::Peekable<std::iter::Enumerate<std::vec::IntoIter<Input>>>;

fn lock_queue(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The inputs read into one batch: taken in order from the queue by every
/// reading thread until the batch has enough.
struct Group<'q> {
    queue: &'q Mutex<Queue>,
    /// The queue position of the group's first input.
    first: usize,
    taken: AtomicUsize,
    /// Records read so far (some may yet prove duplicates).
    records: AtomicU64,
}

impl Group<'_> {
    /// Read inputs until the group is full or the queue empty; each with
    /// its queue position.
    fn read(&self, writer: &Mutex<Writer>) -> Vec<(usize, Read)> {
        let mut reads = Vec::new();
        loop {
            let next = {
                let mut queue = lock_queue(self.queue);
                let full = self.taken.load(Ordering::Relaxed) >= INPUTS_PER_COMMIT
                    || self.records.load(Ordering::Relaxed) >= RECORDS_PER_COMMIT;
                if full {
                    None
                } else {
                    self.taken.fetch_add(1, Ordering::Relaxed);
                    queue.next()
                }
            };
            let Some((index, input)) = next else { return reads };
            let read = Job::one(writer, index.saturating_sub(self.first), input);
            self.records.fetch_add(read.records(), Ordering::Relaxed);
            reads.push((index, read));
        }
    }
}

impl App {
    /// Ingest `inputs` into `office`'s reports, in order, telling
    /// `progress` about each as its fate becomes final. Problems with an
    /// input are in its outcome; `Err` only when the work could not run.
    pub async fn ingest_reports(
        &self,
        office: OfficeId,
        inputs: Vec<Input>,
        progress: Progress,
    ) -> Result<Vec<IngestOutcome>, AppError> {
        let job = Job {
            store: self.store().clone(),
            office,
            now: self.clock().now(),
            settings: self.store().dmarc_settings(office).await?,
            runtime: tokio::runtime::Handle::current(),
        };
        let task = tokio::task::spawn_blocking(move || job.run(inputs, progress));
        Ok(task.await.map_err(|e| AppError::Refused(format!("reading the reports stopped unexpectedly: {e}")))??)
    }
    /// Ingest one input, committed on its own.
    pub async fn ingest_one(&self, office: OfficeId, input: Input) -> Result<IngestOutcome, AppError> {
        let name = input.name();
        let mut outcomes = self.ingest_reports(office, vec![input], Box::new(|_| {})).await?;
        Ok(outcomes.pop().unwrap_or_else(|| IngestOutcome::failed(name, "aggregate", "nothing was read".into())))
    }

    /// After a batch: one audit entry for the lot, and failure reports past
    /// their retention deleted.
    pub async fn finish_ingest(
        &self,
        office: OfficeId,
        actor: &Actor,
        outcomes: &[IngestOutcome],
    ) -> Result<(), AppError> {
        let count = |s: IngestStatus| outcomes.iter().filter(|o| o.status == s).count();
        let records: u64 = outcomes.iter().map(|o| o.records).sum();
        let detail = format!(
            "{} file(s): {} ingested ({records} records), {} already stored, {} with errors",
            outcomes.len(),
            count(IngestStatus::Ingested),
            count(IngestStatus::Duplicate),
            count(IngestStatus::Error)
        );
        self.audit(office, actor, "dmarc.reports_ingested", None, &detail).await?;
        self.store().purge_failure_reports(office, self.clock().now()).await?;
        Ok(())
    }
}
