//! `portcullis domain check` against every scenario domain of the real DNS
//! lab (`../shared/dns-lab`: Knot + a validating Unbound on loopback), as
//! the lab's `expected.json` describes them. Skipped, saying so, when
//! `PORTCULLIS_DNS_LAB` is not set; `PORTCULLIS_REQUIRE_DNS_LAB=1` (set by
//! ./scripts/test) makes the skip a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

fn lab() -> Option<(String, PathBuf)> {
    let Ok(resolver) = std::env::var("PORTCULLIS_DNS_LAB") else {
        assert!(std::env::var("PORTCULLIS_REQUIRE_DNS_LAB").as_deref() != Ok("1"), "the DNS lab is required");
        eprintln!("SKIPPED: PORTCULLIS_DNS_LAB is not set (start ../shared/dns-lab/start.sh)");
        return None;
    };
    let shared = portcullis_testkit::shared_dir();
    Some((resolver, shared.join("dns-lab/expected.json")))
}

/// The statuses our report may give for the lab's expectation text (the
/// lab words its expectations for people: "error: lookup failed (SERVFAIL)",
/// "missing (informational)", "ok/warn: exactly 10 DNS lookups").
fn allowed(expected: &str) -> &'static [&'static str] {
    let head = expected.split([':', ' ']).next().unwrap_or_default();
    match head {
        "ok/warn" => &["ok", "warn"],
        "ok/info" | "ok" => &["ok"],
        "warn" => &["warn"],
        // A lookup that failed is "unknown" by our rule (never "missing"):
        // the lab calls it an error.
        "error" if expected.contains("lookup failed") => &["fail", "unknown"],
        "error" => &["fail"],
        "missing" => &["warn", "ok"],
        "insecure" => &["warn"],
        "unknown" | "n/a" => &["unknown", "ok"],
        other => panic!("an expectation the test does not understand: {other:?} in {expected:?}"),
    }
}

/// Codes the scenarios must produce, beyond the statuses: the reason a
/// check passed or failed must be the right one.
const CODES: &[(&str, &str)] = &[
    ("dmarc-missing.test", "dmarc.missing"),
    ("dmarc-pnone.test", "dmarc.policy_none"),
    ("dmarc-syntax-error.test", "dmarc.invalid_policy"),
    ("dmarc-multiple-records.test", "dmarc.multiple_records"),
    ("dmarc-rua-external-no-auth.test", "dmarc.external_reports_unauthorised"),
    ("dmarc-rua-external-auth.test", "dmarc.external_reports_authorised"),
    ("dmarc-pct-partial.test", "dmarc.partial_pct"),
    ("sub.dmarc-subdomain-inherits.test", "dmarc.inherited"),
    ("dmarc-p-missing.test", "dmarc.policy_missing"),
    ("dmarc-sp-none.test", "dmarc.subdomains_unprotected"),
    ("spf-missing.test", "spf.missing"),
    ("spf-too-many-lookups.test", "spf.too_many_lookups"),
    ("spf-void-lookups.test", "spf.too_many_void_lookups"),
    ("spf-include-loop.test", "spf.include_loop"),
    ("spf-multiple-records.test", "spf.multiple_records"),
    ("spf-ptr.test", "spf.ptr_deprecated"),
    ("spf-plusall.test", "spf.pass_all"),
    ("spf-no-all.test", "spf.no_all"),
    ("spf-syntax-error.test", "spf.syntax_error"),
    ("mx-missing.test", "mx.implicit"),
    ("null-mx.test", "mx.null"),
    ("mx-cname.test", "mx.target_is_cname"),
    ("mx-target-nxdomain.test", "mx.target_missing"),
    ("mta-sts-missing.test", "mta_sts.missing"),
    ("mta-sts-malformed.test", "mta_sts.invalid_id"),
    ("tlsrpt-malformed.test", "tlsrpt.invalid_rua"),
    ("bimi-pnone.test", "bimi.dmarc_not_enforcing"),
    ("caa-missing.test", "caa.missing"),
    ("dkim-revoked.test", "dkim.revoked"),
    ("dkim-weak-1024.test", "dkim.key_weak_1024"),
    ("dkim-missing.test", "dkim.not_found"),
    ("dnssec-signed.test", "dnssec.secure"),
    ("good-strict.test", "dnssec.secure"),
    ("dnssec-bogus-expired.test", "dnssec.bogus"),
    ("dnssec-ds-mismatch.test", "dnssec.bogus"),
    ("nonexistent-domain.test", "dns.nxdomain"),
    ("timeout.test", "dns.timeout"),
    ("jane-mp.test", "dmarc.policy_none"),
];

#[test]
fn every_lab_domain_gets_the_findings_the_lab_expects() {
    let Some((resolver, expected_path)) = lab() else { return };
    let expected: Value = serde_json::from_slice(&std::fs::read(&expected_path).unwrap()).unwrap();
    let domains: Vec<&str> =
        expected["domains"].as_array().unwrap().iter().map(|d| d["domain"].as_str().unwrap()).collect();

    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["domain", "check", "--json", "--resolver", &resolver])
        .args(&domains)
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "failing domains exit 1: {stderr}");
    assert!(took < Duration::from_secs(60), "all {} domains in {took:?}", domains.len());

    let reports: BTreeMap<String, Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .map(|report| (report["domain"].as_str().unwrap().to_owned(), report))
        .collect();
    assert_eq!(reports.len(), domains.len(), "one report per domain");

    let mut wrong = Vec::new();
    for entry in expected["domains"].as_array().unwrap() {
        let domain = entry["domain"].as_str().unwrap();
        let findings = reports[domain]["findings"].as_array().unwrap();
        for (check, text) in entry["expected"].as_object().unwrap() {
            let text = text.as_str().unwrap();
            // The check's first finding is its summary.
            let Some(summary) = findings.iter().find(|f| f["check"] == check.as_str()) else {
                wrong.push(format!("{domain} {check}: no finding (expected {text})"));
                continue;
            };
            let status = summary["status"].as_str().unwrap();
            // The lab serves no HTTPS (its README: "a checker that fetches
            // them should report policy/asset unreachable"); its
            // expectations are about the DNS records alone.
            let unserved =
                check == "mta_sts" && summary["code"] == "mta_sts.policy_unreachable" && text.starts_with("ok");
            if !allowed(text).contains(&status) && !unserved {
                wrong.push(format!(
                    "{domain} {check}: {status} {} — {} (expected {text})",
                    summary["code"], summary["message"]
                ));
            }
        }
    }
    for (domain, code) in CODES {
        let findings = reports[*domain]["findings"].as_array().unwrap();
        if !findings.iter().any(|f| f["code"] == *code) {
            wrong.push(format!("{domain}: no {code} finding"));
        }
    }
    assert!(wrong.is_empty(), "{} differences from the lab's expectations:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn names_that_cannot_be_checked_are_refused_with_one_line() {
    for bad in ["192.0.2.1", "localhost", "exa mple.org", &format!("{}.test", "a".repeat(64))] {
        let out = Command::new(env!("CARGO_BIN_EXE_portcullis")).args(["domain", "check", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("cannot check"), "{stderr}");
    }
}
