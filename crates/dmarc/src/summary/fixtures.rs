//! Hand-built tallies and reports for the summary and readiness tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::net::IpAddr;

pub(crate) use super::DAY;
use super::{Summary, SummaryInput, summarise};
use crate::{Policy, ReportSpan, Tally, Verdict};

/// 2026-01-01T12:00:00Z.
pub(crate) const NOW: i64 = 1_767_225_600 + 12 * 3600;
/// Midnight starting 2026-01-01.
pub(crate) const TODAY: i64 = 1_767_225_600;
pub(crate) const DOMAIN: &str = "janesmith.org.uk";

pub(crate) fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// `messages` from `source` on the day `days_ago` days before today,
/// DKIM and SPF passing (aligned) for the own domain.
pub(crate) fn pass(source: &str, days_ago: i64, messages: u64) -> Tally {
    Tally {
        day: TODAY - days_ago * DAY,
        source_ip: ip(source),
        header_from: DOMAIN.to_owned(),
        policy: Some(Policy::None),
        disposition: Some(Policy::None),
        dkim: Verdict::Pass,
        spf: Verdict::Pass,
        dkim_domain: Some(DOMAIN.to_owned()),
        dkim_selector: Some("s1".to_owned()),
        spf_domain: Some(DOMAIN.to_owned()),
        messages,
    }
}

/// As [`pass`], but failing both, signed and bounced by `other`.
pub(crate) fn fail(source: &str, days_ago: i64, messages: u64, other: &str) -> Tally {
    Tally {
        dkim: Verdict::Fail,
        spf: Verdict::Fail,
        dkim_domain: Some(other.to_owned()),
        dkim_selector: Some("k1".to_owned()),
        spf_domain: Some(other.to_owned()),
        ..pass(source, days_ago, messages)
    }
}

/// A report from `org` for the day `days_ago` days before today.
pub(crate) fn report(org: &str, days_ago: i64, policy: Option<Policy>, pct: Option<u8>, messages: u64) -> ReportSpan {
    let begin = TODAY - days_ago * DAY;
    ReportSpan { org_name: org.to_owned(), begin, end: begin + DAY - 1, policy, pct, messages }
}

/// One report a day from `first_days_ago` to yesterday, all under `policy`.
pub(crate) fn daily(first_days_ago: i64, policy: Policy, pct: Option<u8>) -> Vec<ReportSpan> {
    (1..=first_days_ago).rev().map(|d| report("google.com", d, Some(policy), pct, 10)).collect()
}

pub(crate) fn summary(
    days: u32,
    tallies: &[Tally],
    reports: &[ReportSpan],
    names: &HashMap<IpAddr, String>,
) -> Summary {
    summarise(&SummaryInput { domain: DOMAIN, now: NOW, days, tallies, reports, names })
}

pub(crate) fn no_names() -> HashMap<IpAddr, String> {
    HashMap::new()
}
