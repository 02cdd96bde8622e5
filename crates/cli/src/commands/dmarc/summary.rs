//! `portcullis dmarc summary DOMAIN`: who sends as the domain, and whether
//! its policy can be tightened.

use std::net::SocketAddr;

use anyhow::Result;
use portcullis_dmarc::readiness::Verdict;
use portcullis_dmarc::summary::{SenderStatus, Summary};

use crate::args::Cli;
use crate::commands::domain::network;
use crate::context::open_app;
use crate::output::{Outcome, print_json, say};

/// Senders listed in the text output.
const SHOWN: usize = 15;

/// Run the summary.
pub async fn run(
    cli: &Cli,
    domain: &str,
    days: u32,
    offline: bool,
    resolver: Option<SocketAddr>,
    office: Option<&str>,
) -> Result<Outcome> {
    let mut app = open_app(cli).await?;
    if !offline {
        let (dns, web) = network(resolver)?;
        app = app.with_network(dns, web);
    }
    let result = async {
        let office = app.cli_office(office).await?;
        anyhow::Ok(app.dmarc_summary(office, domain, days, !offline).await?)
    }
    .await;
    app.close().await;
    let summary = result?;
    if cli.json {
        print_json(&summary)?;
    } else {
        print(&summary);
    }
    Ok(match summary.readiness.verdict {
        Verdict::FixSendersFirst => Outcome::Problems,
        _ => Outcome::Clean,
    })
}

fn percent(per_mille: u32) -> String {
    format!("{}.{}%", per_mille / 10, per_mille % 10)
}

fn status_word(status: SenderStatus) -> &'static str {
    match status {
        SenderStatus::Aligned => "passing",
        SenderStatus::Partly => "partly failing",
        SenderStatus::Failing => "FAILING",
    }
}

fn print(s: &Summary) {
    let t = &s.totals;
    say(format_args!("{}: {} to {} ({} days)", s.domain, s.period.from_date, s.period.to_date, s.days));
    if t.messages == 0 {
        say("No reports for this period. Check that the domain's DMARC record has rua=mailto:… and that the");
        say("reports are brought in with: portcullis dmarc ingest FILES, or portcullis dmarc fetch --imap …");
    } else {
        say(format_args!(
            "{} messages: {} passed DMARC (DKIM aligned {}, SPF aligned {}), {} failed.",
            t.messages,
            percent(t.dmarc_pass.per_mille),
            percent(t.dkim_aligned.per_mille),
            percent(t.spf_aligned.per_mille),
            t.failed
        ));
        say("");
        say("Who sends mail as this domain:");
        for sender in s.senders.iter().take(SHOWN) {
            say(format_args!(
                "  {:<40} {:>9} msgs  {:>6} of all  {:>6} pass  {}",
                sender.id.name,
                sender.messages,
                percent(sender.share_per_mille),
                percent(sender.dmarc_pass.per_mille),
                status_word(sender.status)
            ));
        }
        if s.senders.len() > SHOWN {
            say(format_args!("  … and {} more (see --json or the web dashboard)", s.senders.len() - SHOWN));
        }
    }
    say("");
    let r = &s.readiness;
    say(format_args!("Policy: {}", r.headline));
    for reason in &r.reasons {
        say(format_args!("  - {reason}"));
    }
    if !r.fix_first.is_empty() {
        say("Fix these first:");
        for item in &r.fix_first {
            say(format_args!("  - {}", item.sentence()));
        }
    }
}
