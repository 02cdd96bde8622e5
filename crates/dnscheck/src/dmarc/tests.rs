//! The DMARC check against the DNS lab's scenarios (zones/dmarc-*.test and
//! friends), mirrored in a fake resolver.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::*;
use crate::fake::FakeResolver;
use crate::resolver::{LookupError, RecordType};

fn name(s: &str) -> DomainName {
    DomainName::parse(s).unwrap()
}

/// A domain with one `_dmarc` record.
fn zone(domain: &str, record: &str) -> FakeResolver {
    FakeResolver::new().txt(&format!("_dmarc.{domain}"), &[record])
}

async fn run(dns: &FakeResolver, domain: &str) -> DmarcReport {
    check(dns, &name(domain)).await
}

fn codes(report: &DmarcReport) -> Vec<&str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

fn find<'a>(report: &'a DmarcReport, code: &str) -> &'a Finding {
    report.findings.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("no {code} in {:#?}", report.findings))
}

#[tokio::test]
async fn a_strict_domain_is_ok_and_enforcing() {
    let dns = zone(
        "good-strict.test",
        "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s; pct=100; rua=mailto:dmarc-rua@good-strict.test; \
         ruf=mailto:dmarc-ruf@good-strict.test; fo=1",
    );
    let report = run(&dns, "good-strict.test").await;
    let summary = &report.findings[0];
    assert_eq!((summary.status, summary.code.as_str()), (Status::Ok, "dmarc.valid"));
    assert!(
        summary.message.starts_with(
            "p=reject sp=reject adkim=s aspf=s pct=100; reports to dmarc-rua@good-strict.test; failure reports to \
             dmarc-ruf@good-strict.test"
        ),
        "{}",
        summary.message
    );
    assert_eq!((report.policy, report.enforcing), (Some(Policy::Reject), true));
    assert_eq!(report.source.as_deref(), Some("_dmarc.good-strict.test"));
    assert!(report.record.as_deref().is_some_and(|r| r.starts_with("v=DMARC1; p=reject")));
    assert!(codes(&report).contains(&"dmarc.policy_reject"));
    assert!(dns.asked().iter().all(|(n, _)| !n.contains("_report")), "same-domain reports need no authorisation");
}

#[tokio::test]
async fn quarantine_is_ok_and_suggests_reject() {
    let dns = zone("good-quarantine.test", "v=DMARC1; p=quarantine; rua=mailto:dmarc-rua@good-quarantine.test");
    let report = run(&dns, "good-quarantine.test").await;
    assert_eq!(report.findings[0].status, Status::Ok);
    assert!(report.findings[0].message.starts_with("p=quarantine sp=quarantine adkim=r aspf=r; reports to"));
    let q = find(&report, "dmarc.policy_quarantine");
    assert!(q.message.contains("reject"), "{}", q.message);
    assert_eq!(
        q.fix.as_deref(),
        Some("_dmarc.good-quarantine.test TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-rua@good-quarantine.test\"")
    );
    assert!(report.enforcing);
}

#[tokio::test]
async fn an_mp_office_on_p_none_is_warned_that_anyone_can_send_as_it() {
    let dns = zone("jane-mp.test", "v=DMARC1; p=none; rua=mailto:rua-jane@dmarc-reports.test")
        .txt("jane-mp.test._report._dmarc.dmarc-reports.test", &["v=DMARC1"]);
    let report = run(&dns, "jane-mp.test").await;
    assert_eq!(report.findings[0].status, Status::Warn);
    let none = find(&report, "dmarc.policy_none");
    assert!(none.message.contains("anyone can still send mail as jane-mp.test"), "{}", none.message);
    assert!(none.fix.as_deref().is_some_and(|f| f.contains("p=quarantine")));
    assert_eq!(find(&report, "dmarc.external_reports_authorised").status, Status::Ok);
    assert_eq!((report.policy, report.enforcing), (Some(Policy::None), false));
}

#[tokio::test]
async fn a_domain_without_dmarc_is_told_exactly_what_to_publish() {
    let dns = FakeResolver::new().a("dmarc-missing.test", [127, 0, 10, 80]);
    let report = run(&dns, "dmarc-missing.test").await;
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!((f.status, f.code.as_str()), (Status::Fail, "dmarc.missing"));
    assert_eq!(
        f.fix.as_deref(),
        Some("_dmarc.dmarc-missing.test TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@dmarc-missing.test\"")
    );
    assert!(f.message.contains("p=quarantine") && f.message.contains("p=reject"), "staged advice: {}", f.message);
    assert_eq!((report.policy, report.record, report.source), (None, None, None));
}

#[tokio::test]
async fn a_record_in_lower_case_is_explained_rather_than_just_missing() {
    let dns = zone("example.test", "v=dmarc1; p=reject");
    let report = run(&dns, "example.test").await;
    assert_eq!(report.findings[0].code, "dmarc.missing");
    assert!(report.findings[0].message.contains("exactly v=DMARC1"), "{}", report.findings[0].message);
}

#[tokio::test]
async fn p_none_is_monitoring_only() {
    let dns = zone("dmarc-pnone.test", "v=DMARC1; p=none; rua=mailto:dmarc-rua@dmarc-pnone.test");
    let report = run(&dns, "dmarc-pnone.test").await;
    assert_eq!(report.findings[0].status, Status::Warn);
    assert!(find(&report, "dmarc.policy_none").message.contains("monitored"));
}

#[tokio::test]
async fn a_misspelt_policy_fails_and_counts_as_none_because_reports_are_asked_for() {
    let dns = zone("dmarc-syntax-error.test", "v=DMARC1; p=rejected; rua=mailto:dmarc-rua@dmarc-syntax-error.test");
    let report = run(&dns, "dmarc-syntax-error.test").await;
    let f = &report.findings[0];
    assert_eq!((f.status, f.code.as_str()), (Status::Fail, "dmarc.invalid_policy"));
    assert!(f.message.contains("p=rejected is not a valid policy") && f.message.contains("p=none"), "{}", f.message);
    assert_eq!(
        f.fix.as_deref(),
        Some("_dmarc.dmarc-syntax-error.test TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-rua@dmarc-syntax-error.test\"")
    );
    assert_eq!((report.policy, report.enforcing), (Some(Policy::None), false));
    assert_eq!(codes(&report).iter().filter(|c| **c == "dmarc.invalid_policy").count(), 1, "no duplicate");
}

#[tokio::test]
async fn a_bad_policy_without_reports_means_no_dmarc_at_all() {
    let report = run(&zone("example.test", "v=DMARC1; p=maybe"), "example.test").await;
    assert_eq!(report.findings[0].code, "dmarc.invalid_policy");
    assert!(report.findings[0].message.contains("ignore it completely"));
    assert_eq!(report.policy, None);
}

#[tokio::test]
async fn two_records_mean_dmarc_is_not_applied() {
    let dns = FakeResolver::new()
        .txt("_dmarc.dmarc-multiple-records.test", &["v=DMARC1; p=reject; rua=mailto:dmarc-rua@x.test"])
        .txt("_dmarc.dmarc-multiple-records.test", &["v=DMARC1; p=none; rua=mailto:dmarc-rua@x.test"]);
    let report = run(&dns, "dmarc-multiple-records.test").await;
    let f = &report.findings[0];
    assert_eq!((f.status, f.code.as_str()), (Status::Fail, "dmarc.multiple_records"));
    assert!(f.message.contains("2 DMARC records") && f.message.contains("6.6.3"));
    assert_eq!((report.policy, report.enforcing), (None, false));
}

#[tokio::test]
async fn other_txt_records_at_dmarc_are_not_counted() {
    let dns = zone("example.test", "v=DMARC1; p=reject; rua=mailto:d@example.test")
        .txt("_dmarc.example.test", &["google-site-verification=abc"]);
    assert_eq!(run(&dns, "example.test").await.findings[0].code, "dmarc.valid");
}

#[tokio::test]
async fn reports_to_a_provider_that_has_not_agreed_will_not_be_sent() {
    let dns = zone("dmarc-rua-external-no-auth.test", "v=DMARC1; p=reject; rua=mailto:agg@reports-noauth.test")
        .txt("_dmarc.reports-noauth.test", &["v=DMARC1; p=reject"]);
    let report = run(&dns, "dmarc-rua-external-no-auth.test").await;
    assert_eq!(report.findings[0].status, Status::Warn, "p=reject is fine, but reports are lost");
    assert!(codes(&report).contains(&"dmarc.policy_reject"));
    let f = find(&report, "dmarc.external_reports_unauthorised");
    assert_eq!(f.status, Status::Warn);
    assert!(f.message.contains("will not send them"));
    assert_eq!(
        f.fix.as_deref(),
        Some("dmarc-rua-external-no-auth.test._report._dmarc.reports-noauth.test TXT \"v=DMARC1\"")
    );
    assert!(report.enforcing);
}

#[tokio::test]
async fn reports_to_a_provider_that_has_agreed_are_fine() {
    let dns = zone("dmarc-rua-external-auth.test", "v=DMARC1; p=reject; rua=mailto:agg@dmarc-reports.test")
        .txt("dmarc-rua-external-auth.test._report._dmarc.dmarc-reports.test", &["v=DMARC1"]);
    let report = run(&dns, "dmarc-rua-external-auth.test").await;
    assert_eq!(report.findings[0].status, Status::Ok);
    let f = find(&report, "dmarc.external_reports_authorised");
    assert!(f.message.contains("agg@dmarc-reports.test"), "{}", f.message);
}

#[tokio::test]
async fn a_failed_authorisation_lookup_is_unknown_not_unauthorised() {
    let dns = zone("example.test", "v=DMARC1; p=reject; rua=mailto:agg@reports.test").fail(
        "example.test._report._dmarc.reports.test",
        RecordType::Txt,
        LookupError::Timeout,
    );
    let report = run(&dns, "example.test").await;
    assert_eq!(report.findings[0].status, Status::Ok);
    assert_eq!(find(&report, "dmarc.lookup_failed").status, Status::Unknown);
    assert!(!codes(&report).contains(&"dmarc.external_reports_unauthorised"));
}

#[tokio::test]
async fn a_partial_pct_is_a_warning_and_not_enforcing() {
    let dns =
        zone("dmarc-pct-partial.test", "v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc-rua@dmarc-pct-partial.test");
    let report = run(&dns, "dmarc-pct-partial.test").await;
    assert_eq!(report.findings[0].status, Status::Warn);
    let f = find(&report, "dmarc.partial_pct");
    assert!(f.message.contains("only 25%"), "{}", f.message);
    assert_eq!(
        f.fix.as_deref(),
        Some(
            "_dmarc.dmarc-pct-partial.test TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc-rua@dmarc-pct-partial.test\""
        )
    );
    assert_eq!((report.policy, report.enforcing), (Some(Policy::Quarantine), false));
}

const INHERITS: &str = "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc-rua@dmarc-subdomain-inherits.test";

#[tokio::test]
async fn an_organisational_domain_shows_its_subdomain_policy() {
    let report = run(&zone("dmarc-subdomain-inherits.test", INHERITS), "dmarc-subdomain-inherits.test").await;
    assert_eq!(report.findings[0].status, Status::Ok);
    assert!(report.findings[0].message.starts_with("p=reject sp=quarantine adkim=r aspf=r; reports to"));
    assert_eq!(report.policy, Some(Policy::Reject));
}

#[tokio::test]
async fn a_subdomain_without_its_own_record_inherits_the_organisations_sp() {
    let dns = zone("dmarc-subdomain-inherits.test", INHERITS).a("sub.dmarc-subdomain-inherits.test", [127, 0, 10, 80]);
    let report = run(&dns, "sub.dmarc-subdomain-inherits.test").await;
    let f = &report.findings[0];
    assert_eq!((f.status, f.code.as_str()), (Status::Ok, "dmarc.inherited"));
    assert!(
        f.message.contains("_dmarc.sub.dmarc-subdomain-inherits.test")
            && f.message.contains("organisational domain dmarc-subdomain-inherits.test"),
        "{}",
        f.message
    );
    assert_eq!((report.policy, report.enforcing), (Some(Policy::Quarantine), true));
    assert_eq!(report.source.as_deref(), Some("_dmarc.dmarc-subdomain-inherits.test"));
    assert!(find(&report, "dmarc.policy_quarantine").message.contains("sp=quarantine"));
}

#[tokio::test]
async fn a_subdomain_inheriting_p_none_is_warned() {
    let dns = zone("example.test", "v=DMARC1; p=none; rua=mailto:d@example.test");
    let report = run(&dns, "shop.example.test").await;
    assert_eq!((report.findings[0].status, report.findings[0].code.as_str()), (Status::Warn, "dmarc.inherited"));
    assert_eq!(
        find(&report, "dmarc.policy_none").fix.as_deref(),
        Some("_dmarc.example.test TXT \"v=DMARC1; p=quarantine; rua=mailto:d@example.test\"")
    );
}

#[tokio::test]
async fn the_tree_walk_is_bounded_and_stops_above_the_tld() {
    let dns = FakeResolver::new();
    let report = run(&dns, "a.b.c.d.e.f.g.example.test").await;
    assert_eq!(report.findings[0].code, "dmarc.missing");
    let asked: Vec<String> = dns.asked().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        asked,
        vec![
            "_dmarc.a.b.c.d.e.f.g.example.test",
            "_dmarc.f.g.example.test",
            "_dmarc.g.example.test",
            "_dmarc.example.test"
        ]
    );
}

#[tokio::test]
async fn a_failed_lookup_is_unknown_never_missing() {
    let dns = FakeResolver::new().fail("_dmarc.servfail.test", RecordType::Txt, LookupError::ServFail);
    let report = run(&dns, "servfail.test").await;
    let f = &report.findings[0];
    assert_eq!((f.status, f.code.as_str()), (Status::Unknown, "dmarc.lookup_failed"));
    assert!(f.message.contains("SERVFAIL"), "{}", f.message);
    assert_eq!(report.findings.len(), 1);
}

#[tokio::test]
async fn a_failed_lookup_during_the_walk_is_unknown_too() {
    let dns = FakeResolver::new().fail("_dmarc.example.test", RecordType::Txt, LookupError::Timeout);
    let report = run(&dns, "sub.example.test").await;
    assert_eq!(report.findings[0].code, "dmarc.lookup_failed");
}

#[tokio::test]
async fn no_rua_is_only_informational() {
    let report = run(&zone("dmarc-no-rua.test", "v=DMARC1; p=reject"), "dmarc-no-rua.test").await;
    assert_eq!(report.findings[0].status, Status::Ok);
    assert!(report.findings[0].message.contains("no reports requested"));
    let f = find(&report, "dmarc.no_reports");
    assert_eq!(f.status, Status::Ok);
    assert!(f.message.contains("sends no mail"));
    assert!(report.enforcing);
}

#[tokio::test]
async fn a_hosted_dmarc_record_behind_a_cname_is_valid_and_mentioned() {
    let dns = FakeResolver::new()
        .cname("_dmarc.dmarc-on-cname.test", "dmarc-on-cname.test._dmarc.dmarc-host.test")
        .txt(
            "dmarc-on-cname.test._dmarc.dmarc-host.test",
            &["v=DMARC1; p=quarantine; rua=mailto:dmarc-on-cname@dmarc-host.test"],
        )
        .txt("dmarc-on-cname.test._report._dmarc.dmarc-host.test", &["v=DMARC1"]);
    let report = run(&dns, "dmarc-on-cname.test").await;
    assert_eq!(report.findings[0].status, Status::Ok);
    assert!(report.findings[0].message.contains("dmarc-host.test"));
    assert!(find(&report, "dmarc.hosted").message.contains("alias (CNAME)"));
    assert!(codes(&report).contains(&"dmarc.external_reports_authorised"));
    assert_eq!(report.policy, Some(Policy::Quarantine));
}

#[tokio::test]
async fn a_two_step_cname_chain_is_followed() {
    let dns = FakeResolver::new()
        .cname("_dmarc.cname-chain.test", "_dmarc1.cname-chain.test")
        .cname("_dmarc1.cname-chain.test", "cname-chain.test._dmarc.dmarc-host.test")
        .txt("cname-chain.test._dmarc.dmarc-host.test", &["v=DMARC1; p=reject; rua=mailto:cname-chain@dmarc-host.test"])
        .txt("cname-chain.test._report._dmarc.dmarc-host.test", &["v=DMARC1"]);
    let report = run(&dns, "cname-chain.test").await;
    assert_eq!(report.findings[0].status, Status::Ok);
    assert!(find(&report, "dmarc.hosted").message.contains("through 2 aliases"));
    assert!(codes(&report).contains(&"dmarc.external_reports_authorised"));
}

#[tokio::test]
async fn a_missing_p_fails_and_counts_as_none() {
    let dns = zone("dmarc-p-missing.test", "v=DMARC1; rua=mailto:dmarc-rua@dmarc-p-missing.test");
    let report = run(&dns, "dmarc-p-missing.test").await;
    let f = &report.findings[0];
    assert_eq!((f.status, f.code.as_str()), (Status::Fail, "dmarc.policy_missing"));
    assert!(f.message.starts_with("p=(missing)"), "{}", f.message);
    assert_eq!(
        f.fix.as_deref(),
        Some("_dmarc.dmarc-p-missing.test TXT \"v=DMARC1; p=none; rua=mailto:dmarc-rua@dmarc-p-missing.test\"")
    );
    assert_eq!(report.policy, Some(Policy::None));
}

#[tokio::test]
async fn sp_none_leaves_subdomains_open() {
    let dns = zone("dmarc-sp-none.test", "v=DMARC1; p=reject; sp=none; rua=mailto:dmarc-rua@dmarc-sp-none.test");
    let report = run(&dns, "dmarc-sp-none.test").await;
    assert_eq!(report.findings[0].status, Status::Warn);
    let f = find(&report, "dmarc.subdomains_unprotected");
    assert!(f.message.contains("made-up subdomain"));
    assert_eq!(
        f.fix.as_deref(),
        Some("_dmarc.dmarc-sp-none.test TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-rua@dmarc-sp-none.test\"")
    );
    assert!(report.enforcing, "the domain itself is protected");
}

#[tokio::test]
async fn test_mode_is_a_warning_and_not_enforcing() {
    let report = run(&zone("example.test", "v=DMARC1; p=reject; t=y; rua=mailto:d@example.test"), "example.test").await;
    assert_eq!(report.findings[0].status, Status::Warn);
    assert!(report.findings[0].message.contains("t=y"));
    assert_eq!(find(&report, "dmarc.testing").status, Status::Warn);
    assert!(!report.enforcing);
}

#[tokio::test]
async fn unreadable_tags_are_warned_about() {
    let dns = zone("example.test", "v=DMARC1; p=reject; rua=dmarc@example.test");
    let report = run(&dns, "example.test").await;
    let f = find(&report, "dmarc.invalid_tag");
    assert!(f.message.contains("mailto:dmarc@example.test"), "{}", f.message);
    assert!(codes(&report).contains(&"dmarc.no_reports"));
}

#[tokio::test]
async fn an_unreadable_record_fails() {
    let report = run(&zone("example.test", "v=DMARC1; p=reject; rua"), "example.test").await;
    let f = &report.findings[0];
    assert_eq!((f.status, f.code.as_str()), (Status::Fail, "dmarc.invalid"));
    assert!(report.record.is_some() && report.policy.is_none());
}

#[tokio::test]
async fn the_first_finding_is_always_the_summary() {
    for record in ["v=DMARC1; p=reject", "v=DMARC1; p=none; pct=10; sp=bad; t=y; rua=mailto:x@y.test", "v=DMARC1"] {
        let report = run(&zone("example.test", record), "example.test").await;
        assert!(!report.findings.is_empty());
        let rank = |s: Status| [Status::Ok, Status::Warn, Status::Fail].iter().position(|x| *x == s).unwrap_or(0);
        let worst = report.findings.iter().map(|f| rank(f.status)).max().unwrap_or(0);
        assert_eq!(rank(report.findings[0].status), worst, "{record}: {:#?}", report.findings);
    }
}
