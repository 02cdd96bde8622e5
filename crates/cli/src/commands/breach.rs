//! `portcullis breach index build` and `portcullis breach check`.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use portcullis_app::vault::local::{IndexLookup, build_index};
use portcullis_breach::Secret;
use portcullis_breach::audit::BreachLookup as _;
use portcullis_breach::hash::HashKind;
use portcullis_net::RangeApi;
use serde::Serialize;

use crate::args::{BreachCommand, BreachIndexCommand, BreachSource, Cli};
use crate::output::{Outcome, print_json, say};
use crate::secret_input::read_secret;

/// How long one range request may take.
pub const API_TIMEOUT: Duration = Duration::from_secs(10);

/// Run a `breach` command.
pub async fn run(cli: &Cli, cmd: &BreachCommand) -> Result<Outcome> {
    match cmd {
        BreachCommand::Index(BreachIndexCommand::Build { corpus, out }) => {
            let (corpus, out, json) = (corpus.clone(), out.clone(), cli.json);
            tokio::task::spawn_blocking(move || build(&corpus, &out, json)).await?
        }
        BreachCommand::Check { source } => check(cli, source).await,
    }
}

#[derive(Serialize)]
struct Built {
    kind: HashKind,
    entries: u64,
    index_bytes: u64,
    corpus_bytes: u64,
    ratio: f64,
    seconds: f64,
}

fn build(corpus: &std::path::Path, out: &std::path::Path, json: bool) -> Result<Outcome> {
    let started = Instant::now();
    let corpus_bytes = std::fs::metadata(corpus).with_context(|| format!("{}", corpus.display()))?.len();
    let bar = if json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::with_draw_target(Some(corpus_bytes), indicatif::ProgressDrawTarget::stderr())
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let summary = build_index(corpus, out, &mut |read, _| bar.set_position(read))?;
    bar.finish_and_clear();
    #[allow(clippy::cast_precision_loss)]
    let ratio = summary.bytes_written as f64 / corpus_bytes.max(1) as f64;
    let built = Built {
        kind: summary.kind,
        entries: summary.entries,
        index_bytes: summary.bytes_written,
        corpus_bytes,
        ratio,
        seconds: started.elapsed().as_secs_f64(),
    };
    if json {
        print_json(&built)?;
    } else {
        say(format_args!(
            "Indexed {} {} hashes in {:.1} s: {} is {} MB, {:.2}× the corpus.",
            built.entries,
            kind_name(built.kind),
            built.seconds,
            out.display(),
            built.index_bytes / 1_000_000,
            built.ratio
        ));
    }
    Ok(Outcome::Clean)
}

/// The hash's name as people know it.
pub const fn kind_name(kind: HashKind) -> &'static str {
    match kind {
        HashKind::Sha1 => "SHA-1",
        HashKind::Ntlm => "NTLM",
    }
}

#[derive(Serialize)]
struct Checked {
    breached: bool,
    count: u64,
    source: &'static str,
}

async fn check(cli: &Cli, source: &BreachSource) -> Result<Outcome> {
    crate::harden::protect_secrets();
    let password = Secret::new(std::mem::take(&mut *read_secret("Password to check (it will not be shown): ", false)?));
    let (count, from) = match (&source.index, &source.api) {
        (Some(path), _) => {
            let index = IndexLookup::open(path)?;
            let hash = index.kind().of(&password);
            (index.count(&hash)?, "index")
        }
        (None, Some(url)) => {
            let api = RangeApi::new(url, HashKind::Sha1, API_TIMEOUT)?;
            (api.count(&HashKind::Sha1.of(&password)).await?, "api")
        }
        (None, None) => bail!(no_source()),
    };
    drop(password);
    if cli.json {
        print_json(&Checked { breached: count > 0, count, source: from })?;
    } else if count > 0 {
        say(format_args!(
            "This password has appeared {count} time(s) in known breaches. Do not use it anywhere: \
             attackers try these first. Change it wherever it is used."
        ));
    } else {
        say("This password was not found in the known breaches checked. That alone does not make it strong: \
             use a long, unique password from a password manager.");
    }
    Ok(if count > 0 { Outcome::Problems } else { Outcome::Clean })
}

/// The error when neither --index nor --api is given.
pub const fn no_source() -> &'static str {
    "say where to check: --index INDEX (offline, built with portcullis breach index build) or \
     --api https://api.pwnedpasswords.com (sends only the first 5 hex digits of each hash)"
}
