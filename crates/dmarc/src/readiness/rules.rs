//! The two rules that weigh the reports themselves: is the evidence about
//! the policy in force, and does the domain's real mail pass?

use super::advice::{fix_item, percent, thousands};
use super::{
    BIG_SENDER_PERCENT, Evidence, MAX_FAILING_PERCENT, MAX_FIX_ITEMS, POLICY_SHARE_PERCENT, READINESS_DAYS, Readiness,
    Step, Verdict, days_between, keep_collecting,
};
use crate::summary::{ALIGNED_PERCENT, Days, Sender};
use crate::{Policy, ReportSpan};

/// `a / b >= percent / 100`, exactly.
fn at_least(a: u64, b: u64, percent: u64) -> bool {
    u128::from(a) * 100 >= u128::from(percent) * u128::from(b)
}

/// Rule 2: at least [`POLICY_SHARE_PERCENT`]% of the window's reported mail
/// was under the policy now published. When not, sets the verdict to
/// keep collecting and returns false.
pub(super) fn policy_settled(r: &mut Readiness, e: &Evidence<'_>) -> bool {
    let policy = r.policy.unwrap_or(Policy::None);
    let window = Days::ending_at(e.now, READINESS_DAYS);
    let recent: Vec<&ReportSpan> = e.reports.iter().filter(|s| window.overlaps(s.begin, s.end)).collect();
    // Weigh by messages; reports that counted none (all zero) weigh one each.
    let by_messages = recent.iter().any(|s| s.messages > 0);
    let weight = |s: &&ReportSpan| if by_messages { s.messages } else { 1 };
    let total = recent.iter().map(weight).fold(0u64, u64::saturating_add);
    let under = recent
        .iter()
        .filter(|s| s.policy.unwrap_or(Policy::None) == policy)
        .map(weight)
        .fold(0u64, u64::saturating_add);
    let share = percent(under, total.max(1));
    if total == 0 || at_least(under, total, POLICY_SHARE_PERCENT) {
        r.reasons.push(format!("Reports cover {} days ({READINESS_DAYS} needed).", r.days_covered));
        if total > 0 {
            r.reasons
                .push(format!("{share} of reported mail was under p={}, the policy now published.", policy.as_str()));
        }
        if r.pct < 100 && policy != Policy::None {
            r.reasons.push(format!(
                "pct={}: p={} applies to only {}% of failing mail; the rest is treated one step more gently.",
                r.pct,
                policy.as_str(),
                r.pct
            ));
        }
        return true;
    }
    let since = days_between(run_start(e.reports, policy), e.now);
    keep_collecting(
        r,
        since,
        format!(
            "Only {share} of reported mail in the last {READINESS_DAYS} days was under p={}, the policy now \
             published ({POLICY_SHARE_PERCENT}% needed): wait until reports under it cover {READINESS_DAYS} days.",
            policy.as_str()
        ),
    );
    false
}

/// When the newest unbroken run of reports under `policy` began.
fn run_start(reports: &[ReportSpan], policy: Policy) -> i64 {
    let mut sorted: Vec<&ReportSpan> = reports.iter().collect();
    sorted.sort_by(|a, b| (b.end, b.begin).cmp(&(a.end, a.begin)).then_with(|| a.org_name.cmp(&b.org_name)));
    sorted
        .into_iter()
        .take_while(|s| s.policy.unwrap_or(Policy::None) == policy)
        .map(|s| s.begin)
        .min()
        .unwrap_or(i64::MAX)
}

/// Rules 3 and 4, and the verdict that follows from them.
pub(super) fn judge_senders(r: &mut Readiness, e: &Evidence<'_>, step: Option<Step>) {
    let total = r.messages;
    let failing_ok = !at_least(r.failing, total, MAX_FAILING_PERCENT);
    let mut blocking: Vec<&Sender> = e
        .senders
        .iter()
        .filter(|s| big(s, total) && !at_least(s.dmarc_pass.count, s.messages, ALIGNED_PERCENT))
        .collect();
    by_failing(&mut blocking);
    r.reasons.push(format!(
        "{} of {} messages failed DMARC ({MAX_FAILING_PERCENT}% or more means wait).",
        percent(r.failing, total),
        thousands(total)
    ));
    r.reasons.push(if blocking.is_empty() {
        format!(
            "Every sender with more than {BIG_SENDER_PERCENT}% of your mail passes DMARC for at least \
             {ALIGNED_PERCENT}% of it."
        )
    } else {
        format!(
            "{} with more than {BIG_SENDER_PERCENT}% of your mail pass{} DMARC for less than {ALIGNED_PERCENT}% of it.",
            count_senders(blocking.len()),
            if blocking.len() == 1 { "es" } else { "" }
        )
    });
    let listed = if blocking.is_empty() && !failing_ok { largest_failing(e.senders) } else { blocking.clone() };
    r.fix_first = listed.into_iter().take(MAX_FIX_ITEMS).map(|s| fix_item(s, e.domain)).collect();
    decide(r, step, failing_ok, blocking.len());
}

fn big(s: &Sender, total: u64) -> bool {
    u128::from(s.messages) * 100 > u128::from(BIG_SENDER_PERCENT) * u128::from(total)
}

fn failing(s: &Sender) -> u64 {
    s.messages.saturating_sub(s.dmarc_pass.count)
}

fn by_failing(list: &mut [&Sender]) {
    list.sort_by(|a, b| failing(b).cmp(&failing(a)).then_with(|| a.id.key.cmp(&b.id.key)));
}

/// Every sender with failing mail, most first.
fn largest_failing(senders: &[Sender]) -> Vec<&Sender> {
    let mut list: Vec<&Sender> = senders.iter().filter(|s| failing(s) > 0).collect();
    by_failing(&mut list);
    list
}

fn count_senders(n: usize) -> String {
    if n == 1 { "1 sender".to_owned() } else { format!("{n} senders") }
}

fn decide(r: &mut Readiness, step: Option<Step>, failing_ok: bool, blocking: usize) {
    let current = r.policy.unwrap_or(Policy::None);
    let Some(step) = step else {
        r.verdict = Verdict::AtReject;
        r.headline = "At p=reject: keep watching the reports".to_owned();
        if !r.fix_first.is_empty() {
            r.reasons.push("Mail from the senders listed is being refused: fix them if they are yours.".to_owned());
        }
        return;
    };
    r.reasons.push(format!(
        "Move one step at a time (none, then quarantine, then reject), raising pct to 100 before the next step, \
         and watch the reports for {READINESS_DAYS} days after each (M3AAWG and NCSC guidance)."
    ));
    if blocking > 0 {
        r.verdict = Verdict::FixSendersFirst;
        r.headline = format!("Fix {} before {}", count_senders(blocking), step.describe());
    } else if !failing_ok {
        r.verdict = Verdict::FixSendersFirst;
        r.headline = format!("Too much mail fails DMARC: find out why before {}", step.describe());
        r.reasons.push(
            "The failures are spread over small senders: mail you recognise needs fixing; the rest is probably \
             someone pretending to be you, which the stricter policy will stop."
                .to_owned(),
        );
    } else {
        r.verdict = Verdict::ReadyFor(step.target);
        r.headline = match (step.raise_pct, step.target) {
            (true, Policy::Reject) => "Ready to apply p=reject to all mail: raise pct to 100".to_owned(),
            (true, target) => {
                format!("Raise pct to 100 first, so p={} applies to all mail, before moving on", target.as_str())
            }
            (false, target) => format!("Ready to move from p={} to p={}", current.as_str(), target.as_str()),
        };
    }
}
