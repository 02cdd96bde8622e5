//! `GET /dmarc/{domain}/sender?key=…`: one sender of a domain's mail. The
//! machines it sent from, what its mail was signed and checked with, what
//! receivers did with it, and what to change when it fails.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Html;
use portcullis_app::App;
use portcullis_dmarc::summary::Sender;

use super::view::{self, Tag, thousands};
use super::{days_from, reported};
use crate::error::PageError;
use crate::layout::{Layout, render};
use crate::pages::query_param;
use crate::session::Full;

#[derive(Debug)]
struct SourceRow {
    ip: String,
    name: String,
    messages: String,
    passed: String,
}

/// What is wrong and what to do, from the readiness rules.
#[derive(Debug)]
struct Advice {
    problem: String,
    advice: String,
}

#[derive(Debug, Template)]
#[template(path = "dmarc_sender.html")]
struct SenderPage {
    layout: Layout,
    domain: String,
    days: u32,
    period: String,
    name: String,
    tag: Tag,
    messages: String,
    share: String,
    dmarc: String,
    dkim: String,
    spf: String,
    advice: Option<Advice>,
    sources: Vec<SourceRow>,
    more_sources: usize,
    dkim_domains: Vec<String>,
    selectors: Vec<String>,
    spf_domains: Vec<String>,
    /// (what happened, messages), the kinds that happened.
    dispositions: Vec<(&'static str, String)>,
}

/// `GET /dmarc/{domain}/sender?key=…&days=N`
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Path(domain): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let domain = reported(&app, &who, &domain).await?;
    let days = days_from(query.as_deref());
    let key = query_param(query.as_deref(), "key").ok_or(PageError::NotFound)?;
    let summary = app.dmarc_domain_summary(&who, &domain, days).await?;
    let sender = summary.senders.iter().find(|s| s.id.key == key).ok_or(PageError::NotFound)?;
    let advice = summary
        .readiness
        .fix_first
        .iter()
        .find(|f| f.key == key)
        .map(|f| Advice { problem: capitalise(&f.problem), advice: capitalise(&f.advice) });
    render(&SenderPage {
        layout,
        days: summary.days,
        period: view::period(summary.period.from, summary.period.to),
        name: sender.id.name.clone(),
        tag: view::sender_tag(sender.status),
        messages: thousands(sender.messages),
        share: view::per_mille(sender.share_per_mille),
        dmarc: view::percent(&sender.dmarc_pass),
        dkim: view::percent(&sender.dkim_aligned),
        spf: view::percent(&sender.spf_aligned),
        advice,
        sources: sources(sender),
        more_sources: sender.more_sources,
        dkim_domains: sender.dkim_domains.clone(),
        selectors: sender.selectors.clone(),
        spf_domains: sender.spf_domains.clone(),
        dispositions: dispositions(sender),
        domain: summary.domain.clone(),
    })
}

fn sources(sender: &Sender) -> Vec<SourceRow> {
    sender
        .sources
        .iter()
        .map(|s| SourceRow {
            ip: s.ip.to_string(),
            name: s.name.clone().unwrap_or_else(|| "No name found".to_owned()),
            messages: thousands(s.messages),
            passed: format!(
                "{} ({})",
                thousands(s.passed),
                view::percent(&portcullis_dmarc::summary::Count::new(s.passed, s.messages))
            ),
        })
        .collect()
}

fn dispositions(sender: &Sender) -> Vec<(&'static str, String)> {
    let d = sender.dispositions;
    [
        ("Delivered", d.none),
        ("Sent to spam (quarantined)", d.quarantine),
        ("Refused (rejected)", d.reject),
        ("Not reported", d.unreported),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(what, n)| (what, thousands(n)))
    .collect()
}

/// `text` with its first letter in capitals.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
