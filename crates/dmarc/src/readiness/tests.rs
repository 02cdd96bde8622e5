#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::net::IpAddr;

use super::advice::{percent, thousands};
use super::*;
use crate::summary::fixtures::*;
use crate::{Tally, Verdict as Auth};

fn assess_with(tallies: &[Tally], reports: &[ReportSpan]) -> Readiness {
    summary(30, tallies, reports, &no_names()).readiness
}

/// 1,000 messages a day for a week from one well-behaved server.
fn good_mail() -> Vec<Tally> {
    (0..7).map(|d| pass("192.0.2.1", d, 1000)).collect()
}

/// `count` failing messages spread over senders of 2 messages each.
fn small_failures(count: u64) -> Vec<Tally> {
    (0..count / 2).map(|i| fail(&format!("10.9.{}.{}", i / 256, i % 256), 2, 2, "spoof.example")).collect()
}

#[test]
fn no_reports_means_no_data() {
    let r = assess_with(&good_mail(), &[]);
    assert_eq!((r.verdict, r.policy), (Verdict::NoData, None));
    assert_eq!(r.headline, "No DMARC reports for janesmith.org.uk yet");
}

#[test]
fn reports_without_mail_mean_no_data_and_suggest_reject_for_non_sending_domains() {
    let r = assess_with(&[], &daily(40, Policy::None, None));
    assert_eq!(r.verdict, Verdict::NoData);
    assert!(r.reasons[0].contains("v=spf1 -all"), "{:?}", r.reasons);
    assert!(!r.thin_evidence || r.reasons.len() == 1, "thin evidence is not repeated for no data");
}

#[test]
fn twenty_days_of_reports_means_keep_collecting() {
    let r = assess_with(&good_mail(), &daily(20, Policy::None, None));
    assert_eq!(r.verdict, Verdict::KeepCollecting { days_seen: 21 });
    assert_eq!(r.headline, "Keep collecting: 21 of 30 days so far");
}

#[test]
fn coverage_boundary_is_thirty_days_less_one_day_of_tolerance() {
    let mut reports = daily(20, Policy::None, None);
    let mut first = report("google.com", 40, Some(Policy::None), None, 10);
    first.begin = NOW - 29 * DAY;
    reports.push(first.clone());
    assert_eq!(assess_with(&good_mail(), &reports).verdict, Verdict::ReadyFor(Policy::Quarantine));
    first.begin += 1;
    *reports.last_mut().unwrap() = first;
    // 29 days less a second: rounded up to 29 days seen, still not enough.
    assert_eq!(assess_with(&good_mail(), &reports).verdict, Verdict::KeepCollecting { days_seen: 29 });
}

#[test]
fn ready_for_quarantine_from_none() {
    let r = assess_with(&good_mail(), &daily(35, Policy::None, None));
    assert_eq!(r.verdict, Verdict::ReadyFor(Policy::Quarantine));
    assert_eq!(r.headline, "Ready to move from p=none to p=quarantine");
    assert_eq!((r.policy, r.pct, r.messages, r.failing, r.thin_evidence), (Some(Policy::None), 100, 7000, 0, false));
    assert!(r.fix_first.is_empty());
    assert!(r.reasons.iter().any(|x| x.contains("M3AAWG and NCSC")));
}

#[test]
fn ready_for_reject_from_quarantine_at_full_pct() {
    let r = assess_with(&good_mail(), &daily(35, Policy::Quarantine, Some(100)));
    assert_eq!(r.verdict, Verdict::ReadyFor(Policy::Reject));
    assert_eq!(r.headline, "Ready to move from p=quarantine to p=reject");
}

#[test]
fn quarantine_below_full_pct_must_raise_pct_first() {
    let r = assess_with(&good_mail(), &daily(35, Policy::Quarantine, Some(50)));
    assert_eq!((r.verdict, r.pct), (Verdict::ReadyFor(Policy::Quarantine), 50));
    assert!(r.headline.starts_with("Raise pct to 100 first"), "{}", r.headline);
    assert!(r.reasons.iter().any(|x| x.starts_with("pct=50")));
}

#[test]
fn reject_below_full_pct_is_ready_for_full_reject_and_at_full_pct_keeps_watching() {
    let r = assess_with(&good_mail(), &daily(35, Policy::Reject, Some(20)));
    assert_eq!(r.verdict, Verdict::ReadyFor(Policy::Reject));
    assert_eq!(r.headline, "Ready to apply p=reject to all mail: raise pct to 100");
    let r = assess_with(&good_mail(), &daily(35, Policy::Reject, None));
    assert_eq!(r.verdict, Verdict::AtReject);
    assert_eq!(r.headline, "At p=reject: keep watching the reports");
}

#[test]
fn at_reject_still_lists_big_senders_whose_mail_is_refused() {
    let mut tallies = good_mail();
    tallies.push(fail("192.0.2.50", 1, 1000, "crm.example"));
    let r = assess_with(&tallies, &daily(35, Policy::Reject, None));
    assert_eq!(r.verdict, Verdict::AtReject);
    assert_eq!(r.fix_first.len(), 1);
    assert!(r.reasons.iter().any(|x| x.contains("being refused")));
}

#[test]
fn a_missing_policy_counts_as_none() {
    let mut reports = daily(35, Policy::None, None);
    reports.iter_mut().for_each(|s| s.policy = None);
    let r = assess_with(&good_mail(), &reports);
    assert_eq!((r.verdict, r.policy), (Verdict::ReadyFor(Policy::Quarantine), Some(Policy::None)));
}

/// 40 days of reports: the oldest under `none` weighing `old` messages,
/// the newest (within the window) under `quarantine` weighing `new`.
fn changed_policy(old: u64, new: u64) -> Vec<ReportSpan> {
    vec![
        report("a", 40, Some(Policy::None), None, 1),
        report("a", 20, Some(Policy::None), None, old),
        report("b", 12, Some(Policy::Quarantine), None, new),
        report("b", 1, Some(Policy::Quarantine), None, 0),
    ]
}

#[test]
fn policy_share_boundary_is_exactly_ninety_nine_percent() {
    let r = assess_with(&good_mail(), &changed_policy(1, 99));
    assert_eq!(r.verdict, Verdict::ReadyFor(Policy::Reject));
    let r = assess_with(&good_mail(), &changed_policy(101, 9_899));
    assert_eq!(r.verdict, Verdict::KeepCollecting { days_seen: 13 });
    assert!(r.reasons[0].starts_with("Only 98.9% of reported mail"), "{:?}", r.reasons);
}

#[test]
fn failing_share_boundary_is_below_ten_percent() {
    // 7,000 good messages; 778 failing is 10.002% of 7,778, 776 is 9.98% of 7,776.
    let mut blocked = good_mail();
    blocked.extend(small_failures(778));
    let r = assess_with(&blocked, &daily(35, Policy::None, None));
    assert_eq!(r.verdict, Verdict::FixSendersFirst);
    assert!(r.headline.starts_with("Too much mail fails DMARC"), "{}", r.headline);
    assert_eq!(r.fix_first.len(), MAX_FIX_ITEMS);
    let mut ok = good_mail();
    ok.extend(small_failures(776));
    assert_eq!(assess_with(&ok, &daily(35, Policy::None, None)).verdict, Verdict::ReadyFor(Policy::Quarantine));
}

#[test]
fn failing_share_of_exactly_ten_percent_blocks() {
    let mut tallies: Vec<Tally> = (0..9).map(|d| pass("192.0.2.1", d, 100)).collect();
    tallies.extend(small_failures(100)); // 100 of 1,000
    let r = assess_with(&tallies, &daily(35, Policy::None, None));
    assert_eq!((r.verdict, r.messages, r.failing), (Verdict::FixSendersFirst, 1000, 100));
}

#[test]
fn a_failing_sender_with_exactly_two_percent_does_not_block() {
    let mut tallies: Vec<Tally> = (0..7).map(|d| pass("192.0.2.1", d, 140)).collect(); // 980
    tallies.push(fail("198.51.100.1", 1, 20, "crm.example")); // 20 of 1,000
    assert_eq!(assess_with(&tallies, &daily(35, Policy::None, None)).verdict, Verdict::ReadyFor(Policy::Quarantine));
    tallies.push(fail("198.51.100.1", 2, 1, "crm.example")); // 21 of 1,001
    let r = assess_with(&tallies, &daily(35, Policy::None, None));
    assert_eq!(r.verdict, Verdict::FixSendersFirst);
    assert_eq!(r.headline, "Fix 1 sender before moving to p=quarantine");
}

#[test]
fn a_big_sender_passing_exactly_ninety_eight_percent_is_aligned() {
    let mut tallies = good_mail();
    tallies.push(pass("198.51.100.9", 1, 980));
    tallies.push(fail("198.51.100.9", 2, 20, "x.example")); // 980 of 1,000
    assert_eq!(assess_with(&tallies, &daily(35, Policy::None, None)).verdict, Verdict::ReadyFor(Policy::Quarantine));
    tallies.push(fail("198.51.100.9", 3, 1, "x.example")); // 980 of 1,001
    let r = assess_with(&tallies, &daily(35, Policy::None, None));
    assert_eq!(r.verdict, Verdict::FixSendersFirst);
    assert_eq!((r.fix_first[0].messages, r.fix_first[0].failing), (1001, 21));
}

#[test]
fn senders_to_fix_come_largest_failure_first_with_plain_advice() {
    let names: HashMap<IpAddr, String> = [(ip("198.51.100.20"), "mail20.suw13.mcsv.net".to_owned())].into();
    let mut tallies = good_mail();
    tallies.push(fail("198.51.100.20", 1, 1204, "mcsv.net"));
    tallies.push(Tally { dkim_domain: None, dkim_selector: None, ..fail("203.0.113.8", 1, 400, "bulk.example") });
    tallies.push(Tally { spf: Auth::Pass, ..fail("203.0.113.9", 1, 900, "half.example") });
    let r = summary(30, &tallies, &daily(35, Policy::None, None), &names).readiness;
    assert_eq!(r.verdict, Verdict::FixSendersFirst);
    assert_eq!(r.headline, "Fix 2 senders before moving to p=quarantine");
    let order: Vec<&str> = r.fix_first.iter().map(|f| f.sender.as_str()).collect();
    assert_eq!(order, ["Mailchimp", "Unknown sender 203.0.113.8"]);
    let mailchimp = &r.fix_first[0];
    assert_eq!(mailchimp.provider, Some("mailchimp"));
    assert_eq!(
        mailchimp.sentence(),
        "Mailchimp: 1,204 messages, 1,204 failing DMARC (DKIM signed with mcsv.net, not your domain; SPF is for \
         a different domain (mcsv.net), not yours). Set up DKIM for your domain in Mailchimp."
    );
    let unknown = &r.fix_first[1];
    assert!(unknown.problem.starts_with("DKIM not signed; SPF is for a different domain"), "{}", unknown.problem);
    assert!(unknown.advice.contains("if you do not recognise it"), "{}", unknown.advice);
}

#[test]
fn own_servers_failing_for_the_own_domain_are_told_to_fix_spf_and_dkim() {
    let names: HashMap<IpAddr, String> = [(ip("198.51.100.30"), "mail.janesmith.org.uk".to_owned())].into();
    let mut tallies = good_mail();
    tallies.push(fail("198.51.100.30", 1, 500, DOMAIN));
    let r = summary(30, &tallies, &daily(35, Policy::None, None), &names).readiness;
    let own = &r.fix_first[0];
    assert_eq!(own.sender, "Your own mail servers");
    assert_eq!(
        own.problem,
        "DKIM signature for your domain fails (check the key published in DNS); SPF fails for your domain (this \
         sender is not in your SPF record)"
    );
    assert!(own.advice.starts_with("add these servers to your SPF record"));
}

#[test]
fn partly_aligned_senders_say_how_much() {
    let mut tallies = good_mail();
    tallies.push(pass("198.51.100.40", 1, 100));
    tallies.push(Tally { spf: Auth::Pass, ..fail("198.51.100.40", 2, 300, "x.example") });
    tallies.push(fail("198.51.100.40", 3, 100, "x.example"));
    let r = assess_with(&tallies, &daily(35, Policy::None, None));
    assert_eq!(
        r.fix_first[0].problem,
        "DKIM aligned for only 20.0% of its mail; SPF aligned for only 80.0% of its mail"
    );
}

#[test]
fn thin_evidence_is_said_but_does_not_block() {
    let r = assess_with(&[pass("192.0.2.1", 1, 99)], &daily(35, Policy::None, None));
    assert_eq!((r.verdict, r.thin_evidence), (Verdict::ReadyFor(Policy::Quarantine), true));
    assert!(r.reasons.last().unwrap().starts_with("Only 99 messages in 30 days"));
    let r = assess_with(&[pass("192.0.2.1", 1, 100)], &daily(35, Policy::None, None));
    assert!(!r.thin_evidence && !r.reasons.iter().any(|x| x.contains("thin")));
}

#[test]
fn verdicts_serialise_with_a_kind() {
    let json = |v: Verdict| serde_json::to_value(v).unwrap();
    assert_eq!(json(Verdict::NoData), serde_json::json!({"kind": "no_data"}));
    assert_eq!(
        json(Verdict::KeepCollecting { days_seen: 3 }),
        serde_json::json!({"kind": "keep_collecting", "value": {"days_seen": 3}})
    );
    assert_eq!(json(Verdict::ReadyFor(Policy::Reject)), serde_json::json!({"kind": "ready_for", "value": "reject"}));
}

#[test]
fn number_formatting() {
    let cases = [(0, "0"), (999, "999"), (1000, "1,000"), (1204, "1,204"), (1_234_567, "1,234,567")];
    for (n, want) in cases {
        assert_eq!(thousands(n), want);
    }
    assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    assert_eq!(
        (percent(9896, 10_000), percent(1, 3), percent(0, 0)),
        ("98.9%".to_owned(), "33.3%".to_owned(), "0.0%".to_owned())
    );
    assert_eq!((days_between(0, DAY), days_between(0, DAY + 1), days_between(5, 0)), (1, 2, 0));
}
