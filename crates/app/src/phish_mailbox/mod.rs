//! The "report phishing" mailbox: staff forward suspicious mail (as an
//! attachment, ideally) to an address such as `phishing@office`, and a job
//! empties it. Each message's forwarded email is triaged with what the
//! office knows, kept in the office's triage log (source `mailbox`),
//! audited, and optionally answered.
//!
//! The message is moved on exactly as the DMARC report fetch moves its
//! messages (the loop is shared: `dmarc::drain`): to the processed
//! folder once its report is stored, to the unreadable folder when no email
//! could be found in it, so nothing is triaged twice or silently lost.
//!
//! A reply goes only to a member of the office, found by the forwarder's
//! From address among the office's active accounts, and never to a
//! message a machine sent (RFC 3834). Answering anyone who writes in would
//! let strangers use the office's mail server to send text of their choice.
//! The From address is not authenticated here: a forged one makes the
//! report look as if that member sent it, and sends them the reply, but
//! nothing reaches the forger.

mod forwarded;
mod reply;

use std::sync::Arc;

use portcullis_phish::{Triage, TriageError, Triager};
use portcullis_store::{ReportId, ReportSource, User};
use portcullis_types::{Email, OfficeId};
use zeroize::Zeroizing;

pub use forwarded::{Forwarded, INLINE_NOTE};

use crate::dmarc::{FetchError, Folders, Read, ReportMailbox, drain};
use crate::mail::{Delivery, Mailer, OutgoingMail};
use crate::triage::{hex_sha256, size_in_words, target};
use crate::{Actor, App, AppError};

/// One message from the reporting mailbox and what became of it.
#[derive(Debug, Clone)]
pub struct MailboxReport {
    /// The message, as the mailbox names it (`imap://host/INBOX;UID=7`).
    pub message: String,
    /// What happened to it.
    pub outcome: MailboxOutcome,
}

/// What happened to one message.
#[derive(Debug, Clone)]
pub enum MailboxOutcome {
    /// The forwarded email was triaged and its report stored; the message
    /// went to the processed folder.
    Triaged(Box<MailboxTriaged>),
    /// No email could be found or read in it; it went to the unreadable
    /// folder. The reason is in words for whoever runs the job.
    Unreadable {
        /// Why.
        reason: String,
    },
}

/// A forwarded email triaged from the mailbox.
#[derive(Debug, Clone)]
pub struct MailboxTriaged {
    /// The stored report's id.
    pub report: ReportId,
    /// The verdict, score and reasons.
    pub triage: Triage,
    /// How it was forwarded.
    pub how: Forwarded,
    /// What the person should know about how they forwarded it (an inline
    /// forward loses the original headers), if anything.
    pub note: Option<String>,
    /// The office member who forwarded it, when the From address is one.
    pub reported_by: Option<Email>,
    /// Whether they were answered.
    pub reply: Reply,
}

/// Whether the person who forwarded a message was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// No replies were asked for.
    NotAsked,
    /// Handed to the mailer (sent, or printed where no mail is set up).
    Sent(Delivery),
    /// Not sent: the forwarder is not an active member of the office.
    NotAMember,
    /// Not sent: the message was sent by a machine (a bounce, an
    /// out-of-office reply).
    Automatic,
    /// The mail server would not take it (the report is stored all the same).
    Failed(String),
}

impl Reply {
    /// The name used in `--json` output and the audit log.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotAsked => "not_asked",
            Self::Sent(Delivery::Sent) => "sent",
            Self::Sent(Delivery::Printed) => "printed",
            Self::Sent(Delivery::NotSent) => "not_sent",
            Self::NotAMember => "not_a_member",
            Self::Automatic => "automatic_sender",
            Self::Failed(_) => "failed",
        }
    }
}

/// The engine's work on one message, done on a blocking thread.
struct Worked {
    found: forwarded::Unwrapped,
    triage: Triage,
    sha256: String,
}

impl App {
    /// Empty the reporting mailbox: triage the email forwarded in each
    /// message of `folders.source` for `office`, store and audit each
    /// report, move the message on, answer the forwarder when `reply` is
    /// given and they are a member of the office, and tell `progress`
    /// about each message as it is done. `actor` is who runs the job
    /// (`Actor::System` for the scheduled job, `Actor::Cli` at a terminal).
    /// Returns one report per message.
    pub async fn fetch_phish_reports(
        &self,
        office: OfficeId,
        mailbox: &mut dyn ReportMailbox,
        folders: &Folders,
        actor: &Actor,
        reply: Option<&dyn Mailer>,
        mut progress: impl FnMut(&MailboxReport),
    ) -> Result<Vec<MailboxReport>, FetchError> {
        let limits = self.triage_limits();
        let triager = Arc::new(Triager::new(self.phish_office(office).await?, limits));
        let members: Vec<User> = self
            .store()
            .list_users(office)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .filter(|u| !u.suspended)
            .collect();
        // Room for the email itself, base64-encoded inside the forward.
        let max_bytes = u64::try_from(limits.max_message_bytes).unwrap_or(u64::MAX).saturating_mul(2);
        let reports = drain(
            mailbox,
            folders,
            max_bytes,
            async |message, fetched| {
                let outcome = match fetched {
                    Ok(bytes) => self.triage_forwarded(office, actor, &triager, &members, reply, bytes).await?,
                    Err(e) => MailboxOutcome::Unreadable { reason: format!("it could not be fetched: {e}") },
                };
                let read = match outcome {
                    MailboxOutcome::Triaged(_) => Read::Processed,
                    MailboxOutcome::Unreadable { .. } => Read::Unreadable,
                };
                Ok((MailboxReport { message, outcome }, read))
            },
            |report| progress(report),
        )
        .await?;
        // A job polls every few minutes: an empty mailbox is not worth an
        // entry in the office's log.
        if reports.is_empty() {
            return Ok(reports);
        }
        let triaged = reports.iter().filter(|r| matches!(r.outcome, MailboxOutcome::Triaged(_))).count();
        let detail = format!(
            "{} message(s) in {}: {triaged} triaged, {} unreadable",
            reports.len(),
            folders.source,
            reports.len() - triaged
        );
        self.audit(office, actor, "phish.mailbox_fetched", None, &detail).await?;
        Ok(reports)
    }

    /// Find, triage, store, audit and answer one message's forwarded email.
    async fn triage_forwarded(
        &self,
        office: OfficeId,
        actor: &Actor,
        triager: &Arc<Triager>,
        members: &[User],
        reply: Option<&dyn Mailer>,
        bytes: Vec<u8>,
    ) -> Result<MailboxOutcome, AppError> {
        let engine = Arc::clone(triager);
        let worked = tokio::task::spawn_blocking(move || {
            let found = forwarded::unwrap(&bytes, engine.limits().max_parts)?;
            let triage = engine.triage(&found.email).map_err(|e| not_triaged(&e))?;
            let sha256 = hex_sha256(&found.email);
            Ok::<_, String>(Worked { found, triage, sha256 })
        })
        .await;
        let Worked { found, triage, sha256 } = match worked {
            Ok(Ok(worked)) => worked,
            Ok(Err(reason)) => return Ok(MailboxOutcome::Unreadable { reason }),
            // A message that stops the engine must not stop the job, nor be
            // read again next time: it is set aside like any unreadable one.
            Err(e) => return Ok(MailboxOutcome::Unreadable { reason: format!("triage stopped unexpectedly: {e}") }),
        };
        let member = found
            .forwarder
            .as_deref()
            .and_then(|from| members.iter().find(|u| u.email.as_str().eq_ignore_ascii_case(from)));
        let mut notes = Vec::new();
        if found.how == Forwarded::Inline {
            notes.push(INLINE_NOTE.to_owned());
        }
        if found.others > 0 {
            notes.push(format!(
                "{} more attached email(s) were not checked: forward each suspicious email on its own.",
                found.others
            ));
        }
        let note = (!notes.is_empty()).then(|| notes.join(" "));
        let new = self.new_report(office, &triage, sha256, ReportSource::Mailbox, member.map(|u| u.id));
        self.store().add_phish_report(&new).await?;
        let reply = match (reply, member) {
            (None, _) => Reply::NotAsked,
            (Some(_), _) if found.automatic => Reply::Automatic,
            (Some(_), None) => Reply::NotAMember,
            (Some(mailer), Some(user)) => answer(mailer, user, &triage, note.as_deref()).await,
        };
        let by = match member {
            Some(user) => format!("forwarded by {}", user.email),
            None => "forwarded by someone who is not a member of the office".to_owned(),
        };
        let detail = format!(
            "{} (score {}), from the reporting mailbox ({}), {by}; reply: {}",
            new.verdict,
            new.score,
            found.how.as_str(),
            reply.as_str()
        );
        self.audit(office, actor, "phish.triaged", Some(target(new.id)), &detail).await?;
        Ok(MailboxOutcome::Triaged(Box::new(MailboxTriaged {
            report: new.id,
            triage,
            how: found.how,
            note,
            reported_by: member.map(|u| u.email.clone()),
            reply,
        })))
    }
}

/// Send the verdict to the member who forwarded the email.
async fn answer(mailer: &dyn Mailer, user: &User, triage: &Triage, note: Option<&str>) -> Reply {
    let mail = OutgoingMail {
        to: user.email.clone(),
        to_name: user.name.as_str().to_owned(),
        subject: reply::subject(triage.verdict),
        body: Zeroizing::new(reply::body(user.name.as_str(), triage, note)),
    };
    match mailer.send(&mail).await {
        Ok(delivery) => Reply::Sent(delivery),
        Err(e) => Reply::Failed(e.to_string()),
    }
}

/// Why the engine could not read the forwarded email, in words.
fn not_triaged(e: &TriageError) -> String {
    match e {
        TriageError::TooLarge { size, limit } => format!(
            "the forwarded email is {}; the largest Portcullis can check is {}",
            size_in_words(*size),
            size_in_words(*limit)
        ),
        TriageError::NotAnEmail(why) => format!("the forwarded email could not be read ({why})"),
    }
}
