//! `portcullis mail fetch --imap HOST …`: empty the office's "report
//! phishing" mailbox. Each message's forwarded email is triaged into the
//! office's triage log and the message moved on; with `--reply`, members
//! who forwarded one are told the verdict.
//!
//! With `--json`, one object per message:
//! `{"message", "status": "triaged"|"unreadable", "forwarded":
//! "attachment"|"eml_file"|"msg_file"|"inline", "verdict", "score",
//! "report_id", "reported_by", "reply", "reply_error", "note", "reasons",
//! "error"}` (fields that do not apply are null; `reasons` is empty).

use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use portcullis_app::dmarc::Folders;
use portcullis_app::mail::{Mailer, SmtpMailer};
use portcullis_app::phish_mailbox::{MailboxOutcome, MailboxReport, Reply};
use portcullis_app::{Actor, App};
use portcullis_phish::{Reason, Verdict, advice};
use serde::Serialize;

use crate::args::{Cli, MailCommand};
use crate::commands::imap::Connection;
use crate::context::open_app;
use crate::output::{Outcome, print_json, say};

/// Reasons printed per message in text.
const REASONS_SHOWN: usize = 5;

/// One message's line of `mail fetch --json`.
#[derive(Debug, Serialize)]
struct Line<'a> {
    message: &'a str,
    status: &'static str,
    forwarded: Option<&'static str>,
    verdict: Option<Verdict>,
    score: Option<u8>,
    report_id: Option<String>,
    reported_by: Option<String>,
    reply: Option<&'static str>,
    reply_error: Option<&'a str>,
    note: Option<&'a str>,
    reasons: &'a [Reason],
    error: Option<&'a str>,
}

impl<'a> Line<'a> {
    fn of(report: &'a MailboxReport) -> Self {
        let mut line = Self {
            message: &report.message,
            status: "unreadable",
            forwarded: None,
            verdict: None,
            score: None,
            report_id: None,
            reported_by: None,
            reply: None,
            reply_error: None,
            note: None,
            reasons: &[],
            error: None,
        };
        match &report.outcome {
            MailboxOutcome::Unreadable { reason } => line.error = Some(reason),
            MailboxOutcome::Triaged(t) => {
                line.status = "triaged";
                line.forwarded = Some(t.how.as_str());
                line.verdict = Some(t.triage.verdict);
                line.score = Some(t.triage.score);
                line.report_id = Some(t.report.to_string());
                line.reported_by = t.reported_by.as_ref().map(ToString::to_string);
                line.reply = Some(t.reply.as_str());
                line.reply_error = match &t.reply {
                    Reply::Failed(why) => Some(why),
                    _ => None,
                };
                line.note = t.note.as_deref();
                line.reasons = &t.triage.reasons;
            }
        }
        line
    }
}

/// Whether a message needs someone's attention: phishing, suspicious, or
/// unreadable (it waits in the unreadable folder for a person).
fn needs_attention(report: &MailboxReport) -> bool {
    match &report.outcome {
        MailboxOutcome::Triaged(t) => t.triage.verdict != Verdict::Clean,
        MailboxOutcome::Unreadable { .. } => true,
    }
}

/// The SMTP relay replies go through. Unlike `serve`, there is no printing
/// fallback: replies printed here would mix with the results.
fn reply_mailer(from: &str) -> Result<Arc<dyn Mailer>> {
    let Some(url) = std::env::var("PORTCULLIS_SMTP_URL").ok().filter(|v| !v.trim().is_empty()) else {
        bail!("--reply needs a mail server: set PORTCULLIS_SMTP_URL, e.g. smtp://host:587?tls=required");
    };
    let smtp = SmtpMailer::new(url.trim(), from).context("cannot use the mail server in PORTCULLIS_SMTP_URL")?;
    Ok(Arc::new(smtp))
}

/// Run `mail fetch`.
pub async fn run(cli: &Cli, cmd: &MailCommand) -> Result<Outcome> {
    let MailCommand::Fetch { imap, folder, move_to, unreadable_to, office, reply, mail_from } = cmd else {
        bail!("not a fetch command");
    };
    let connection = Connection::from(imap);
    let account = connection.account()?;
    let mailer = if *reply { Some(reply_mailer(mail_from)?) } else { None };
    let folders = Folders { source: folder.clone(), processed: move_to.clone(), unreadable: unreadable_to.clone() };
    let app = open_app(cli).await?;
    let result = async {
        let office = app.cli_office(office.as_deref()).await?;
        let mut imap = connection.connect(&account).await?;
        let reports = fetch(cli, &app, office, &mut imap, &folders, mailer.as_deref()).await;
        imap.logout().await;
        reports
    }
    .await;
    app.close().await;
    let reports = result?;
    let flagged = reports.iter().filter(|r| needs_attention(r)).count();
    if !cli.json {
        say(format_args!("{} message(s) read, {flagged} need attention.", reports.len()));
    }
    Ok(if flagged > 0 { Outcome::Problems } else { Outcome::Clean })
}

async fn fetch(
    cli: &Cli,
    app: &App,
    office: portcullis_types::OfficeId,
    imap: &mut crate::commands::imap::Imap,
    folders: &Folders,
    mailer: Option<&dyn Mailer>,
) -> Result<Vec<MailboxReport>> {
    let json = cli.json;
    let print = |report: &MailboxReport| {
        if json {
            // A closed stdout is handled inside; nothing else can fail here worth stopping for.
            let _ = print_json(&Line::of(report));
        } else {
            print_text(report);
        }
    };
    Ok(app.fetch_phish_reports(office, imap, folders, &Actor::Cli, mailer, print).await?)
}

fn print_text(report: &MailboxReport) {
    let t = match &report.outcome {
        MailboxOutcome::Unreadable { reason } => {
            say(format_args!("{}: not checked: {reason}", report.message));
            return;
        }
        MailboxOutcome::Triaged(t) => t,
    };
    let by = t.reported_by.as_ref().map_or_else(|| "someone outside the office".to_owned(), ToString::to_string);
    say(format_args!(
        "{}: {} (score {}), forwarded by {by} ({}), report {}",
        report.message,
        t.triage.verdict.as_str(),
        t.triage.score,
        t.how.as_str().replace('_', " "),
        t.report
    ));
    for reason in t.triage.reasons.iter().take(REASONS_SHOWN) {
        let sign = if reason.weight < 0 { "-" } else { "+" };
        say(format_args!("  {sign}{} {}", reason.weight.unsigned_abs(), reason.explanation));
    }
    if t.triage.verdict != Verdict::Clean {
        say("  What to do now:");
        for step in advice::now(t.triage.verdict) {
            say(format_args!("  - {step}"));
        }
    }
    if let Some(note) = &t.note {
        say(format_args!("  Note: {note}"));
    }
    match &t.reply {
        Reply::NotAsked => {}
        Reply::Failed(why) => say(format_args!("  Reply not sent: {why}")),
        other => say(format_args!("  Reply: {}", other.as_str().replace('_', " "))),
    }
}
