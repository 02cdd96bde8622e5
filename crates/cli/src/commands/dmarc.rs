//! `portcullis dmarc …`: take in DMARC and TLS reports, and summarise them.

mod fetch;
mod summary;

use std::path::PathBuf;

use anyhow::Result;
use portcullis_app::Actor;
use portcullis_app::dmarc::{DmarcSettings, IngestOutcome, IngestStatus, Input, Progress};

use super::files::collect;
use crate::args::{Cli, DmarcCommand};
use crate::context::open_app;
use crate::output::{Outcome, print_json, say};

/// Batches this large get a progress bar (on a terminal).
const PROGRESS_FROM: usize = 20;

/// Run a `dmarc` subcommand.
pub async fn run(cli: &Cli, cmd: &DmarcCommand) -> Result<Outcome> {
    match cmd {
        DmarcCommand::Ingest { paths, office } => ingest(cli, paths, office.as_deref()).await,
        DmarcCommand::Fetch { .. } => fetch::run(cli, cmd).await,
        DmarcCommand::Summary { domain, days, offline, resolver, office } => {
            summary::run(cli, domain, *days, *offline, *resolver, office.as_deref()).await
        }
        DmarcCommand::Settings { failure_reports, retention_days, office } => {
            settings(cli, failure_reports.as_deref(), *retention_days, office.as_deref()).await
        }
    }
}

/// One line of text for an outcome.
pub(super) fn describe(o: &IngestOutcome) -> String {
    match o.status {
        IngestStatus::Ingested => format!("{}: stored ({} {}, {} record(s))", o.path, o.kind, "report", o.records),
        IngestStatus::Duplicate => format!("{}: already stored", o.path),
        IngestStatus::Error => format!("{}: not stored: {}", o.path, o.error.as_deref().unwrap_or("unknown error")),
    }
}

/// Print each outcome as it becomes final, with a progress bar for big batches.
pub(super) fn printer(json: bool, total: usize) -> Progress {
    let bar = if total >= PROGRESS_FROM {
        indicatif::ProgressBar::with_draw_target(Some(total as u64), indicatif::ProgressDrawTarget::stderr())
    } else {
        indicatif::ProgressBar::hidden()
    };
    Box::new(move |outcome: &IngestOutcome| {
        bar.suspend(|| {
            if json {
                // A closed stdout is handled inside; nothing else can fail here worth stopping for.
                let _ = print_json(outcome);
            } else {
                say(describe(outcome));
            }
        });
        bar.inc(1);
        if bar.position() >= total as u64 {
            bar.finish_and_clear();
        }
    })
}

/// The closing lines and exit code of an ingestion.
pub(super) fn conclude(cli: &Cli, outcomes: &[IngestOutcome]) -> Outcome {
    let count = |s: IngestStatus| outcomes.iter().filter(|o| o.status == s).count();
    let (stored, duplicate, failed) =
        (count(IngestStatus::Ingested), count(IngestStatus::Duplicate), count(IngestStatus::Error));
    if !cli.json {
        let records: u64 = outcomes.iter().map(|o| o.records).sum();
        say(format_args!(
            "{stored} file(s) stored ({records} record(s)), {duplicate} already stored, {failed} could not be read."
        ));
        let mut domains: Vec<&str> = outcomes.iter().flat_map(|o| o.domains.iter().map(String::as_str)).collect();
        domains.sort_unstable();
        domains.dedup();
        if let Some(first) = domains.first() {
            say(format_args!(
                "New reports for: {}. See who sends as a domain with: portcullis dmarc summary {first}",
                domains.join(", ")
            ));
        }
    }
    if failed > 0 { Outcome::Problems } else { Outcome::Clean }
}

async fn ingest(cli: &Cli, paths: &[PathBuf], office: Option<&str>) -> Result<Outcome> {
    let files = collect(paths)?;
    let app = open_app(cli).await?;
    let result = async {
        let office = app.cli_office(office).await?;
        let inputs: Vec<Input> = files.into_iter().map(Input::File).collect();
        let total = inputs.len();
        let outcomes = app.ingest_reports(office, inputs, printer(cli.json, total)).await?;
        app.finish_ingest(office, &Actor::Cli, &outcomes).await?;
        anyhow::Ok(outcomes)
    }
    .await;
    app.close().await;
    Ok(conclude(cli, &result?))
}

async fn settings(cli: &Cli, failures: Option<&str>, days: Option<u32>, office: Option<&str>) -> Result<Outcome> {
    let app = open_app(cli).await?;
    let result = async {
        let office = app.cli_office(office).await?;
        let mut settings = app.dmarc_settings(office).await?;
        if failures.is_some() || days.is_some() {
            settings = DmarcSettings {
                keep_failure_reports: failures.map_or(settings.keep_failure_reports, |f| f == "on"),
                failure_retention_days: days.unwrap_or(settings.failure_retention_days),
            };
            app.set_dmarc_settings(office, &Actor::Cli, settings).await?;
        }
        anyhow::Ok(settings)
    }
    .await;
    app.close().await;
    let settings = result?;
    if cli.json {
        print_json(&serde_json::json!({
            "failure_reports": settings.keep_failure_reports,
            "retention_days": settings.failure_retention_days,
        }))?;
    } else if settings.keep_failure_reports {
        say(format_args!(
            "Failure reports are kept, redacted, for {} days, then deleted.",
            settings.failure_retention_days
        ));
    } else {
        say("Failure reports are not kept (they describe single messages, so they are personal data).");
    }
    Ok(Outcome::Clean)
}
