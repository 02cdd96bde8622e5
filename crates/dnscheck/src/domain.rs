//! A whole domain's check: reach it, then every check, concurrently, under
//! one deadline; and many domains at once over one shared resolver.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::fetch::Fetcher;
use crate::finding::{Check, Finding, Status, rank};
use crate::name::DomainName;
use crate::reach::{self, Reach};
use crate::resolver::Resolver;
use crate::spf::SpfNode;
use crate::{bimi, caa, dkim, dmarc, dnssec, https, mta_sts, mx, spf, sts_policy, tlsrpt};

/// What to check beyond the defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// DKIM selectors to try first (the common ones are tried too).
    pub dkim_selectors: Vec<String>,
    /// The most one domain may take; checks still running then are
    /// reported as not finished.
    pub deadline: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self { dkim_selectors: Vec::new(), deadline: Duration::from_secs(60) }
    }
}

/// Everything found about one domain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DomainReport {
    /// The domain as checked (ASCII, lower case).
    pub domain: String,
    /// Findings in check order; each check's first finding is its summary.
    pub findings: Vec<Finding>,
    /// SPF's include tree, flattened for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spf_tree: Option<SpfNode>,
}

impl DomainReport {
    /// The summary finding of each check (its first), in report order.
    pub fn summaries(&self) -> Vec<&Finding> {
        let mut seen = Vec::new();
        self.findings
            .iter()
            .filter(|f| {
                let first = !seen.contains(&f.check);
                seen.push(f.check);
                first
            })
            .collect()
    }

    /// The worst summary status.
    pub fn worst(&self) -> Status {
        self.summaries().into_iter().map(|f| f.status).max_by_key(|s| rank(*s)).unwrap_or(Status::Ok)
    }
}

/// The checks run once the domain answers (every one but `dns` and `dnssec`).
const RECORD_CHECKS: [Check; 9] = [
    Check::Mx,
    Check::Spf,
    Check::Dmarc,
    Check::Dkim,
    Check::MtaSts,
    Check::Tlsrpt,
    Check::Bimi,
    Check::Caa,
    Check::Https,
];

/// Check one domain: DNS through `dns`, web pages (the MTA-STS policy, the
/// website) through `web`.
pub async fn check_domain(
    dns: &dyn Resolver,
    web: &dyn Fetcher,
    domain: &DomainName,
    options: &Options,
) -> DomainReport {
    let reached = reach::reach(dns, domain).await;
    let mut findings = vec![reach::finding(domain, &reached)];
    findings.push(dnssec::check(dns, domain, &reached).await);
    let mut spf_tree = None;
    if let Reach::Answers { .. } = reached {
        match tokio::time::timeout(options.deadline, records(dns, web, domain, options)).await {
            Ok((found, tree)) => {
                findings.extend(found);
                spf_tree = tree;
            }
            Err(_) => findings.extend(RECORD_CHECKS.iter().map(|c| too_slow(*c, options.deadline))),
        }
    } else {
        findings.extend(RECORD_CHECKS.iter().map(|c| reach::not_checked(*c, domain, &reached)));
    }
    DomainReport { domain: domain.to_string(), findings, spf_tree }
}

/// The record checks, concurrently (BIMI waits for DMARC: it needs to know
/// whether DMARC is enforced).
async fn records(
    dns: &dyn Resolver,
    web: &dyn Fetcher,
    domain: &DomainName,
    options: &Options,
) -> (Vec<Finding>, Option<SpfNode>) {
    let dmarc_then_bimi = async {
        let report = dmarc::check(dns, domain).await;
        let bimi = bimi::check(dns, domain, report.enforcing).await;
        (report.findings, bimi)
    };
    // The MTA-STS policy must cover the MX hosts: it waits for them.
    let mx_then_sts = async {
        let (mx, record) = tokio::join!(mx::check(dns, domain), mta_sts::check(dns, domain));
        let hosts: Vec<String> = mx.hosts.iter().map(|(_, host)| host.clone()).collect();
        let sts = sts_policy::with_policy(dns, web, domain, record, &hosts).await;
        (mx, sts)
    };
    let ((mx, mta_sts), spf, (dmarc, bimi), dkim, tlsrpt, caa, https) = tokio::join!(
        mx_then_sts,
        spf::check(dns, domain),
        dmarc_then_bimi,
        dkim::check(dns, domain, &options.dkim_selectors),
        tlsrpt::check(dns, domain),
        caa::check(dns, domain),
        https::check(dns, web, domain),
    );
    let dkim = if mx.null_mx { for_a_domain_without_mail(domain, dkim) } else { dkim };
    let mut findings = mx.findings;
    findings.extend(spf.findings);
    findings.extend(dmarc);
    findings.extend(dkim);
    findings.extend(mta_sts);
    findings.extend(tlsrpt);
    findings.extend(bimi);
    findings.extend(caa);
    findings.extend(https);
    (findings, spf.tree)
}

/// A domain with a null MX (RFC 7505) says it handles no mail: finding no
/// DKIM key there is what should be, not something to look into.
fn for_a_domain_without_mail(domain: &DomainName, mut dkim: Vec<Finding>) -> Vec<Finding> {
    if dkim.first().is_some_and(|f| f.code == "dkim.not_found") {
        dkim.insert(
            0,
            Finding::new(
                Check::Dkim,
                Status::Ok,
                "not_needed",
                format!("{domain} publishes a null MX: it handles no mail, so it needs no DKIM key."),
            ),
        );
        dkim.truncate(1);
    }
    dkim
}

fn too_slow(check: Check, deadline: Duration) -> Finding {
    Finding::new(
        check,
        Status::Unknown,
        "deadline",
        format!(
            "Not finished: the domain's DNS answered too slowly to check everything within {} seconds.",
            deadline.as_secs()
        ),
    )
}

/// Check many domains, at most `concurrency` at a time, sharing `dns` (and
/// its cache). Reports come back in the order the domains were given.
pub async fn check_domains(
    dns: Arc<dyn Resolver>,
    web: Arc<dyn Fetcher>,
    domains: Vec<DomainName>,
    options: Options,
    concurrency: usize,
) -> Vec<DomainReport> {
    let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let options = Arc::new(options);
    let mut tasks = tokio::task::JoinSet::new();
    let mut names = std::collections::HashMap::new();
    for (index, domain) in domains.into_iter().enumerate() {
        let (dns, web, limit, options) = (Arc::clone(&dns), Arc::clone(&web), Arc::clone(&limit), Arc::clone(&options));
        let name = domain.clone();
        let handle = tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            check_domain(dns.as_ref(), web.as_ref(), &domain, &options).await
        });
        names.insert(handle.id(), (index, name));
    }
    let mut reports = Vec::new();
    while let Some(done) = tasks.join_next_with_id().await {
        let (id, report) = match done {
            Ok((id, report)) => (id, report),
            // A check that panicked is a bug; say so for that domain and
            // let the others report.
            Err(e) => (e.id(), crashed(names.get(&e.id()).map(|(_, d)| d.to_string()).unwrap_or_default())),
        };
        let index = names.get(&id).map_or(usize::MAX, |(i, _)| *i);
        reports.push((index, report));
    }
    reports.sort_by_key(|(index, _)| *index);
    reports.into_iter().map(|(_, report)| report).collect()
}

fn crashed(domain: String) -> DomainReport {
    let finding = Finding::new(
        Check::Dns,
        Status::Unknown,
        "internal_error",
        "Portcullis failed while checking this domain. This is a bug: please report it.",
    );
    DomainReport { domain, findings: vec![finding], spf_tree: None }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::fake::FakeResolver;
    use crate::fetch::FakeFetcher;
    use crate::resolver::{Answer, LookupError, Rdata, RecordType};

    fn name(s: &str) -> DomainName {
        DomainName::parse(s).unwrap()
    }

    fn office(dns: FakeResolver, domain: &str) -> FakeResolver {
        dns.record(domain, RecordType::Soa, Rdata::Soa)
            .mx(domain, 10, &format!("mx.{domain}"))
            .a(&format!("mx.{domain}"), [192, 0, 2, 25])
            .txt(domain, &["v=spf1 ip4:192.0.2.25 -all"])
            .txt(&format!("_dmarc.{domain}"), &["v=DMARC1; p=reject; rua=mailto:d@", domain])
    }

    #[tokio::test]
    async fn every_check_reports_once_with_its_summary_first() {
        let dns = office(FakeResolver::new(), "office.test");
        let report = check_domain(&dns, &FakeFetcher::new(), &name("office.test"), &Options::default()).await;
        let checks: Vec<Check> = report.summaries().iter().map(|f| f.check).collect();
        let mut expected: Vec<Check> = Check::ALL.to_vec();
        expected.sort();
        let mut sorted = checks.clone();
        sorted.sort();
        assert_eq!(sorted, expected, "{checks:?}");
        assert_eq!(report.summaries()[3].code, "spf.valid");
        assert_eq!(report.worst(), Status::Warn, "DNSSEC, MTA-STS, TLS-RPT, CAA and DKIM are recommendations");
        assert_eq!(report.findings.iter().find(|f| f.check == Check::Https).unwrap().code, "https.no_website");
    }

    #[tokio::test]
    async fn a_domain_that_does_not_answer_is_not_reported_as_missing_records() {
        let dns = FakeResolver::new().fail("down.test", RecordType::Soa, LookupError::ServFail);
        let report = check_domain(&dns, &FakeFetcher::new(), &name("down.test"), &Options::default()).await;
        assert_eq!(report.findings[0].code, "dns.lookup_failed");
        for finding in &report.findings[2..] {
            assert_eq!(finding.status, Status::Unknown, "{finding:?}");
            assert!(finding.code.ends_with(".not_checked"), "{}", finding.code);
        }
        assert_eq!(dns.asked().len(), 2, "nothing but the SOA and the DS is asked");
    }

    /// A resolver whose every answer takes a minute.
    #[derive(Debug)]
    struct Slow(FakeResolver);

    #[async_trait::async_trait]
    impl Resolver for Slow {
        async fn lookup(&self, name: &str, rtype: RecordType) -> Result<Answer, LookupError> {
            if rtype != RecordType::Soa && rtype != RecordType::Ds {
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
            self.0.lookup(name, rtype).await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_domain_stops_at_the_deadline_and_says_so() {
        let dns = Slow(office(FakeResolver::new(), "slow.test"));
        let options = Options { deadline: Duration::from_secs(5), ..Options::default() };
        let report = check_domain(&dns, &FakeFetcher::new(), &name("slow.test"), &options).await;
        let late: Vec<&Finding> = report.findings.iter().filter(|f| f.code.ends_with(".deadline")).collect();
        assert_eq!(late.len(), RECORD_CHECKS.len());
        assert!(late[0].message.contains("5 seconds"));
    }

    #[tokio::test]
    async fn many_domains_share_one_resolver_and_come_back_in_order() {
        let dns = office(office(FakeResolver::new(), "a.test"), "b.test").mx("null.test", 0, "");
        let dns = dns.record("null.test", RecordType::Soa, Rdata::Soa).txt("null.test", &["v=spf1 -all"]);
        let dns: Arc<dyn Resolver> = Arc::new(dns);
        let names = vec![name("b.test"), name("null.test"), name("a.test"), name("gone.test")];
        let reports = check_domains(dns, Arc::new(FakeFetcher::new()), names, Options::default(), 2).await;
        let order: Vec<&str> = reports.iter().map(|r| r.domain.as_str()).collect();
        assert_eq!(order, vec!["b.test", "null.test", "a.test", "gone.test"]);
        assert_eq!(reports[3].findings[0].code, "dns.nxdomain");
        let dkim = reports[1].findings.iter().find(|f| f.check == Check::Dkim).unwrap();
        assert_eq!((dkim.status, dkim.code.as_str()), (Status::Ok, "dkim.not_needed"), "null MX needs no DKIM");
    }
}
