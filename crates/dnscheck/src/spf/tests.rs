//! SPF checks as an office would meet them, mirroring the DNS lab's
//! scenarios with small fixtures of our own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::*;
use crate::fake::FakeResolver;
use crate::resolver::Rdata;

const PROVIDER: &str = "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ip6:2001:db8:25::/48 -all";

/// The shared mail provider: an include target that costs no further
/// lookups, and two mail servers with addresses.
fn provider() -> FakeResolver {
    FakeResolver::new()
        .txt("_spf.mail-provider.test", &[PROVIDER])
        .mx("mail-provider.test", 10, "mx1.mail-provider.test")
        .a("mx1.mail-provider.test", [127, 0, 10, 25])
        .a("mx2.mail-provider.test", [127, 0, 10, 26])
}

/// A domain with an apex and www address, the provider's MX, and `spf`.
fn domain(dns: FakeResolver, name: &str, spf: &str) -> FakeResolver {
    dns.a(name, [127, 0, 10, 80])
        .a(&format!("www.{name}"), [127, 0, 10, 80])
        .mx(name, 10, "mx1.mail-provider.test")
        .mx(name, 20, "mx2.mail-provider.test")
        .txt(name, &[spf])
}

async fn run(dns: &FakeResolver, name: &str) -> SpfReport {
    check(dns, &DomainName::parse(name).unwrap()).await
}

fn codes(report: &SpfReport) -> Vec<&str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

fn first(report: &SpfReport) -> &Finding {
    &report.findings[0]
}

fn find<'a>(report: &'a SpfReport, code: &str) -> &'a Finding {
    report.findings.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("no {code} in {:?}", codes(report)))
}

#[tokio::test]
async fn a_provider_include_with_dash_all_is_valid_and_says_so_plainly() {
    let dns = domain(provider(), "good.test", "v=spf1 include:_spf.mail-provider.test -all");
    let report = run(&dns, "good.test").await;
    let summary = first(&report);
    assert_eq!((summary.code.as_str(), summary.status), ("spf.valid", Status::Ok));
    assert_eq!(
        summary.message,
        "v=spf1 include:_spf.mail-provider.test -all — 1 DNS lookup of 10; mail from anywhere else fails SPF"
    );
    assert_eq!(summary.fix, None);
    let tree = report.tree.unwrap();
    assert_eq!((tree.lookups, tree.total_lookups, tree.children.len()), (1, 1, 1));
    assert_eq!(tree.children[0].domain, "_spf.mail-provider.test");
    assert_eq!(tree.children[0].record.as_deref(), Some(PROVIDER));
}

#[tokio::test]
async fn a_domain_without_spf_is_told_exactly_what_to_publish() {
    let dns =
        provider().a("spf-missing.test", [127, 0, 10, 80]).txt("spf-missing.test", &["google-site-verification=x"]);
    let report = run(&dns, "spf-missing.test").await;
    assert_eq!(codes(&report), vec!["spf.missing"]);
    assert_eq!(first(&report).status, Status::Fail);
    let fix = first(&report).fix.clone().unwrap();
    assert!(fix.contains(r#"spf-missing.test TXT "v=spf1 -all""#), "{fix}");
    assert!(fix.contains("include:spf.protection.outlook.com") && fix.contains("-all"), "{fix}");
    assert!(report.tree.is_none());
}

#[tokio::test]
async fn a_failed_lookup_is_unknown_never_missing() {
    for error in [LookupError::ServFail, LookupError::Timeout, LookupError::Refused, LookupError::Other("x".into())] {
        let dns = FakeResolver::new().fail("servfail.test", RecordType::Txt, error.clone());
        let report = run(&dns, "servfail.test").await;
        assert_eq!(codes(&report), vec!["spf.lookup_failed"]);
        assert_eq!(first(&report).status, Status::Unknown);
        assert!(first(&report).message.contains(&error.to_string()), "{}", first(&report).message);
    }
}

#[tokio::test]
async fn a_domain_that_does_not_exist_is_unknown() {
    let report = run(&FakeResolver::new(), "nonexistent-domain.test").await;
    assert_eq!(codes(&report), vec!["spf.no_domain"]);
    assert_eq!(first(&report).status, Status::Unknown);
    assert!(first(&report).message.contains("does not exist"));
}

fn too_many_lookups_zone() -> FakeResolver {
    let d = "spf-too-many-lookups.test";
    domain(
        provider(),
        d,
        "v=spf1 include:_s1.spf-too-many-lookups.test include:_s2.spf-too-many-lookups.test \
         include:_s3.spf-too-many-lookups.test include:_s4.spf-too-many-lookups.test -all",
    )
    .txt(
        &format!("_s1.{d}"),
        &["v=spf1 a:www.spf-too-many-lookups.test mx:spf-too-many-lookups.test include:_spf.mail-provider.test -all"],
    )
    .txt(
        &format!("_s2.{d}"),
        &["v=spf1 a:mx1.mail-provider.test a:mx2.mail-provider.test include:_spf.mail-provider.test -all"],
    )
    .txt(
        &format!("_s3.{d}"),
        &["v=spf1 mx:mail-provider.test a:www.spf-too-many-lookups.test include:_s5.spf-too-many-lookups.test -all"],
    )
    .txt(&format!("_s4.{d}"), &["v=spf1 a:www.spf-too-many-lookups.test -all"])
    .txt(&format!("_s5.{d}"), &["v=spf1 ip4:203.0.113.0/24 -all"])
}

#[tokio::test]
async fn nested_includes_needing_14_lookups_fail_as_receivers_count_them() {
    let report = run(&too_many_lookups_zone(), "spf-too-many-lookups.test").await;
    let summary = first(&report);
    assert_eq!((summary.code.as_str(), summary.status), ("spf.too_many_lookups", Status::Fail));
    assert!(summary.message.contains("14 > 10"), "{}", summary.message);
    assert!(summary.fix.is_some());
    assert_eq!(report.findings[1].code, "spf.record", "the published record follows the summary");
    let tree = report.tree.unwrap();
    assert_eq!((tree.lookups, tree.total_lookups), (4, 14));
    let costs: Vec<u32> = tree.children.iter().map(|c| c.total_lookups).collect();
    assert_eq!(costs, vec![3, 3, 3, 1]);
}

#[tokio::test]
async fn exactly_ten_lookups_is_valid_but_at_the_limit() {
    let d = "spf-lookups-at-limit.test";
    let dns = domain(
        provider(),
        d,
        "v=spf1 include:_s1.spf-lookups-at-limit.test include:_s2.spf-lookups-at-limit.test \
         a:www.spf-lookups-at-limit.test mx -all",
    )
    .txt(
        &format!("_s1.{d}"),
        &["v=spf1 a:www.spf-lookups-at-limit.test mx:spf-lookups-at-limit.test include:_spf.mail-provider.test -all"],
    )
    .txt(
        &format!("_s2.{d}"),
        &["v=spf1 a:mx1.mail-provider.test a:mx2.mail-provider.test a:www.spf-lookups-at-limit.test -all"],
    );
    let report = run(&dns, d).await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.lookups_at_limit", Status::Warn));
    assert!(!report.findings.iter().any(|f| f.status == Status::Fail), "{:?}", codes(&report));
    assert_eq!(report.tree.unwrap().total_lookups, 10);
}

#[tokio::test]
async fn three_names_that_do_not_exist_are_too_many_void_lookups() {
    let d = "spf-void-lookups.test";
    let dns = domain(
        provider(),
        d,
        "v=spf1 a:nx1.spf-void-lookups.test a:nx2.spf-void-lookups.test mx:nx3.spf-void-lookups.test \
         include:_spf.mail-provider.test -all",
    );
    let report = run(&dns, d).await;
    let summary = first(&report);
    assert_eq!((summary.code.as_str(), summary.status), ("spf.too_many_void_lookups", Status::Fail));
    assert!(summary.message.starts_with("3 terms"), "{}", summary.message);
    assert!(summary.message.contains("mx:nx3.spf-void-lookups.test"), "{}", summary.message);
    assert_eq!(report.findings.iter().filter(|f| f.code == "spf.void_lookup").count(), 3);
    assert_eq!(report.tree.unwrap().total_lookups, 4);
}

#[tokio::test]
async fn two_void_lookups_are_only_a_warning() {
    let dns = domain(provider(), "two.test", "v=spf1 a:gone.two.test exists:also-gone.two.test -all").record(
        "empty.two.test",
        RecordType::Txt,
        Rdata::Txt(vec![]),
    );
    let report = run(&dns, "two.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.void_lookup", Status::Warn));
    assert!(!codes(&report).contains(&"spf.too_many_void_lookups"));
}

#[tokio::test]
async fn an_include_loop_is_reported_and_ends() {
    let d = "spf-include-loop.test";
    let dns = domain(provider(), d, "v=spf1 include:_a.spf-include-loop.test -all")
        .txt("_a.spf-include-loop.test", &["v=spf1 include:_b.spf-include-loop.test -all"])
        .txt("_b.spf-include-loop.test", &["v=spf1 include:spf-include-loop.test -all"]);
    let report = run(&dns, d).await;
    let summary = first(&report);
    assert_eq!((summary.code.as_str(), summary.status), ("spf.include_loop", Status::Fail));
    assert!(summary.message.contains("_b.spf-include-loop.test → spf-include-loop.test"), "{}", summary.message);
    assert_eq!(report.tree.unwrap().total_lookups, 3);
    assert_eq!(dns.asked().len(), 3, "the root is not fetched again: {:?}", dns.asked());
}

#[tokio::test]
async fn two_spf_records_are_a_permanent_error_with_a_merged_fix() {
    let d = "spf-multiple-records.test";
    let dns =
        domain(provider(), d, "v=spf1 include:_spf.mail-provider.test -all").txt(d, &["v=spf1 ip4:192.0.2.10 -all"]);
    let report = run(&dns, d).await;
    assert_eq!(codes(&report), vec!["spf.multiple_records"]);
    let fix = first(&report).fix.clone().unwrap();
    assert!(fix.ends_with(r#"TXT "v=spf1 include:_spf.mail-provider.test ip4:192.0.2.10 -all""#), "{fix}");
}

#[tokio::test]
async fn ptr_is_deprecated_but_counted_and_never_resolved() {
    let dns = domain(provider(), "spf-ptr.test", "v=spf1 ptr include:_spf.mail-provider.test -all");
    let report = run(&dns, "spf-ptr.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.ptr_deprecated", Status::Warn));
    assert!(first(&report).message.contains("5.5"));
    assert!(find(&report, "spf.record").message.contains("2 DNS lookups of 10"));
    assert_eq!(report.tree.unwrap().total_lookups, 2);
    assert!(dns.asked().iter().all(|(_, t)| *t == RecordType::Txt), "{:?}", dns.asked());
}

#[tokio::test]
async fn plus_all_lets_anyone_send() {
    for all in ["+all", "all"] {
        let dns = domain(provider(), "spf-plusall.test", &format!("v=spf1 include:_spf.mail-provider.test {all}"));
        let report = run(&dns, "spf-plusall.test").await;
        assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.pass_all", Status::Fail));
        let fix = first(&report).fix.clone().unwrap();
        assert!(fix.contains(r#"spf-plusall.test TXT "v=spf1 include:_spf.mail-provider.test -all""#), "{fix}");
    }
}

#[tokio::test]
async fn softfail_is_acceptable_and_explained() {
    let dns = domain(provider(), "spf-softall.test", "v=spf1 include:_spf.mail-provider.test ~all");
    let report = run(&dns, "spf-softall.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.valid", Status::Ok));
    assert!(first(&report).message.contains("soft fail"));
    let soft = find(&report, "spf.softfail_all");
    assert!(soft.message.contains("DMARC") && soft.message.contains("-all is stricter"), "{}", soft.message);
}

#[tokio::test]
async fn neutral_all_is_a_warning() {
    let dns = domain(provider(), "n.test", "v=spf1 include:_spf.mail-provider.test ?all");
    let report = run(&dns, "n.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.neutral_all", Status::Warn));
}

#[tokio::test]
async fn no_all_and_no_redirect_leaves_unlisted_senders_neutral() {
    let dns = domain(provider(), "spf-no-all.test", "v=spf1 include:_spf.mail-provider.test");
    let report = run(&dns, "spf-no-all.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.no_all", Status::Warn));
    assert!(first(&report).message.contains("neutral"));
    let fix = first(&report).fix.clone().unwrap();
    assert!(fix.ends_with(r#"spf-no-all.test TXT "v=spf1 include:_spf.mail-provider.test -all""#), "{fix}");
}

#[tokio::test]
async fn a_redirect_uses_the_target_policy_and_costs_one_lookup() {
    let dns = domain(provider(), "spf-redirect.test", "v=spf1 redirect=_spf.mail-provider.test");
    let report = run(&dns, "spf-redirect.test").await;
    let summary = first(&report);
    assert_eq!((summary.code.as_str(), summary.status), ("spf.valid", Status::Ok), "{:?}", codes(&report));
    assert!(
        summary.message.contains("1 DNS lookup of 10; the -all of _spf.mail-provider.test applies"),
        "{}",
        summary.message
    );
    let tree = report.tree.unwrap();
    assert_eq!((tree.total_lookups, tree.children[0].via), (1, Via::Redirect));
}

#[tokio::test]
async fn a_redirect_to_nothing_or_to_plus_all_fails() {
    let dns = domain(provider(), "r.test", "v=spf1 redirect=_gone.r.test")
        .txt("open.test", &["v=spf1 +all"])
        .txt("r2.test", &["v=spf1 redirect=open.test"]);
    let report = run(&dns, "r.test").await;
    assert_eq!(first(&report).code, "spf.redirect_without_spf");
    let report = run(&dns, "r2.test").await;
    assert_eq!(first(&report).code, "spf.pass_all");
}

#[tokio::test]
async fn syntax_errors_name_each_problem() {
    let dns =
        domain(provider(), "spf-syntax-error.test", "v=spf1 ip4:192.0.2.256 include _spf.mail-provider.test -all");
    let report = run(&dns, "spf-syntax-error.test").await;
    let summary = first(&report);
    assert_eq!((summary.code.as_str(), summary.status), ("spf.syntax_error", Status::Fail));
    assert!(summary.message.contains("invalid ip4 address 192.0.2.256; unknown term 'include'"), "{}", summary.message);
    assert!(summary.fix.is_some());
    assert_eq!(report.findings.len(), 1, "nothing else is claimed about a broken record: {:?}", codes(&report));
}

#[tokio::test]
async fn sender_macros_are_counted_not_queried() {
    let dns = domain(
        provider(),
        "spf-macro.test",
        "v=spf1 exists:%{i}._spf.spf-macro.test include:_spf.mail-provider.test -all",
    )
    .a("192.0.2.10._spf.spf-macro.test", [127, 0, 0, 2]);
    let report = run(&dns, "spf-macro.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.valid", Status::Ok));
    assert!(first(&report).message.contains("2 DNS lookups of 10"), "{}", first(&report).message);
    let info = find(&report, "spf.macro_not_expanded");
    assert_eq!(info.status, Status::Ok);
    assert!(info.message.contains("%{i}"), "{}", info.message);
    assert!(!dns.asked().iter().any(|(n, _)| n.contains('%') || n.contains("_spf.spf-macro")), "{:?}", dns.asked());
}

#[tokio::test]
async fn the_domain_macro_is_expanded() {
    let dns = domain(provider(), "m.test", "v=spf1 include:_spf.%{d} -all")
        .txt("_spf.m.test", &["v=spf1 a -all"])
        .a("_spf.m.test", [192, 0, 2, 7]);
    let report = run(&dns, "m.test").await;
    assert_eq!(first(&report).code, "spf.valid", "{:?}", report.findings);
    assert_eq!(report.tree.unwrap().total_lookups, 2);
    assert!(dns.asked().contains(&("_spf.m.test".to_owned(), RecordType::A)), "a uses the included domain");
}

#[tokio::test]
async fn a_record_split_into_255_byte_strings_is_joined_without_spaces() {
    let d = "spf-split-record.test";
    let first_part = "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 ip4:192.0.2.6 \
                      ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 ip4:198.51.100.0/28 \
                      ip4:198.51.100.16/28 ip4:198.51.100.32/28 ip4:198.51.100.48/28 ip4:203.0.113.0/28 ip4:2";
    let second = "03.0.113.16/28 ip6:2001:db8:1::/48 ip6:2001:db8:2::/48 ip6:2001:db8:3::/48 \
                  include:_spf.mail-provider.test -all";
    assert_eq!(first_part.len(), 255);
    let dns = provider().a(d, [127, 0, 10, 80]).txt(d, &[first_part, second]);
    let report = run(&dns, d).await;
    assert_eq!(codes(&report), vec!["spf.valid"]);
    assert!(first(&report).message.contains("1 DNS lookup of 10"));
    assert!(report.tree.unwrap().record.unwrap().contains("ip4:203.0.113.16/28"));
}

#[tokio::test]
async fn spf_is_found_among_many_txt_records() {
    let d = "txt-large-response.test";
    let mut dns = domain(provider(), d, "v=spf1 include:_spf.mail-provider.test -all");
    for i in 0..30 {
        dns = dns.txt(d, &[&format!("site-verification-{i:02}=dHh0LWxhcmdlLXJlc3BvbnNlLnRlc3Q")]);
    }
    let report = run(&dns, d).await;
    assert_eq!(codes(&report), vec!["spf.valid"]);
}

#[tokio::test]
async fn a_long_record_is_a_warning_and_a_huge_one_is_refused() {
    let ips: Vec<String> = (1..=40).map(|i| format!("ip4:192.0.2.{i}")).collect();
    let long = format!("v=spf1 {} -all", ips.join(" "));
    assert!(long.len() > 512);
    let dns = domain(provider(), "long.test", &long).txt("huge.test", &[&format!("v=spf1 {}", "a ".repeat(3000))]);
    let report = run(&dns, "long.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.record_long", Status::Warn));
    let report = run(&dns, "huge.test").await;
    assert_eq!(first(&report).code, "spf.syntax_error");
    assert!(first(&report).message.contains("record too long to be valid"), "{}", first(&report).message);
}

#[tokio::test]
async fn a_failed_lookup_inside_an_include_makes_the_summary_unknown() {
    let dns = domain(provider(), "inc.test", "v=spf1 include:_spf.broken.test -all").fail(
        "_spf.broken.test",
        RecordType::Txt,
        LookupError::ServFail,
    );
    let report = run(&dns, "inc.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.lookup_failed", Status::Unknown));
    assert!(first(&report).message.contains("_spf.broken.test") && first(&report).message.contains("SERVFAIL"));
    // A definite failure elsewhere still wins.
    let dns = domain(provider(), "inc2.test", "v=spf1 include:_spf.broken.test +all").fail(
        "_spf.broken.test",
        RecordType::Txt,
        LookupError::Timeout,
    );
    let report = run(&dns, "inc2.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.pass_all", Status::Fail));
    assert!(codes(&report).contains(&"spf.lookup_failed"));
}

#[tokio::test]
async fn a_failed_address_lookup_is_unknown_too() {
    let dns = domain(provider(), "af.test", "v=spf1 a:host.af.test -all").fail(
        "host.af.test",
        RecordType::A,
        LookupError::Timeout,
    );
    let report = run(&dns, "af.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.lookup_failed", Status::Unknown));
}

#[tokio::test]
async fn an_include_without_spf_and_a_nested_permerror_fail_the_domain() {
    let dns = domain(provider(), "top.test", "v=spf1 include:_a.top.test -all")
        .txt("_a.top.test", &["v=spf1 include:_b.top.test -all"])
        .txt("_b.top.test", &["v=spf1 ip4:192.0.2.1 include bad -all"])
        .txt("nx.test", &["v=spf1 include:_missing.nx.test -all"]);
    let report = run(&dns, "top.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.syntax_error", Status::Fail));
    assert!(first(&report).message.contains("_b.top.test"), "{}", first(&report).message);
    let report = run(&dns, "nx.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.include_without_spf", Status::Fail));
    assert!(first(&report).message.contains("does not exist"));
}

#[tokio::test]
async fn an_included_record_that_passes_everyone_fails() {
    let dns = domain(provider(), "p.test", "v=spf1 include:_open.p.test -all").txt("_open.p.test", &["v=spf1 +all"]);
    let report = run(&dns, "p.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.pass_all", Status::Fail));
    assert!(first(&report).message.contains("include:_open.p.test"));
}

#[tokio::test]
async fn a_50_deep_include_chain_ends_quickly_with_too_many_lookups() {
    let mut dns = FakeResolver::new().txt("deep.test", &["v=spf1 include:l1.deep.test -all"]);
    for i in 1..50 {
        dns = dns.txt(&format!("l{i}.deep.test"), &[&format!("v=spf1 include:l{}.deep.test -all", i + 1)]);
    }
    let report = run(&dns, "deep.test").await;
    assert_eq!(first(&report).code, "spf.too_many_lookups");
    assert!(first(&report).message.contains("at least"), "{}", first(&report).message);
    assert!(dns.asked().len() <= eval::MAX_DEPTH + 2, "{}", dns.asked().len());
}

#[tokio::test]
async fn a_wide_include_fan_out_is_capped() {
    let includes: Vec<String> = (0..99).map(|i| format!("include:w{i}.wide.test")).collect();
    let mut dns = FakeResolver::new().txt("wide.test", &[&format!("v=spf1 {}", includes.join(" "))]);
    for i in 0..99 {
        dns = dns.txt(&format!("w{i}.wide.test"), &["v=spf1 a mx a:x.wide.test -all"]);
    }
    let report = run(&dns, "wide.test").await;
    assert_eq!(first(&report).code, "spf.too_many_lookups");
    assert!(dns.asked().len() <= 260, "{}", dns.asked().len());
}

#[tokio::test]
async fn more_than_ten_mail_servers_break_mx() {
    let mut dns = domain(provider(), "bigmx.test", "v=spf1 mx:many.test -all");
    for i in 0..11 {
        dns = dns.mx("many.test", 10, &format!("mx{i}.many.test")).a(&format!("mx{i}.many.test"), [192, 0, 2, 1]);
    }
    let report = run(&dns, "bigmx.test").await;
    assert_eq!((first(&report).code.as_str(), first(&report).status), ("spf.too_many_mx", Status::Fail));
}

#[tokio::test]
async fn leftovers_after_all_and_an_ignored_redirect_are_pointed_out() {
    let dns =
        domain(provider(), "late.test", "v=spf1 -all include:_spf.mail-provider.test redirect=_spf.mail-provider.test");
    let report = run(&dns, "late.test").await;
    let found = codes(&report);
    assert!(found.contains(&"spf.terms_after_all") && found.contains(&"spf.redirect_ignored"), "{found:?}");
    assert_eq!(report.tree.unwrap().total_lookups, 0, "nothing after all is ever evaluated");
}

#[tokio::test]
async fn a_domain_that_sends_no_mail_says_so() {
    let dns = FakeResolver::new().txt("null-mx.test", &["v=spf1 -all"]).mx("null-mx.test", 0, "");
    let report = run(&dns, "null-mx.test").await;
    assert_eq!(codes(&report), vec!["spf.valid"]);
    assert!(first(&report).message.contains("0 DNS lookups of 10; this domain sends no mail"));
}

#[tokio::test]
async fn the_tree_prints_as_json() {
    let dns = domain(provider(), "good.test", "v=spf1 include:_spf.mail-provider.test -all");
    let report = run(&dns, "good.test").await;
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains(r#""domain":"_spf.mail-provider.test","via":"include""#), "{json}");
    assert!(json.contains(r#""total_lookups":1"#) && json.contains(r#""code":"spf.valid""#), "{json}");
}

#[test]
fn the_check_can_run_on_any_thread() {
    fn is_send<T: Send>(_: &T) {}
    let dns = FakeResolver::new();
    let name = DomainName::parse("x.test").unwrap();
    is_send(&check(&dns, &name));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn any_published_text_gives_a_summary_and_no_panic(s in "(v=spf1)?( [-+~?]?(all|include:x.test|a|mx|ptr|exists:%\\{d\\}|redirect=x.test|ip4:1.2.3.4|[ -~]{0,12})){0,12}") {
        let dns = FakeResolver::new().txt("x.test", &[&s]).txt("y.test", &[&format!("v=spf1 {s}")]);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        for name in ["x.test", "y.test"] {
            let report = rt.block_on(run(&dns, name));
            proptest::prop_assert!(!report.findings.is_empty());
        }
    }
}
