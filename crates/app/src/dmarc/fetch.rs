//! Pulling reports from a mailbox: every message in a folder is ingested,
//! then moved out of the way, to one folder when its reports are stored
//! (or were already) and to another when it could not be read, so nothing
//! is processed twice and nothing is silently lost.

use async_trait::async_trait;
use portcullis_dmarc::Limits;
use portcullis_types::OfficeId;

use super::ingest::{IngestOutcome, IngestStatus, Input, Progress};
use crate::{Actor, App, AppError};

/// A mailbox holding reports (IMAP in real life; a fake in tests).
#[async_trait]
pub trait ReportMailbox: Send {
    /// The messages in `folder`, by UID.
    async fn message_uids(&mut self, folder: &str) -> Result<Vec<u32>, MailboxError>;
    /// One message, refused when larger than `max_bytes`.
    async fn fetch(&mut self, uid: u32, max_bytes: u64) -> Result<Vec<u8>, MailboxError>;
    /// Move a message (of the folder listed last) to `folder`, creating it if needed.
    async fn move_to(&mut self, uid: u32, folder: &str) -> Result<(), MailboxError>;
    /// How to name a message in messages (`imap://host/INBOX;UID=7`).
    fn describe(&self, folder: &str, uid: u32) -> String;
}

/// A mailbox failure, already in words.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailboxError(pub String);

/// Where messages come from and go.
#[derive(Debug, Clone)]
pub struct Folders {
    /// Read from here.
    pub source: String,
    /// Messages whose reports are stored (or already were) go here.
    pub processed: String,
    /// Messages that could not be read go here.
    pub unreadable: String,
}

/// Why fetching stopped.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The mailbox failed.
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
    /// Storing failed.
    #[error(transparent)]
    App(#[from] AppError),
}

impl App {
    /// Ingest every message in `folders.source` and move each one on,
    /// telling `progress` about each. Returns one outcome per message.
    pub async fn fetch_reports(
        &self,
        office: OfficeId,
        mailbox: &mut dyn ReportMailbox,
        folders: &Folders,
        actor: &Actor,
        mut progress: Progress,
    ) -> Result<Vec<IngestOutcome>, FetchError> {
        let max = Limits::default().max_input_bytes;
        let outcomes = drain(
            mailbox,
            folders,
            max,
            async |name, fetched| {
                let outcome = match fetched {
                    Ok(bytes) => self.ingest_one(office, Input::Bytes { name, bytes }).await?,
                    Err(e) => IngestOutcome::failed(name, "aggregate", e.to_string()),
                };
                let readable = if outcome.status == IngestStatus::Error { Read::Unreadable } else { Read::Processed };
                Ok((outcome, readable))
            },
            |outcome| progress(outcome),
        )
        .await?;
        self.finish_ingest(office, actor, &outcomes).await?;
        Ok(outcomes)
    }
}

/// Which folder a handled message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// Dealt with: to `Folders::processed`.
    Processed,
    /// Could not be read: to `Folders::unreadable`.
    Unreadable,
}

/// The one mailbox loop every mailbox use-case shares: fetch each message
/// in `folders.source` (up to `max_bytes`), let `handle` deal with it (it
/// also gets the fetch failures, to say so in its outcome), move the
/// message where `handle` says, then tell `done`. A message is moved only
/// after it was handled, and reported only after it was moved, so a
/// failure part-way leaves the rest in the source folder for next time.
pub(crate) async fn drain<T>(
    mailbox: &mut dyn ReportMailbox,
    folders: &Folders,
    max_bytes: u64,
    mut handle: impl AsyncFnMut(String, Result<Vec<u8>, MailboxError>) -> Result<(T, Read), AppError>,
    mut done: impl FnMut(&T),
) -> Result<Vec<T>, FetchError> {
    let mut outcomes = Vec::new();
    for uid in mailbox.message_uids(&folders.source).await? {
        let name = mailbox.describe(&folders.source, uid);
        let fetched = mailbox.fetch(uid, max_bytes).await;
        let (outcome, read) = handle(name, fetched).await?;
        let target = match read {
            Read::Processed => &folders.processed,
            Read::Unreadable => &folders.unreadable,
        };
        mailbox.move_to(uid, target).await?;
        done(&outcome);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
