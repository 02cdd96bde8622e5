//! Is it safe to make the DMARC policy stricter?
//!
//! The rules follow the rule of thumb in the DMARC-reporting issue and the
//! guidance of M3AAWG ("M3AAWG Email Authentication Recommended Best
//! Practices") and the NCSC ("Email security and anti-spoofing"): move one
//! step at a time, `p=none` → `p=quarantine` → `p=reject`, raising `pct` to
//! 100 before the next step, and take each step only when the reports show
//! that the domain's real mail passes. Over the last [`READINESS_DAYS`]
//! days:
//!
//! 1. reports cover the whole window (the earliest began no later than
//!    [`READINESS_DAYS`] days ago, give or take [`COVERAGE_TOLERANCE_SECS`]);
//! 2. at least [`POLICY_SHARE_PERCENT`]% of reported mail was under the
//!    current policy (the `p=` of the newest report), so the evidence is
//!    about the policy in force;
//! 3. fewer than [`MAX_FAILING_PERCENT`]% of messages failed DMARC;
//! 4. every sender with more than [`BIG_SENDER_PERCENT`]% of the mail passes
//!    DMARC for at least [`ALIGNED_PERCENT`](crate::summary::ALIGNED_PERCENT)%
//!    of it.
//!
//! Fewer than [`THIN_EVIDENCE_MESSAGES`] messages is thin evidence: said,
//! but not a reason to wait.

mod advice;
mod rules;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use advice::FixItem;
use advice::thousands;
use rules::{judge_senders, policy_settled};

use crate::summary::{DAY, Sender};
use crate::{Policy, ReportSpan};

/// Days of reports the rules look at.
pub const READINESS_DAYS: u32 = 30;
/// Slack on the coverage rule: reports that began up to a day late still
/// count as covering the window (the first report's period starts at
/// whatever midnight the reporter chose).
pub const COVERAGE_TOLERANCE_SECS: i64 = DAY;
/// Share of reported mail that must have been under the current policy.
pub const POLICY_SHARE_PERCENT: u64 = 99;
/// The share of messages failing DMARC must be below this.
pub const MAX_FAILING_PERCENT: u64 = 10;
/// Senders with more than this share of the mail must be aligned.
pub const BIG_SENDER_PERCENT: u64 = 2;
/// Fewer messages than this over the window is thin evidence.
pub const THIN_EVIDENCE_MESSAGES: u64 = 100;
/// Most senders listed to fix.
pub const MAX_FIX_ITEMS: usize = 20;

/// What the reports say can be done with the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Verdict {
    /// No reports, or reports counting no mail.
    NoData,
    /// Reports do not yet cover the window under the current policy.
    KeepCollecting {
        /// Days covered so far (less than [`READINESS_DAYS`]).
        days_seen: u32,
    },
    /// Some of the domain's real mail would be lost: fix these senders first.
    FixSendersFirst,
    /// Safe to take the next step to this policy (for the policy already
    /// published, the step is raising `pct` to 100).
    ReadyFor(Policy),
    /// Already at `p=reject` for all mail: keep watching the reports.
    AtReject,
}

/// The readiness assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// The verdict.
    pub verdict: Verdict,
    /// One plain-English line saying what to do.
    pub headline: String,
    /// Why, one sentence per rule checked.
    pub reasons: Vec<String>,
    /// Senders to fix, most failing mail first, at most [`MAX_FIX_ITEMS`].
    pub fix_first: Vec<FixItem>,
    /// The policy in force (the newest report's `p=`; a missing or garbled
    /// one counts as `none`, as receivers treat it); `None` without reports.
    pub policy: Option<Policy>,
    /// The newest report's `pct=` (100 when absent).
    pub pct: u8,
    /// Days since the earliest report began (rounded up).
    pub days_covered: u32,
    /// Messages over the window.
    pub messages: u64,
    /// Of which failed DMARC.
    pub failing: u64,
    /// Fewer than [`THIN_EVIDENCE_MESSAGES`] messages.
    pub thin_evidence: bool,
}

/// What the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The domain, lower case.
    pub domain: &'a str,
    /// The time now, Unix seconds.
    pub now: i64,
    /// Reports (any order); those touching the window are weighed, and the
    /// earliest shows how long reports have been arriving.
    pub reports: &'a [ReportSpan],
    /// Every sender over the last [`READINESS_DAYS`] days, unbounded.
    pub senders: &'a [Sender],
}

/// The next step from the published policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    /// The policy to be at after the step.
    target: Policy,
    /// The step is raising `pct` to 100, not changing `p=`.
    raise_pct: bool,
}

impl Step {
    fn from(policy: Policy, pct: u8) -> Option<Self> {
        match (policy, pct >= 100) {
            (Policy::None, _) => Some(Self { target: Policy::Quarantine, raise_pct: false }),
            (Policy::Quarantine, true) => Some(Self { target: Policy::Reject, raise_pct: false }),
            (p, false) => Some(Self { target: p, raise_pct: true }),
            (Policy::Reject, true) => None,
        }
    }

    /// "moving to p=quarantine" or "raising pct to 100".
    fn describe(self) -> String {
        if self.raise_pct { "raising pct to 100".to_owned() } else { format!("moving to p={}", self.target.as_str()) }
    }
}

/// Judge whether the policy can be made stricter.
pub fn assess(e: &Evidence<'_>) -> Readiness {
    let messages = e.senders.iter().fold(0u64, |sum, s| sum.saturating_add(s.messages));
    let passed = e.senders.iter().fold(0u64, |sum, s| sum.saturating_add(s.dmarc_pass.count));
    let mut r = Readiness {
        verdict: Verdict::NoData,
        headline: String::new(),
        reasons: Vec::new(),
        fix_first: Vec::new(),
        policy: None,
        pct: 100,
        days_covered: 0,
        messages,
        failing: messages.saturating_sub(passed),
        thin_evidence: messages < THIN_EVIDENCE_MESSAGES,
    };
    let Some(newest) = newest(e.reports) else {
        r.headline = format!("No DMARC reports for {} yet", e.domain);
        r.reasons.push(
            "Portcullis has no aggregate reports for this domain: check that its DMARC record has a rua= \
             address whose reports reach Portcullis."
                .to_owned(),
        );
        return r;
    };
    let policy = newest.policy.unwrap_or(Policy::None);
    r.policy = Some(policy);
    r.pct = newest.pct.unwrap_or(100).min(100);
    let earliest = e.reports.iter().map(|s| s.begin).min().unwrap_or(newest.begin);
    r.days_covered = days_between(earliest, e.now);
    if messages == 0 {
        no_mail(&mut r, e.domain);
    } else if !covered(earliest, e.now) {
        let days = r.days_covered;
        keep_collecting(&mut r, days, format!("Reports cover {days} of {READINESS_DAYS} days so far."));
    } else if policy_settled(&mut r, e) {
        // (When not settled, `policy_settled` has said to keep collecting.)
        let step = Step::from(policy, r.pct);
        judge_senders(&mut r, e, step);
    }
    if r.thin_evidence && r.verdict != Verdict::NoData {
        r.reasons.push(format!(
            "Only {} messages in {READINESS_DAYS} days: the evidence is thin, so watch the reports closely after \
             any change.",
            thousands(messages)
        ));
    }
    r
}

/// The newest report (latest end, then latest begin, then name, so the
/// choice does not depend on order).
fn newest(reports: &[ReportSpan]) -> Option<&ReportSpan> {
    reports.iter().max_by(|a, b| {
        (a.end, a.begin)
            .cmp(&(b.end, b.begin))
            .then_with(|| b.org_name.cmp(&a.org_name))
            .then(a.messages.cmp(&b.messages))
    })
}

/// Whole days from `from` to `to`, rounded up (0 when `to` is earlier).
pub(super) fn days_between(from: i64, to: i64) -> u32 {
    let secs = to.saturating_sub(from).max(0);
    let days = secs.saturating_add(DAY - 1) / DAY;
    u32::try_from(days).unwrap_or(u32::MAX)
}

/// Reports began long enough ago to cover the window.
fn covered(earliest: i64, now: i64) -> bool {
    let needed = i64::from(READINESS_DAYS).saturating_mul(DAY);
    earliest <= now.saturating_sub(needed).saturating_add(COVERAGE_TOLERANCE_SECS)
}

fn no_mail(r: &mut Readiness, domain: &str) {
    r.headline = format!("No mail reported for {domain} in the last {READINESS_DAYS} days");
    r.reasons.push(
        "Reports arrived, but none counted messages sent as this domain. If the domain sends no mail at all, \
         publish p=reject (and an SPF record of v=spf1 -all) so nobody can send as it."
            .to_owned(),
    );
}

pub(super) fn keep_collecting(r: &mut Readiness, days_seen: u32, reason: String) {
    let days_seen = days_seen.min(READINESS_DAYS - 1);
    r.verdict = Verdict::KeepCollecting { days_seen };
    r.headline = format!("Keep collecting: {days_seen} of {READINESS_DAYS} days so far");
    r.reasons.push(reason);
    r.reasons.push(format!(
        "Decide on the policy once reports cover {READINESS_DAYS} days: a month shows the senders that mail \
         only now and then (newsletters, invoices, surveys)."
    ));
}
