//! `portcullis domain check`: can this domain be spoofed, and what should
//! be published to stop it.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use portcullis_app::OsRandom;
use portcullis_dnscheck::fetch::Fetcher;
use portcullis_dnscheck::suggest::{Provider, rollout};
use portcullis_dnscheck::{DomainName, DomainReport, Finding, Options, Resolver, Status, check_domains};
use portcullis_net::{HttpsFetcher, NetResolver, Patience, system_nameservers};

use crate::args::{Cli, DomainCommand};
use crate::output::{Outcome, print_json, say};

/// Domains checked at once: enough to hide DNS latency, few enough not to
/// flood a resolver.
const CONCURRENCY: usize = 32;

/// Run a `domain` subcommand.
pub async fn run(cli: &Cli, cmd: &DomainCommand) -> Result<Outcome> {
    match cmd {
        DomainCommand::Check { domains, resolver, dkim_selectors } => {
            check(cli, domains, *resolver, dkim_selectors).await
        }
        DomainCommand::Monitor { once, resolver, mail_from } => monitor(cli, *once, *resolver, mail_from).await,
        DomainCommand::Suggest { domain, sends_via, report_to } => {
            suggest(cli, domain, sends_via, report_to.as_deref())
        }
    }
}

async fn monitor(cli: &Cli, once: bool, server: Option<SocketAddr>, mail_from: &str) -> Result<Outcome> {
    let (dns, web) = network(server)?;
    let mailer = crate::commands::serve::mailer(mail_from)?;
    let app = crate::context::open_app(cli).await?.with_network(dns, web).with_mailer(mailer);
    if !once {
        say("Checking watched domains every 10 minutes (each is re-checked daily). Press Ctrl+C to stop.");
        tokio::select! {
            () = app.clone().monitor_domains(std::time::Duration::from_secs(600)) => {}
            () = portcullis_web::shutdown_signal() => {}
        }
        app.close().await;
        return Ok(Outcome::Clean);
    }
    let result = app.run_all_due_domain_checks().await;
    app.close().await;
    let checked = result?;
    if cli.json {
        print_json(&serde_json::json!({ "checked": checked }))?;
    } else {
        say(format_args!("Checked {checked} watched domain(s) that were due."));
    }
    Ok(Outcome::Clean)
}

/// DNS through `server` (or the system's resolvers) and HTTPS, for domain checks.
pub fn network(server: Option<SocketAddr>) -> Result<(Arc<dyn Resolver>, Arc<dyn Fetcher>)> {
    let servers = match server {
        Some(addr) => vec![addr],
        None => system_nameservers(std::path::Path::new("/etc/resolv.conf"))?,
    };
    let dns: Arc<dyn Resolver> = Arc::new(NetResolver::new(servers, Patience::default(), Arc::new(OsRandom)));
    Ok((dns, Arc::new(HttpsFetcher::default())))
}

fn suggest(cli: &Cli, domain: &str, sends_via: &[String], report_to: Option<&str>) -> Result<Outcome> {
    let name = DomainName::parse(domain).with_context(|| format!("cannot suggest records for '{}'", domain.trim()))?;
    let providers =
        sends_via.iter().map(|p| p.parse::<Provider>().map_err(anyhow::Error::msg)).collect::<Result<Vec<_>>>()?;
    if let Some(address) = report_to {
        portcullis_types::Email::new(address)
            .with_context(|| format!("--report-to '{address}' is not an email address"))?;
    }
    let stages = rollout(&name, &providers, report_to);
    if cli.json {
        print_json(&serde_json::json!({ "domain": name.as_str(), "stages": stages }))?;
        return Ok(Outcome::Clean);
    }
    for stage in &stages {
        say(&stage.title);
        for record in &stage.records {
            say(format_args!("    {}  {}  \"{}\"", record.name, record.rtype, record.value));
        }
        for note in &stage.notes {
            for line in note.lines() {
                say(format_args!("    {line}"));
            }
        }
        say("");
    }
    Ok(Outcome::Clean)
}

async fn check(cli: &Cli, domains: &[String], server: Option<SocketAddr>, selectors: &[String]) -> Result<Outcome> {
    let names = domains
        .iter()
        .map(|d| DomainName::parse(d).with_context(|| format!("cannot check '{}'", d.trim())))
        .collect::<Result<Vec<_>>>()?;
    if names.is_empty() {
        bail!("give at least one domain to check, e.g. portcullis domain check example.org.uk");
    }
    let (dns, web) = network(server)?;
    let options = Options { dkim_selectors: selectors.to_vec(), ..Options::default() };
    let reports = check_domains(dns, web, names, options, CONCURRENCY).await;
    for report in &reports {
        if cli.json { print_json(report)? } else { print_report(report) }
    }
    let failed = reports.iter().any(|r| r.findings.iter().any(|f| f.status == Status::Fail));
    Ok(if failed { Outcome::Problems } else { Outcome::Clean })
}

fn print_report(report: &DomainReport) {
    say(format_args!("{}  (overall: {})", report.domain, word(report.worst())));
    for finding in &report.findings {
        print_finding(finding);
    }
    say("");
}

fn print_finding(f: &Finding) {
    say(format_args!("  {:<7} {:<8} {}", word(f.status), f.check.as_str(), f.message));
    if let Some(fix) = &f.fix {
        for (i, line) in fix.lines().enumerate() {
            let lead = if i == 0 { "Fix:" } else { "" };
            say(format_args!("  {:<7} {:<8} {lead:<4} {line}", "", ""));
        }
    }
}

const fn word(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::Unknown => "unknown",
    }
}
