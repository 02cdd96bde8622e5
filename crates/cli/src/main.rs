//! `portcullis`: the command line. It parses arguments, calls
//! `portcullis-app`, and prints; it holds no business rules.
//!
//! Exit codes (DESIGN.md): 0 success, 1 problems found worth attention,
//! 2 usage or input errors — with one plain-English line on stderr.
#![forbid(unsafe_code)]
// Printing is this crate's job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod commands;
mod context;
mod harden;
mod mailer;
mod output;
mod secret_input;

use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    context::init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("portcullis: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    let code = match runtime.block_on(commands::run(cli)) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            eprintln!("portcullis: {}", output::one_line(&e));
            ExitCode::from(2)
        }
    };
    report_peak_memory();
    code
}

/// With `PORTCULLIS_REPORT_PEAK_RSS=1`, say on stderr how much memory the
/// process needed at most (for tests and benchmarks that bound it).
fn report_peak_memory() {
    if std::env::var_os("PORTCULLIS_REPORT_PEAK_RSS").is_some_and(|v| v == "1") {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            let kib: String = line.chars().filter(char::is_ascii_digit).collect();
            eprintln!("peak-rss-kib: {kib}");
        }
    }
}
