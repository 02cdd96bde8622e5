//! `portcullis mail triage`: is this email phishing, and why.
//!
//! Files are read by a few threads at once and reported in the order
//! given. An mbox mailbox is split into its emails (named `FILE#N`);
//! Outlook `.msg` files are read by the engine. Each message gets a verdict
//! or a one-line error; one bad file never stops the rest. With
//! `--live-dkim` each message's DKIM signatures are first checked against
//! DNS (`portcullis_net::DkimVerifier`) on the command's tokio runtime,
//! under a deadline per message.
//!
//! `portcullis mail fetch` (in `fetch`) empties the office's "report
//! phishing" mailbox instead.

mod fetch;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Result;
use portcullis_net::DkimVerifier;
use portcullis_phish::{Limits, Office, Reason, Triage, Triager, Verdict, advice};
use serde::Serialize;

use super::files::collect;
use crate::args::{Cli, MailCommand};
use crate::output::{Outcome, print_json, say};

/// Batches this large get a progress bar (on a terminal).
const PROGRESS_FROM: usize = 20;
/// Threads triaging at once, at most (and always, with --live-dkim: they
/// spend most of their time waiting for DNS).
const MAX_WORKERS: usize = 8;
/// Time allowed for all of one message's live DKIM lookups.
const LIVE_DKIM_TIMEOUT: Duration = Duration::from_secs(5);

/// Live DKIM checks, run on the command's runtime from the worker threads.
struct LiveCheck {
    verifier: DkimVerifier,
    runtime: tokio::runtime::Handle,
}

impl LiveCheck {
    /// Triage `raw` after checking its signatures.
    fn triage(&self, triager: &Triager, raw: &[u8]) -> Result<Triage, String> {
        if portcullis_phish::msg::is_msg(raw) {
            // Not the signed email: the engine would ignore the result.
            return triager.triage(raw).map_err(|e| e.to_string());
        }
        let live = self.runtime.block_on(self.verifier.verify(raw));
        triager.triage_with(raw, Some(&live)).map_err(|e| e.to_string())
    }
}

/// One message's result: the line `mail triage --json` prints.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Line {
    /// `{"path", "verdict", "score", "reasons"}` (DESIGN.md).
    Verdict { path: String, verdict: Verdict, score: u8, reasons: Vec<Reason> },
    /// `{"path", "error"}`: the message could not be checked.
    Error { path: String, error: String },
}

impl Line {
    fn of(path: String, result: Result<Triage, String>) -> Self {
        match result {
            Ok(t) => Self::Verdict { path, verdict: t.verdict, score: t.score, reasons: t.reasons },
            Err(error) => Self::Error { path, error },
        }
    }

    fn needs_attention(&self) -> bool {
        match self {
            Self::Verdict { verdict, .. } => *verdict != Verdict::Clean,
            Self::Error { .. } => true,
        }
    }
}

/// Run a `mail` subcommand.
pub async fn run(cli: &Cli, cmd: &MailCommand) -> Result<Outcome> {
    match cmd {
        MailCommand::Triage { paths, office_domains, authserv_ids, known_senders, live_dkim, resolver } => {
            let live = if *live_dkim {
                match DkimVerifier::new(*resolver, LIVE_DKIM_TIMEOUT) {
                    Ok(verifier) => Some(LiveCheck { verifier, runtime: tokio::runtime::Handle::current() }),
                    Err(e) => {
                        tracing::warn!("live DKIM checks are off: {e}");
                        None
                    }
                }
            } else {
                None
            };
            // The worker threads wait on this runtime for DNS: this thread
            // hands its share of the runtime on while it waits for them.
            tokio::task::block_in_place(|| {
                triage(cli, paths, &Known { office_domains, authserv_ids, known_senders }, live.as_ref())
            })
        }
        MailCommand::Fetch { .. } => fetch::run(cli, cmd).await,
    }
}

/// What the command line says the office knows.
struct Known<'a> {
    office_domains: &'a [String],
    authserv_ids: &'a [String],
    known_senders: &'a [String],
}

/// Run `mail triage`.
fn triage(cli: &Cli, paths: &[PathBuf], known: &Known<'_>, live: Option<&LiveCheck>) -> Result<Outcome> {
    let Known { office_domains, authserv_ids, known_senders } = known;
    let office = Office {
        domains: office_domains.iter().map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase()).collect(),
        authserv_ids: authserv_ids.to_vec(),
        known_senders: known_senders.iter().map(|s| s.trim().to_ascii_lowercase()).collect(),
        ..Office::default()
    };
    let triager = Triager::new(office, Limits::default());
    let files = collect(paths)?;
    let lines = triage_all(&triager, &files, live);
    let mut flagged = 0;
    for line in &lines {
        if line.needs_attention() {
            flagged += 1;
        }
        if cli.json {
            print_json(line)?;
        } else {
            print_text(line);
        }
    }
    if !cli.json && lines.len() > 1 {
        say(format_args!("{} message(s) checked, {flagged} need attention.", lines.len()));
    }
    Ok(if flagged > 0 { Outcome::Problems } else { Outcome::Clean })
}

/// Triage every file on a few threads; the lines come back in file order.
fn triage_all(triager: &Triager, files: &[PathBuf], live: Option<&LiveCheck>) -> Vec<Line> {
    let bar = if files.len() >= PROGRESS_FROM {
        indicatif::ProgressBar::with_draw_target(Some(files.len() as u64), indicatif::ProgressDrawTarget::stderr())
    } else {
        indicatif::ProgressBar::hidden()
    };
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Vec<Line>>> = files.iter().map(|_| Mutex::new(Vec::new())).collect();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let workers = if live.is_some() { MAX_WORKERS } else { cores.clamp(1, MAX_WORKERS) };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(file), Some(slot)) = (files.get(index), results.get(index)) else { break };
                    let lines = triage_file(triager, file, live);
                    *slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = lines;
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    results.into_iter().flat_map(|m| m.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)).collect()
}

/// The lines for one file: one per email in it.
fn triage_file(triager: &Triager, path: &Path, live: Option<&LiveCheck>) -> Vec<Line> {
    let check = |raw: &[u8]| match live {
        Some(live) => live.triage(triager, raw),
        None => triager.triage(raw).map_err(|e| e.to_string()),
    };
    let name = path.display().to_string();
    let limit = triager.limits().max_message_bytes;
    let bytes = match read_bounded(path, limit) {
        Ok(bytes) => bytes,
        Err(e) => return vec![Line::of(name, Err(e))],
    };
    if bytes.starts_with(b"From ") {
        let messages: Vec<&[u8]> = portcullis_types::mbox::split(&bytes).collect();
        // A single email saved with its mbox separator keeps its plain name.
        let several = messages.len() > 1;
        return messages
            .into_iter()
            .enumerate()
            .map(|(n, message)| {
                let path = if several { format!("{name}#{}", n + 1) } else { name.clone() };
                Line::of(path, check(message))
            })
            .collect();
    }
    vec![Line::of(name, check(&bytes))]
}

fn read_bounded(path: &Path, limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() > limit {
        return Err(format!("it is bigger than the {} MB limit", limit / (1024 * 1024)));
    }
    Ok(bytes)
}

fn print_text(line: &Line) {
    match line {
        Line::Error { path, error } => say(format_args!("{path}: not checked: {error}")),
        Line::Verdict { path, verdict, score, reasons } => {
            say(format_args!("{path}: {} (score {score})", verdict.as_str()));
            for reason in reasons.iter().take(5) {
                let sign = if reason.weight < 0 { "-" } else { "+" };
                say(format_args!("  {sign}{} {}", reason.weight.unsigned_abs(), reason.explanation));
            }
            if *verdict != Verdict::Clean {
                say("  What to do now:");
                for step in advice::now(*verdict) {
                    say(format_args!("  - {step}"));
                }
            }
        }
    }
}
