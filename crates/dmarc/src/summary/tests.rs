#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use super::fixtures::*;
use super::*;
use crate::Policy;

#[test]
fn totals_count_dmarc_dkim_and_spf_separately() {
    let dkim_only = Tally { spf: Verdict::Fail, ..pass("192.0.2.1", 1, 30) };
    let spf_only = Tally { dkim: Verdict::Fail, ..pass("192.0.2.2", 2, 20) };
    let tallies = [pass("192.0.2.1", 0, 50), dkim_only, spf_only, fail("203.0.113.5", 3, 100, "spam.example")];
    let s = summary(7, &tallies, &[], &no_names());
    let t = s.totals;
    assert_eq!(t.messages, 200);
    assert_eq!((t.dmarc_pass.count, t.dkim_aligned.count, t.spf_aligned.count, t.failed), (100, 80, 70, 100));
    assert_eq!((t.dmarc_pass.per_mille, t.dkim_aligned.per_mille, t.spf_aligned.per_mille), (500, 400, 350));
    assert!((t.dkim_aligned.rate - 0.4).abs() < 1e-12);
}

#[test]
fn rates_round_half_up_in_thousandths_and_are_zero_without_mail() {
    assert_eq!(Count::new(2, 3).per_mille, 667);
    assert_eq!(Count::new(1, 3).per_mille, 333);
    assert_eq!(Count::new(1, 2000).per_mille, 1); // 0.5 thousandths rounds up
    let none = Count::new(0, 0);
    assert_eq!((none.rate, none.per_mille), (0.0, 0));
}

#[test]
fn every_day_of_the_period_is_charted_even_without_mail() {
    let tallies = [pass("192.0.2.1", 6, 5), fail("192.0.2.9", 6, 2, "x.example"), pass("192.0.2.1", 0, 7)];
    let s = summary(7, &tallies, &[], &no_names());
    assert_eq!(s.by_day.len(), 7);
    assert_eq!((s.period.from, s.period.to), (TODAY - 6 * DAY, TODAY));
    assert_eq!((s.period.from_date.as_str(), s.period.to_date.as_str()), ("2025-12-26", "2026-01-01"));
    let dates: Vec<&str> = s.by_day.iter().map(|d| d.date.as_str()).collect();
    assert_eq!(
        dates,
        ["2025-12-26", "2025-12-27", "2025-12-28", "2025-12-29", "2025-12-30", "2025-12-31", "2026-01-01"]
    );
    let counts: Vec<(u64, u64, u64)> = s.by_day.iter().map(|d| (d.messages, d.passed, d.failed)).collect();
    assert_eq!(counts, [(7, 5, 2), (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (7, 7, 0)]);
    assert!(s.by_day.windows(2).all(|w| w[1].day - w[0].day == DAY));
}

#[test]
fn tallies_outside_the_period_are_left_out_and_odd_times_fall_on_their_day() {
    let mut midday = pass("192.0.2.1", 2, 4);
    midday.day += 12 * 3600;
    let tallies = [pass("192.0.2.1", 7, 1000), pass("192.0.2.1", -1, 1000), midday];
    let s = summary(7, &tallies, &[], &no_names());
    assert_eq!(s.totals.messages, 4);
    assert_eq!(s.by_day[4].messages, 4);
}

#[test]
fn the_period_is_at_least_one_day_and_at_most_max_days() {
    assert_eq!(summary(0, &[], &[], &no_names()).by_day.len(), 1);
    let long = summary(u32::MAX, &[], &[], &no_names());
    assert_eq!((long.days, long.by_day.len()), (MAX_DAYS, MAX_DAYS as usize));
}

#[test]
fn senders_group_by_provider_and_sort_by_volume_then_key() {
    let names: HashMap<_, _> = [
        (ip("40.107.1.1"), "mail-a.outbound.protection.outlook.com".to_owned()),
        (ip("40.107.1.2"), "mail-b.outbound.protection.outlook.com".to_owned()),
    ]
    .into();
    let tallies = [
        pass("40.107.1.1", 1, 60),
        pass("40.107.1.2", 2, 40),
        fail("192.0.2.7", 1, 30, "a.example"),
        fail("192.0.2.3", 1, 30, "b.example"),
    ];
    let s = summary(7, &tallies, &[], &names);
    let keys: Vec<&str> = s.senders.iter().map(|x| x.id.key.as_str()).collect();
    assert_eq!(keys, ["provider:microsoft365", "ip:192.0.2.3", "ip:192.0.2.7"]);
    let m365 = &s.senders[0];
    assert_eq!((m365.messages, m365.share_per_mille, m365.status), (100, 625, SenderStatus::Aligned));
    let sources: Vec<(IpAddr, Option<&str>, u64)> =
        m365.sources.iter().map(|x| (x.ip, x.name.as_deref(), x.messages)).collect();
    assert_eq!(
        sources,
        [
            (ip("40.107.1.1"), Some("mail-a.outbound.protection.outlook.com"), 60),
            (ip("40.107.1.2"), Some("mail-b.outbound.protection.outlook.com"), 40)
        ]
    );
    assert_eq!((m365.dkim_domains.clone(), m365.selectors.clone()), (vec![DOMAIN.to_owned()], vec!["s1".to_owned()]));
    assert_eq!(s.senders[1].status, SenderStatus::Failing);
}

#[test]
fn input_order_does_not_change_the_summary() {
    let mut tallies: Vec<Tally> = (0..40u64)
        .map(|i| {
            let source = format!("192.0.2.{}", i % 7);
            if i % 3 == 0 {
                fail(&source, (i % 5) as i64, i % 4 + 1, "x.example")
            } else {
                pass(&source, (i % 6) as i64, 3)
            }
        })
        .collect();
    let mut reports: Vec<ReportSpan> =
        (0..10).map(|d| report(if d % 2 == 0 { "a" } else { "b" }, d, None, None, 1)).collect();
    let first = summary(30, &tallies, &reports, &no_names());
    tallies.reverse();
    reports.reverse();
    assert_eq!(summary(30, &tallies, &reports, &no_names()), first);
}

#[test]
fn status_thresholds_are_exact() {
    assert_eq!(SenderStatus::of(98, 100), SenderStatus::Aligned);
    assert_eq!(SenderStatus::of(9_799, 10_000), SenderStatus::Partly);
    assert_eq!(SenderStatus::of(50, 100), SenderStatus::Partly);
    assert_eq!(SenderStatus::of(49, 100), SenderStatus::Failing);
    assert_eq!(SenderStatus::of(0, 0), SenderStatus::Aligned);
}

#[test]
fn dispositions_are_counted_per_sender() {
    let quarantined = Tally { disposition: Some(Policy::Quarantine), ..fail("192.0.2.1", 1, 3, "x.example") };
    let rejected = Tally { disposition: Some(Policy::Reject), ..fail("192.0.2.1", 1, 2, "y.example") };
    let unsaid = Tally { disposition: None, ..pass("192.0.2.1", 2, 4) };
    let s = summary(7, &[pass("192.0.2.1", 1, 1), quarantined, rejected, unsaid], &[], &no_names());
    let d = s.senders[0].dispositions;
    assert_eq!((d.none, d.quarantine, d.reject, d.unreported), (1, 3, 2, 4));
}

#[test]
fn senders_beyond_the_limit_are_rolled_into_other_senders() {
    // 250 senders: the largest sends 250 messages, the next 249, …, the last 1.
    let tallies: Vec<Tally> = (0..250u32)
        .map(|i| fail(&format!("10.0.{}.{}", i / 256, i % 256), 1, u64::from(250 - i), "x.example"))
        .collect();
    let s = summary(7, &tallies, &[], &no_names());
    assert_eq!(s.senders.len(), MAX_SENDERS);
    let other = s.senders.last().unwrap();
    assert_eq!((other.id.key.as_str(), other.id.name.as_str()), (OTHER_KEY, "Other senders"));
    // Senders 199..250 send 51 + 50 + … + 1.
    assert_eq!(other.messages, (1..=51).sum::<u64>());
    assert_eq!((other.sources.len(), other.more_sources), (MAX_SOURCES, 1));
    assert_eq!(s.senders.iter().map(|x| x.messages).sum::<u64>(), s.totals.messages);
    assert_eq!(s.senders[MAX_SENDERS - 2].messages, 52);
}

#[test]
fn exactly_max_senders_are_all_listed() {
    let tallies: Vec<Tally> = (0..200u32).map(|i| pass(&format!("10.1.{}.{}", i / 256, i % 256), 1, 1)).collect();
    let s = summary(7, &tallies, &[], &no_names());
    assert_eq!(s.senders.len(), MAX_SENDERS);
    assert!(s.senders.iter().all(|x| x.id.key != OTHER_KEY));
    // All tie on volume: ordered by key.
    assert!(s.senders.windows(2).all(|w| w[0].id.key < w[1].id.key));
}

#[test]
fn selectors_are_those_that_passed_for_the_domain_or_its_subdomains() {
    let sub = Tally {
        dkim_domain: Some("news.janesmith.org.uk".to_owned()),
        dkim_selector: Some("MC".to_owned()),
        ..pass("192.0.2.2", 1, 5)
    };
    let lookalike = Tally {
        dkim_domain: Some("notjanesmith.org.uk".to_owned()),
        dkim_selector: Some("evil".to_owned()),
        ..pass("192.0.2.3", 1, 50)
    };
    let junk = Tally { dkim_selector: Some("a b".to_owned()), ..pass("192.0.2.4", 1, 9) };
    let forged = Tally { dkim_domain: Some(DOMAIN.to_owned()), ..fail("192.0.2.5", 1, 99, "x") };
    let tallies = [pass("192.0.2.1", 1, 10), sub, lookalike, junk, forged];
    assert_eq!(summary(7, &tallies, &[], &no_names()).selectors, ["s1", "mc"]);
}

#[test]
fn reporters_are_summed_per_organisation_and_ordered() {
    let reports = [
        report("Outlook.com", 1, None, None, 40),
        report("google.com", 1, None, None, 30),
        report("google.com", 2, None, None, 30),
        report("Yahoo", 2, None, None, 0),
        report("Mail.Ru", 2, None, None, 0),
        report("  ", 3, None, None, 1),
        report("old", 10, None, None, 1000),
    ];
    let s = summary(7, &[], &reports, &no_names());
    let got: Vec<(&str, u64, u64)> = s.reporters.iter().map(|r| (r.org.as_str(), r.reports, r.messages)).collect();
    assert_eq!(
        got,
        [
            ("google.com", 2, 60),
            ("Outlook.com", 1, 40),
            ("(unnamed reporter)", 1, 1),
            ("Mail.Ru", 1, 0),
            ("Yahoo", 1, 0)
        ]
    );
    assert_eq!(s.more_reporters, 0);
}

#[test]
fn the_summary_serialises_to_json_for_the_cli() {
    let s = summary(3, &[pass("192.0.2.1", 1, 5)], &daily(40, Policy::None, None), &no_names());
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["domain"], DOMAIN);
    assert_eq!(json["totals"]["dmarc_pass"]["per_mille"], 1000);
    assert_eq!(json["senders"][0]["status"], "aligned");
    assert_eq!(json["readiness"]["verdict"]["kind"], "ready_for");
    assert_eq!(json["readiness"]["verdict"]["value"], "quarantine");
    assert_eq!(json["by_day"].as_array().unwrap().len(), 3);
}

#[test]
fn readiness_looks_at_thirty_days_whatever_the_period() {
    // A 7-day summary: the failing sender 20 days ago is outside it, but
    // inside the readiness window.
    let tallies = [pass("192.0.2.1", 1, 500), fail("192.0.2.66", 20, 500, "x.example")];
    let s = summary(7, &tallies, &daily(40, Policy::None, None), &no_names());
    assert_eq!(s.totals.messages, 500);
    assert_eq!(s.readiness.messages, 1000);
    assert_eq!(s.readiness.verdict, crate::readiness::Verdict::FixSendersFirst);
}
