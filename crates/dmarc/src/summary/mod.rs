//! The DMARC summary for one domain: who sends mail as it, whether that
//! mail passes, day by day, and whether the policy can safely be made
//! stricter. Pure: the store hands over [`Tally`] and [`ReportSpan`] rows,
//! the app hands over reverse DNS names and the time.

#[cfg(test)]
pub(crate) mod fixtures;
mod group;
mod period;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::Serialize;

pub use group::{
    ALIGNED_PERCENT, Dispositions, FAILING_BELOW_PERCENT, MAX_NAMES, MAX_SENDERS, MAX_SOURCES, OTHER_KEY, Sender,
    SenderStatus, Source,
};
pub(crate) use period::{DAY, Days, day_start, iso_date};

use crate::readiness::{self, Evidence, READINESS_DAYS, Readiness};
use crate::{ReportSpan, Tally, Verdict};

/// Longest period a summary covers, in days (about ten years); longer
/// requests are shortened to this, so the day-by-day chart stays bounded.
pub const MAX_DAYS: u32 = 3660;
/// Most reporting organisations listed.
pub const MAX_REPORTERS: usize = 100;
/// Most DKIM selectors listed for the domain.
pub const MAX_SELECTORS: usize = 50;

/// What a summary is made from.
#[derive(Debug, Clone, Copy)]
pub struct SummaryInput<'a> {
    /// The domain the reports are about.
    pub domain: &'a str,
    /// The time now, Unix seconds.
    pub now: i64,
    /// How many days, ending today (UTC), to summarise.
    pub days: u32,
    /// Messages per day, source and result. May cover more days than
    /// `days`: the summary counts only its own period and the readiness
    /// rules only their last [`READINESS_DAYS`] days, so a caller passes
    /// the last `max(days, 30)` days to get both right. Any order.
    pub tallies: &'a [Tally],
    /// Every stored report's period and policy over the same days (reports
    /// that began earlier may be included: they show how long reports have
    /// been arriving). Any order.
    pub reports: &'a [ReportSpan],
    /// Reverse DNS names of source addresses, where known.
    pub names: &'a HashMap<IpAddr, String>,
}

/// A number of messages out of a total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Count {
    /// How many.
    pub count: u64,
    /// `count / total`, 0..1 (0 when the total is 0).
    pub rate: f64,
    /// The same rate in thousandths, rounded half up, for templates.
    pub per_mille: u32,
}

impl Count {
    /// `count` out of `total`.
    pub fn new(count: u64, total: u64) -> Self {
        if total == 0 {
            return Self { count, rate: 0.0, per_mille: 0 };
        }
        let total_wide = u128::from(total);
        let per_mille = (u128::from(count) * 1000 + total_wide / 2) / total_wide;
        Self { count, rate: count as f64 / total as f64, per_mille: u32::try_from(per_mille).unwrap_or(u32::MAX) }
    }
}

/// The days a summary covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Midnight UTC starting the first day, Unix seconds.
    pub from: i64,
    /// Midnight UTC starting the last day (inclusive), Unix seconds.
    pub to: i64,
    /// The first day, `YYYY-MM-DD`.
    pub from_date: String,
    /// The last day, `YYYY-MM-DD`.
    pub to_date: String,
}

/// Messages over the whole period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Totals {
    /// All messages reported.
    pub messages: u64,
    /// Passed DMARC (DKIM or SPF passed and aligned).
    pub dmarc_pass: Count,
    /// DKIM passed and aligned.
    pub dkim_aligned: Count,
    /// SPF passed and aligned.
    pub spf_aligned: Count,
    /// Failed DMARC.
    pub failed: u64,
}

/// One day on the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayPoint {
    /// Midnight UTC, Unix seconds.
    pub day: i64,
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// Messages reported for the day.
    pub messages: u64,
    /// Of which passed DMARC.
    pub passed: u64,
    /// Of which failed DMARC.
    pub failed: u64,
}

/// One organisation that sent reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reporter {
    /// Its name, as it gave it.
    pub org: String,
    /// Reports from it over the period.
    pub reports: u64,
    /// Messages those reports covered.
    pub messages: u64,
}

/// Everything `portcullis dmarc summary` and the dashboard show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The domain, lower case.
    pub domain: String,
    /// Days covered (the request, limited to 1..=[`MAX_DAYS`]).
    pub days: u32,
    /// Which days.
    pub period: Period,
    /// Totals over the period.
    pub totals: Totals,
    /// Every day of the period, oldest first, days without mail included.
    pub by_day: Vec<DayPoint>,
    /// Senders, most messages first (ties by key); at most [`MAX_SENDERS`],
    /// the last being "Other senders" when there were more.
    pub senders: Vec<Sender>,
    /// DKIM selectors that passed for the domain or its subdomains, most
    /// messages first, at most [`MAX_SELECTORS`]: names worth checking in
    /// DNS. Failing signatures are left out, since anyone can forge a
    /// signature naming any selector.
    pub selectors: Vec<String>,
    /// Who sent reports, most messages first (ties by reports, then name).
    pub reporters: Vec<Reporter>,
    /// How many more reporters there were than listed.
    pub more_reporters: usize,
    /// Whether the policy can be made stricter, judged on the last
    /// [`READINESS_DAYS`] days whatever the period.
    pub readiness: Readiness,
}

/// Summarise the reports for one domain.
pub fn summarise(input: &SummaryInput<'_>) -> Summary {
    let domain = input.domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let days = input.days.clamp(1, MAX_DAYS);
    let period = Days::ending_at(input.now, days);
    let in_period = || input.tallies.iter().filter(move |t| period.contains(t.day));
    let window = Days::ending_at(input.now, READINESS_DAYS);
    let recent = group::all_senders(input.tallies.iter().filter(|t| window.contains(t.day)), input.names, &domain);
    let readiness =
        readiness::assess(&Evidence { domain: &domain, now: input.now, reports: input.reports, senders: &recent });
    let (reporters, more_reporters) = reporters(period, input.reports);
    Summary {
        days,
        period: Period {
            from: period.first,
            to: period.last,
            from_date: iso_date(period.first),
            to_date: iso_date(period.last),
        },
        totals: totals(in_period()),
        by_day: by_day(period, in_period()),
        senders: group::bounded_senders(in_period(), input.names, &domain),
        selectors: selectors(&domain, in_period()),
        reporters,
        more_reporters,
        readiness,
        domain,
    }
}

fn totals<'t>(tallies: impl Iterator<Item = &'t Tally>) -> Totals {
    let (mut messages, mut pass, mut dkim, mut spf) = (0u64, 0u64, 0u64, 0u64);
    for t in tallies {
        let n = t.messages;
        messages = messages.saturating_add(n);
        let (d, s) = (t.dkim == Verdict::Pass, t.spf == Verdict::Pass);
        dkim = dkim.saturating_add(if d { n } else { 0 });
        spf = spf.saturating_add(if s { n } else { 0 });
        pass = pass.saturating_add(if d || s { n } else { 0 });
    }
    Totals {
        messages,
        dmarc_pass: Count::new(pass, messages),
        dkim_aligned: Count::new(dkim, messages),
        spf_aligned: Count::new(spf, messages),
        failed: messages.saturating_sub(pass),
    }
}

fn by_day<'t>(period: Days, tallies: impl Iterator<Item = &'t Tally>) -> Vec<DayPoint> {
    let mut sums: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for t in tallies {
        let slot = sums.entry(day_start(t.day)).or_default();
        let passed = if t.dkim == Verdict::Pass || t.spf == Verdict::Pass { t.messages } else { 0 };
        *slot = (slot.0.saturating_add(t.messages), slot.1.saturating_add(passed));
    }
    period
        .iter()
        .map(|day| {
            let (messages, passed) = sums.get(&day).copied().unwrap_or_default();
            DayPoint { day, date: iso_date(day), messages, passed, failed: messages.saturating_sub(passed) }
        })
        .collect()
}

/// Selectors of passing signatures by `domain` or a subdomain of it.
fn selectors<'t>(domain: &str, tallies: impl Iterator<Item = &'t Tally>) -> Vec<String> {
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for t in tallies.filter(|t| t.dkim == Verdict::Pass) {
        let signer = t.dkim_domain.as_deref().map(|d| d.trim_end_matches('.').to_ascii_lowercase());
        let ours =
            signer.is_some_and(|d| d == domain || d.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.')));
        let selector = t.dkim_selector.as_deref().map(|s| s.trim().to_ascii_lowercase());
        if let Some(selector) = selector.filter(|s| ours && plausible_selector(s)) {
            let slot = seen.entry(selector).or_default();
            *slot = slot.saturating_add(t.messages);
        }
    }
    group::top_by_count(seen, MAX_SELECTORS)
}

/// Looks like a DNS name a selector can be: letters, digits, `-`, `_`, `.`.
fn plausible_selector(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Reporting organisations whose reports touch the period, and how many
/// more there were than listed.
fn reporters(period: Days, reports: &[ReportSpan]) -> (Vec<Reporter>, usize) {
    let mut orgs: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in reports.iter().filter(|r| period.overlaps(r.begin, r.end)) {
        let name = r.org_name.trim();
        let name = if name.is_empty() { "(unnamed reporter)" } else { name };
        let slot = orgs.entry(name.to_owned()).or_default();
        *slot = (slot.0.saturating_add(1), slot.1.saturating_add(r.messages));
    }
    let mut list: Vec<Reporter> =
        orgs.into_iter().map(|(org, (reports, messages))| Reporter { org, reports, messages }).collect();
    list.sort_by(|a, b| b.messages.cmp(&a.messages).then(b.reports.cmp(&a.reports)).then_with(|| a.org.cmp(&b.org)));
    let more = list.len().saturating_sub(MAX_REPORTERS);
    list.truncate(MAX_REPORTERS);
    (list, more)
}
