//! MTA-STS's second half: the policy file the TXT record announces, fetched
//! the way a sending mail server fetches it (RFC 8461 3.3: HTTPS to
//! `mta-sts.<domain>`, a valid certificate, status 200, no redirects,
//! `text/plain`), and compared with the domain's MX hosts.

use std::net::IpAddr;

use crate::fetch::Fetcher;
use crate::finding::{Check, Finding, Status};
use crate::mta_sts::{MAX_POLICY_LEN, parse_policy, policy_findings};
use crate::name::DomainName;
use crate::resolver::{Rdata, RecordType, Resolver};

/// Add the policy file's findings to the TXT record's, when the record is
/// valid; the policy's summary becomes the check's summary.
pub async fn with_policy(
    dns: &dyn Resolver,
    web: &dyn Fetcher,
    domain: &DomainName,
    record: Vec<Finding>,
    mx_hosts: &[String],
) -> Vec<Finding> {
    if record.first().is_none_or(|f| f.code != "mta_sts.valid") {
        return record;
    }
    let host = domain.under("mta-sts");
    let url = format!("https://{host}/.well-known/mta-sts.txt");
    let policy = match fetch(dns, web, &host, &url).await {
        Ok(text) => match parse_policy(&text) {
            Ok(policy) => policy_findings(&policy, mx_hosts),
            Err(problems) => vec![
                Finding::new(
                    Check::MtaSts,
                    Status::Fail,
                    "policy_invalid",
                    format!("The MTA-STS policy at {url} cannot be used: {}. Senders ignore MTA-STS until it is fixed.", problems.join("; ")),
                )
                .fix(example(mx_hosts)),
            ],
        },
        Err(why) => vec![
            Finding::new(
                Check::MtaSts,
                Status::Warn,
                "policy_unreachable",
                format!("The MTA-STS record is published, but its policy file could not be fetched from {url} ({why}). Until senders can fetch it, MTA-STS gives no protection."),
            )
            .fix(format!("Serve the policy over HTTPS with a valid certificate for {host}, with status 200 and Content-Type: text/plain:\n{}", example(mx_hosts))),
        ],
    };
    let mut findings = Vec::with_capacity(record.len() + policy.len());
    let mut policy = policy.into_iter();
    findings.extend(policy.next());
    findings.extend(record);
    findings.extend(policy);
    findings
}

async fn fetch(dns: &dyn Resolver, web: &dyn Fetcher, host: &str, url: &str) -> Result<String, String> {
    let answer = dns.lookup(host, RecordType::A).await.map_err(|e| e.to_string())?;
    let addrs: Vec<IpAddr> =
        answer.records.iter().filter_map(|r| if let Rdata::A(ip) = r { Some(IpAddr::V4(*ip)) } else { None }).collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    let page = web.get(url, &addrs, MAX_POLICY_LEN).await.map_err(|e| e.to_string())?;
    if page.status != 200 {
        return Err(format!("the server answered with status {} instead of 200", page.status));
    }
    let plain = page.header("content-type").is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/plain"));
    if !plain {
        return Err("the file is not served as text/plain".into());
    }
    String::from_utf8(page.body).map_err(|_| "the file is not UTF-8 text".to_owned())
}

fn example(mx_hosts: &[String]) -> String {
    let mut text = "version: STSv1\nmode: testing\n".to_owned();
    for host in mx_hosts.iter().filter(|h| !h.is_empty()) {
        text.push_str(&format!("mx: {host}\n"));
    }
    text.push_str("max_age: 86400");
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::fake::FakeResolver;
    use crate::fetch::{FakeFetcher, FetchError};

    fn valid_record() -> Vec<Finding> {
        vec![Finding::new(Check::MtaSts, Status::Ok, "valid", "v=STSv1 id=1")]
    }

    const URL: &str = "https://mta-sts.office.test/.well-known/mta-sts.txt";

    #[tokio::test]
    async fn an_enforced_policy_covering_every_mx_is_fine_and_a_missed_mx_fails() {
        let dns = FakeResolver::new().a("mta-sts.office.test", [192, 0, 2, 80]);
        let web = FakeFetcher::new().page(
            URL,
            200,
            &[("Content-Type", "text/plain; charset=utf-8")],
            "version: STSv1\r\nmode: enforce\r\nmx: *.mail.protection.outlook.com\r\nmax_age: 604800\r\n",
        );
        let domain = DomainName::parse("office.test").unwrap();

        let covered = ["office-test.mail.protection.outlook.com".to_owned()];
        let ok = with_policy(&dns, &web, &domain, valid_record(), &covered).await;
        assert_eq!((ok[0].status, ok[0].code.as_str()), (Status::Ok, "mta_sts.policy"));
        assert!(ok.iter().any(|f| f.code == "mta_sts.valid"), "the record stays as a detail");

        let missed = ["mx.other.example".to_owned()];
        let bad = with_policy(&dns, &web, &domain, valid_record(), &missed).await;
        assert_eq!(bad[0].status, Status::Fail);
        assert!(bad.iter().any(|f| f.code == "mta_sts.mx_not_covered"));
    }

    #[tokio::test]
    async fn a_policy_that_cannot_be_fetched_or_read_is_reported() {
        let domain = DomainName::parse("office.test").unwrap();
        let dns = FakeResolver::new().a("mta-sts.office.test", [192, 0, 2, 80]);
        let mx = ["mx.office.test".to_owned()];
        for (web, code) in [
            (FakeFetcher::new(), "mta_sts.policy_unreachable"),
            (FakeFetcher::new().error(URL, FetchError::Tls("self-signed".into())), "mta_sts.policy_unreachable"),
            (FakeFetcher::new().page(URL, 404, &[("content-type", "text/plain")], ""), "mta_sts.policy_unreachable"),
            (
                FakeFetcher::new().page(URL, 200, &[("content-type", "text/html")], "<html>"),
                "mta_sts.policy_unreachable",
            ),
            (
                FakeFetcher::new().page(URL, 200, &[("content-type", "text/plain")], "mode: enforce"),
                "mta_sts.policy_invalid",
            ),
        ] {
            let found = with_policy(&dns, &web, &domain, valid_record(), &mx).await;
            assert_eq!(found[0].code, code, "{found:?}");
            assert!(found[0].fix.as_deref().unwrap().contains("mx: mx.office.test"));
        }
        // Without a valid record there is nothing to fetch.
        let missing = vec![Finding::new(Check::MtaSts, Status::Warn, "missing", "none")];
        assert_eq!(with_policy(&dns, &FakeFetcher::new(), &domain, missing.clone(), &mx).await, missing);
    }
}
