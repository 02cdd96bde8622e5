//! Developer tasks: `cargo run -p xtask -- bench web`.
//!
//! Benchmarks live here, never in timed unit tests: they print figures for a
//! person to read and compare, and never fail a build on a slow machine.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)] // printing figures is the point

mod bench;
mod eval;

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo run -p xtask -- bench web [--rate N] [--secs N] [--store sqlite|postgres|both]\n\
         \x20      cargo run --release -p xtask -- bench domain [--domains N] [--lab DIR]\n\
         \x20      cargo run --release -p xtask -- bench dmarc [--small N] [--big N] [--huge N] [--skip-peer]\n\
         \x20      cargo run --release -p xtask -- bench breach [--lines N]\n\n\
         bench web      signed-in page views at a fixed rate against loopback; prints p50/p99 and errors per store\n\
         bench domain   `domain check` over N lab domains (default 1000) on a private loopback knotd, against\n\
         \x20              checkdmarc; prints domains/s for each and the ratio (needs root and knotd)\n\
         bench dmarc    `dmarc ingest` against parsedmarc (offline) on generated reports: N reports × 10 records\n\
         \x20              (default 1000), one N-record report (default 100000), and one N-record report for\n\
         \x20              portcullis alone (default 1000000; 0 leaves a workload out); records/s, peak RSS, ratio\n\
         bench phish    `mail triage` against a private rspamd (network checks off) on the dev split: msgs/s, recall, FPR\n\
         bench breach   `breach index build` on an N-line generated corpus (default 100000000), then `vault audit`\n\
         \x20              of a 500-entry KeePass vault against `keepassxc-cli analyze --hibp`; times, ratio, lookup µs\n\
         eval phish     triage a labelled set (DIR with phishing/ and ham/; default: the shared dev split plus the\n\
                        shared modern office mail); recall, false-positive rates, confusion matrix, messages/s"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["bench", "web", rest @ ..] => bench::web::run(rest),
        ["bench", "domain", rest @ ..] => bench::domain::run(rest),
        ["bench", "dmarc", rest @ ..] => bench::dmarc::run(rest),
        ["eval", "phish", rest @ ..] => eval::phish(rest),
        ["bench", "phish", rest @ ..] => bench::phish::run(rest),
        ["bench", "breach", rest @ ..] => bench::breach::run(rest),
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::from(1)
        }
    }
}
