//! `GET /dmarc/{domain}`: one domain's dashboard. Whether the policy can be
//! made stricter comes first, then the totals, three charts (each with its
//! numbers as a table), every sender, TLS failures and, when the office
//! keeps them, the redacted failure reports.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Html;
use portcullis_app::App;
use portcullis_app::dmarc::{Dashboard, StoredFailure};
use portcullis_dmarc::TlsReport;
use portcullis_dmarc::readiness::Readiness;
use portcullis_dmarc::summary::{DayPoint, Sender, SenderStatus, Summary};

use super::view::{self, Tag, thousands};
use super::{PERIODS, days_from, reported};
use crate::charts::{self, Bar, DayBar, Labels, RatePoint};
use crate::display::long_date;
use crate::error::PageError;
use crate::layout::{Layout, render};
use crate::session::Full;

/// Senders drawn on the chart; the table lists them all.
const CHART_SENDERS: usize = 10;

/// A link to the same page over another period.
#[derive(Debug)]
struct PeriodLink {
    days: u32,
    current: bool,
}

/// The readiness verdict, ready to show.
#[derive(Debug)]
struct Verdict {
    tag: Tag,
    headline: String,
    reasons: Vec<String>,
    /// (sender key as a query value, sender name, sentence).
    fixes: Vec<(String, String, String)>,
    /// "p=none" (with "at 50%" when not all mail), if reports say.
    policy: Option<String>,
    thin: bool,
}

#[derive(Debug)]
struct Totals {
    messages: String,
    dmarc: String,
    dkim: String,
    spf: String,
    failed: String,
}

#[derive(Debug)]
struct DayRow {
    date: String,
    messages: String,
    passed: String,
    failed: String,
    rate: String,
}

#[derive(Debug)]
struct SenderRow {
    name: String,
    key: String,
    messages: String,
    share: String,
    pass: String,
    tag: Tag,
}

#[derive(Debug)]
struct FailureLine {
    result_type: String,
    sessions: String,
    mx: String,
    sending_ip: String,
    receiving_ip: String,
    reason: Option<String>,
}

#[derive(Debug)]
struct TlsRow {
    reporter: String,
    period: String,
    policy_domain: String,
    policy_type: String,
    successful: String,
    failed: String,
    lines: Vec<FailureLine>,
}

#[derive(Debug)]
struct FailureRow {
    received: String,
    arrival: String,
    reporter: String,
    source_ip: String,
    auth_failure: String,
    delivery: String,
    from_domain: String,
    mail_from_domain: String,
    dkim: String,
    expires: String,
}

#[derive(Debug, Template)]
#[template(path = "dmarc_domain.html")]
struct DomainPage {
    layout: Layout,
    domain: String,
    days: u32,
    period: String,
    periods: Vec<PeriodLink>,
    verdict: Verdict,
    totals: Totals,
    volume_svg: String,
    rate_svg: String,
    senders_svg: String,
    day_rows: Vec<DayRow>,
    chart_senders: Vec<SenderRow>,
    senders: Vec<SenderRow>,
    selectors: Vec<String>,
    reporters: Vec<(String, String, String)>,
    more_reporters: usize,
    tls_reports: usize,
    tls: Vec<TlsRow>,
    keeps_failures: bool,
    retention_days: u32,
    failures: Vec<FailureRow>,
}

/// `GET /dmarc/{domain}?days=N`
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Path(domain): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let domain = reported(&app, &who, &domain).await?;
    let days = days_from(query.as_deref());
    let Dashboard { summary, tls, failures, settings } = app.dmarc_dashboard(&who, &domain, days).await?;
    let senders: Vec<SenderRow> = summary.senders.iter().map(sender_row).collect();
    render(&DomainPage {
        layout,
        days: summary.days,
        period: view::period(summary.period.from, summary.period.to),
        periods: PERIODS.iter().map(|d| PeriodLink { days: *d, current: *d == summary.days }).collect(),
        verdict: verdict(&summary.readiness),
        totals: totals(&summary),
        volume_svg: volume_svg(&summary),
        rate_svg: rate_svg(&summary),
        senders_svg: senders_svg(&summary),
        day_rows: summary.by_day.iter().map(day_row).collect(),
        chart_senders: summary.senders.iter().take(CHART_SENDERS).map(sender_row).collect(),
        senders,
        selectors: summary.selectors.clone(),
        reporters: summary
            .reporters
            .iter()
            .map(|r| (r.org.clone(), thousands(r.reports), thousands(r.messages)))
            .collect(),
        more_reporters: summary.more_reporters,
        tls_reports: tls.len(),
        tls: tls_rows(&tls),
        keeps_failures: settings.keep_failure_reports,
        retention_days: settings.failure_retention_days,
        failures: failures.iter().map(failure_row).collect(),
        domain: summary.domain,
    })
}

/// A sender key as it goes in a link's query string.
fn key_query(key: &str) -> String {
    url::form_urlencoded::byte_serialize(key.as_bytes()).collect()
}

/// The readiness assessment as the page shows it.
fn verdict(r: &Readiness) -> Verdict {
    let policy = r.policy.map(|p| {
        if r.pct < 100 { format!("p={} at {}% of mail", p.as_str(), r.pct) } else { format!("p={}", p.as_str()) }
    });
    Verdict {
        tag: view::verdict_tag(r.verdict),
        headline: r.headline.clone(),
        reasons: r.reasons.clone(),
        fixes: r.fix_first.iter().map(|f| (key_query(&f.key), f.sender.clone(), f.sentence())).collect(),
        policy,
        thin: r.thin_evidence,
    }
}

fn totals(s: &Summary) -> Totals {
    let t = &s.totals;
    Totals {
        messages: thousands(t.messages),
        dmarc: view::percent(&t.dmarc_pass),
        dkim: view::percent(&t.dkim_aligned),
        spf: view::percent(&t.spf_aligned),
        failed: thousands(t.failed),
    }
}

/// A day's pass rate, or `None` without mail.
fn rate(d: &DayPoint) -> Option<f64> {
    (d.messages > 0).then(|| d.passed as f64 / d.messages as f64)
}

fn day_row(d: &DayPoint) -> DayRow {
    let rate = portcullis_dmarc::summary::Count::new(d.passed, d.messages);
    DayRow {
        date: view::day(d.day),
        messages: thousands(d.messages),
        passed: thousands(d.passed),
        failed: thousands(d.failed),
        rate: if d.messages == 0 { "No mail".to_owned() } else { view::percent(&rate) },
    }
}

fn sender_row(s: &Sender) -> SenderRow {
    SenderRow {
        name: s.id.name.clone(),
        key: key_query(&s.id.key),
        messages: thousands(s.messages),
        share: view::per_mille(s.share_per_mille),
        pass: view::percent(&s.dmarc_pass),
        tag: view::sender_tag(s.status),
    }
}

fn volume_svg(s: &Summary) -> String {
    let desc = format!(
        "{} over {} days, of which {} passed DMARC and {} failed. Failed mail is drawn hatched above passed mail.",
        charts::messages(s.totals.messages),
        s.days,
        thousands(s.totals.dmarc_pass.count),
        thousands(s.totals.failed),
    );
    let bars: Vec<DayBar> =
        s.by_day.iter().map(|d| DayBar { label: view::short_day(d.day), passed: d.passed, failed: d.failed }).collect();
    charts::volume_chart(&Labels { id: "chart-volume", title: "Messages per day", desc: &desc }, &bars)
}

fn rate_svg(s: &Summary) -> String {
    let with_mail = s.by_day.iter().filter(|d| d.messages > 0).count();
    let desc = format!(
        "The share of each day's mail that passed DMARC, from 0% to 100%. {with_mail} of {} days had mail; \
         days without mail are gaps in the line. Over the whole period {} passed.",
        s.days,
        view::percent(&s.totals.dmarc_pass),
    );
    let points: Vec<RatePoint> =
        s.by_day.iter().map(|d| RatePoint { label: view::short_day(d.day), rate: rate(d) }).collect();
    charts::rate_chart(&Labels { id: "chart-rate", title: "DMARC pass rate per day", desc: &desc }, &points)
}

fn senders_svg(s: &Summary) -> String {
    let shown = s.senders.len().min(CHART_SENDERS);
    let failing = s.senders.iter().take(CHART_SENDERS).filter(|x| x.status == SenderStatus::Failing).count();
    let desc = format!(
        "The {shown} senders with the most messages, longest bar first, each labelled with its messages and \
         whether its mail passes DMARC. {failing} of them are failing."
    );
    let bars: Vec<Bar> = s
        .senders
        .iter()
        .take(CHART_SENDERS)
        .map(|x| Bar {
            label: x.id.name.clone(),
            value: x.messages,
            tone: view::sender_tone(x.status),
            note: view::sender_tag(x.status).1.to_lowercase(),
        })
        .collect();
    charts::bar_chart(&Labels { id: "chart-senders", title: "Top senders", desc: &desc }, &bars)
}

/// Every policy with failed sessions, newest report first.
fn tls_rows(reports: &[TlsReport]) -> Vec<TlsRow> {
    reports
        .iter()
        .flat_map(|r| {
            r.policies.iter().filter(|p| p.failed > 0).map(move |p| TlsRow {
                reporter: r.org_name.clone(),
                period: view::period(r.begin, r.end),
                policy_domain: p.policy_domain.clone(),
                policy_type: p.policy_type.clone(),
                successful: thousands(p.successful),
                failed: thousands(p.failed),
                lines: p
                    .failures
                    .iter()
                    .map(|f| FailureLine {
                        result_type: f.result_type.clone(),
                        sessions: thousands(f.sessions),
                        mx: view::or_dash(f.receiving_mx.clone()),
                        sending_ip: view::or_dash(f.sending_mta_ip.map(|ip| ip.to_string())),
                        receiving_ip: view::or_dash(f.receiving_ip.map(|ip| ip.to_string())),
                        reason: f.reason.clone(),
                    })
                    .collect(),
            })
        })
        .collect()
}

fn failure_row(f: &StoredFailure) -> FailureRow {
    let r = &f.report;
    FailureRow {
        received: long_date(f.received_at),
        arrival: r.arrival.map_or_else(|| "Not given".to_owned(), view::day),
        reporter: view::or_dash(r.reporter.clone()),
        source_ip: view::or_dash(r.source_ip.map(|ip| ip.to_string())),
        auth_failure: view::or_dash(r.auth_failure.clone()),
        delivery: view::or_dash(r.delivery_result.clone()),
        from_domain: view::or_dash(r.from_domain.clone()),
        mail_from_domain: view::or_dash(r.mail_from_domain.clone()),
        dkim: match (&r.dkim_domain, &r.dkim_selector) {
            (Some(d), Some(s)) => format!("{d} (selector {s})"),
            (Some(d), None) => d.clone(),
            _ => "Not given".to_owned(),
        },
        expires: long_date(f.expires_at),
    }
}
