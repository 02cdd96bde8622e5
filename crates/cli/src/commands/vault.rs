//! `portcullis vault audit EXPORT`: breached, weak, reused and old passwords
//! and missing two-step sign-in, from a password-manager export that never
//! leaves this machine.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use portcullis_app::vault::local::{self, IndexLookup};
use portcullis_app::{OsRandom, SystemClock};
use portcullis_breach::Secret;
use portcullis_breach::audit::{BreachLookup, Priority, Report};
use portcullis_breach::hash::HashKind;
use portcullis_breach::vault::{Format, Limits, VaultKey};
use portcullis_net::RangeApi;
use portcullis_types::Email;

use crate::args::{BreachSource, Cli, VaultCommand};
use crate::commands::breach::{API_TIMEOUT, no_source};
use crate::output::{Outcome, print_json, say};
use crate::secret_input::read_secret;

/// Run a `vault` command.
pub async fn run(cli: &Cli, cmd: &VaultCommand) -> Result<Outcome> {
    let VaultCommand::Audit { export, format, password_file, keyfile, source, twofa_directory, record, office } = cmd;
    crate::harden::protect_secrets();
    let format = Format::from_name(format.trim())
        .with_context(|| format!("--format must be one of: {}", Format::NAMES.join(", ")))?;
    let key = vault_key(export, format, password_file.as_deref(), keyfile.as_deref())?;
    let directory = directory_path(cli, twofa_directory.as_ref())?;
    let mut lookup = breach_source(source)?;
    let path = export.clone();
    // zxcvbn's dictionaries load while the export is read (and a KeePass
    // key derived), instead of after.
    std::thread::spawn(portcullis_breach::audit::warm_up);
    let report = tokio::task::spawn_blocking(move || -> Result<Report> {
        let (format, entries) = local::read_export(&path, format, &key, &Limits::default())?;
        drop(key);
        let directory = directory.as_deref().map(local::load_directory).transpose()?;
        let breach = lookup.as_mut().map(|lookup| &mut **lookup as &mut dyn BreachLookup);
        let mut report = local::run_audit(&entries, directory.as_ref(), breach, &SystemClock, &OsRandom)?;
        report.summary.format = Some(format.name().to_owned());
        Ok(report)
    })
    .await??;
    if let Some(person) = record {
        record_report(cli, office.as_deref(), person, &report).await?;
    }
    if cli.json {
        print_json(&report)?;
    } else {
        print_report(export, &report);
    }
    Ok(if report.summary.needs_action > 0 { Outcome::Problems } else { Outcome::Clean })
}

fn vault_key(export: &Path, format: Format, password_file: Option<&Path>, keyfile: Option<&Path>) -> Result<VaultKey> {
    let keyfile = keyfile.map(local::read_secret_file).transpose()?;
    let password = match password_file {
        Some(file) => Some(password_from_file(file)?),
        None if keyfile.is_none() && local::is_keepass(export, format) => {
            let mut typed = read_secret("KeePass master password (it will not be shown): ", false)?;
            Some(Secret::new(std::mem::take(&mut *typed)))
        }
        None => None,
    };
    Ok(VaultKey { password, keyfile })
}

/// The first line of a password file, without its line ending.
fn password_from_file(file: &Path) -> Result<Secret> {
    let mut bytes = local::read_secret_file(file)?;
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    let text = std::str::from_utf8(&bytes).with_context(|| format!("{}: not UTF-8 text", file.display()))?;
    Ok(Secret::from(text))
}

fn directory_path(cli: &Cli, given: Option<&PathBuf>) -> Result<Option<PathBuf>> {
    if let Some(path) = given {
        return Ok(Some(path.clone()));
    }
    let default = crate::context::data_dir(cli)?.join("twofactor").join("entries.json");
    Ok(default.is_file().then_some(default))
}

fn breach_source(source: &BreachSource) -> Result<Option<Box<dyn BreachLookup + Send>>> {
    Ok(match (&source.index, &source.api) {
        (Some(path), _) => Some(Box::new(IndexLookup::open(path)?)),
        (None, Some(url)) => Some(Box::new(RangeApi::new(url, HashKind::Sha1, API_TIMEOUT)?)),
        (None, None) => None,
    })
}

async fn record_report(cli: &Cli, office: Option<&str>, person: &str, report: &Report) -> Result<()> {
    let person = Email::new(person).with_context(|| format!("--record {person}"))?;
    let app = crate::context::open_app(cli).await?;
    let office = app.cli_office(office).await?;
    let recorded = app.record_vault_audit_cli(office, &person, report).await;
    app.close().await;
    recorded?;
    if !cli.json {
        say(format_args!("Recorded the findings for {person} (no passwords or hashes are stored)."));
    }
    Ok(())
}

fn print_report(export: &Path, report: &Report) {
    let summary = &report.summary;
    say(format_args!(
        "Audited {} entries in {}{}.",
        report.entries.len(),
        export.display(),
        if summary.skipped > 0 { format!(" ({} without a password skipped)", summary.skipped) } else { String::new() }
    ));
    match summary.breach_source.as_deref() {
        Some(source) => say(format_args!("Breaches checked against the {source}.")),
        None => say(format!("Breaches not checked: {}.", no_source())),
    }
    if !summary.twofa_checked {
        say("Two-step sign-in not checked: give --twofa-directory FILE (2fa.directory's entries.json).");
    }
    let mut todo: Vec<_> = report.entries.iter().filter(|row| !row.todo.is_empty()).collect();
    todo.sort_by_key(|row| row.todo.iter().map(|item| item.priority).min().unwrap_or(Priority::Low));
    if !todo.is_empty() {
        say(format_args!("\nTo do ({} entries, most urgent first):", todo.len()));
    }
    for row in todo {
        let site = row.site.as_deref().map(|site| format!(" ({site})")).unwrap_or_default();
        say(format_args!("\n  {}{site}", row.title));
        for item in &row.todo {
            say(format_args!("    [{}] {}: {}", priority(item.priority), item.code.label(), item.action));
        }
    }
    say(format_args!(
        "\nSummary: {} breached, {} reused, {} weak, {} without two-step sign-in recorded, {} old; {} need action.",
        summary.breached, summary.reused, summary.weak, summary.twofa_missing, summary.old, summary.needs_action
    ));
}

const fn priority(priority: Priority) -> &'static str {
    match priority {
        Priority::High => "now",
        Priority::Medium => "this week",
        Priority::Low => "when convenient",
    }
}
