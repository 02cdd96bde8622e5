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
        let mut outcomes = Vec::new();
        for uid in mailbox.message_uids(&folders.source).await? {
            let name = mailbox.describe(&folders.source, uid);
            let outcome = match mailbox.fetch(uid, max).await {
                Ok(bytes) => self.ingest_one(office, Input::Bytes { name, bytes }).await?,
                Err(e) => IngestOutcome::failed(name, "aggregate", e.to_string()),
            };
            let target = if outcome.status == IngestStatus::Error { &folders.unreadable } else { &folders.processed };
            mailbox.move_to(uid, target).await?;
            progress(&outcome);
            outcomes.push(outcome);
        }
        self.finish_ingest(office, actor, &outcomes).await?;
        Ok(outcomes)
    }
}
