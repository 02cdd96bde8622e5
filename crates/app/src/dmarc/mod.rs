//! DMARC aggregate, SMTP TLS and failure reports: taking them in (files,
//! messages, a mailbox), the office's report settings, and the summary of
//! who sends as a domain and whether its policy can be tightened.

mod fetch;
mod ingest;
mod settings;
mod sink;
mod summary;
mod writer;

pub use fetch::{FetchError, Folders, MailboxError, ReportMailbox};
pub(crate) use fetch::{Read, drain};
pub use ingest::{IngestOutcome, IngestStatus, Input, Progress};
pub use portcullis_store::{DmarcSettings, ReportedDomain, StoredFailure};
pub use settings::{Dashboard, MAX_RETENTION_DAYS};
pub use sink::SinkError;
pub use summary::MAX_DAYS;
