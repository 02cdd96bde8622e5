//! The `https` check: does the office's website answer over HTTPS with a
//! valid certificate, does plain HTTP send visitors there, and does it tell
//! browsers never to use plain HTTP again (HSTS, RFC 6797) for at least a
//! year?

use std::net::IpAddr;

use crate::fetch::{FetchError, Fetched, Fetcher};
use crate::finding::{Check, Finding, Status};
use crate::name::DomainName;
use crate::resolver::{Rdata, RecordType, Resolver};

/// A year, the HSTS max-age browsers' preload lists and NCSC guidance ask for.
const YEAR: u64 = 31_536_000;
/// The most of a home page worth reading: only headers matter.
const LIMIT: usize = 16 * 1024;

/// Check the website at `domain`, or at `www.domain` when the bare domain
/// has no address.
pub async fn check(dns: &dyn Resolver, web: &dyn Fetcher, domain: &DomainName) -> Vec<Finding> {
    let www = domain.under("www");
    let (host, addrs) = match addresses(dns, domain.as_str()).await {
        Ok(a) if !a.is_empty() => (domain.to_string(), a),
        Ok(_) => match addresses(dns, &www).await {
            Ok(a) if !a.is_empty() => (www, a),
            Ok(_) => return vec![no_website(domain)],
            Err(e) => return vec![lookup_failed(&www, &e)],
        },
        Err(e) => return vec![lookup_failed(domain.as_str(), &e)],
    };
    let url = format!("https://{host}/");
    match web.get(&url, &addrs, LIMIT).await {
        Ok(page) => {
            let mut findings = hsts(&host, &page);
            findings.extend(plain_http(web, &host, &addrs).await);
            // The summary (first) is the finding that matters most.
            findings.sort_by_key(|f| std::cmp::Reverse(crate::finding::rank(f.status)));
            findings
        }
        Err(FetchError::Timeout) => vec![Finding::new(
            Check::Https,
            Status::Unknown,
            "timeout",
            format!("{url} did not answer in time, so HTTPS could not be checked."),
        )],
        Err(e @ FetchError::Tls(_)) => vec![Finding::new(
            Check::Https,
            Status::Fail,
            "certificate",
            format!("{url}: {e}. Browsers warn visitors away, and a visitor who clicks through could be talking to an impostor."),
        )
        .fix("Renew or replace the certificate so that it covers this name (your web host or Let's Encrypt can issue one for free).")],
        Err(e) => vec![Finding::new(
            Check::Https,
            Status::Fail,
            "unreachable",
            format!("The website {host} does not answer over HTTPS: {e}. Visitors on plain HTTP can be redirected or shown altered pages."),
        )
        .fix("Ask your web host to serve the site over HTTPS with a valid certificate.")],
    }
}

/// Plain HTTP should only send visitors to HTTPS (or not answer at all).
async fn plain_http(web: &dyn Fetcher, host: &str, addrs: &[IpAddr]) -> Option<Finding> {
    let page = web.get(&format!("http://{host}/"), addrs, LIMIT).await.ok()?;
    let to_https = (300..400).contains(&page.status)
        && page.header("location").is_some_and(|l| l.trim().to_ascii_lowercase().starts_with("https://"));
    (!to_https).then(|| {
        Finding::new(
            Check::Https,
            Status::Warn,
            "no_redirect",
            format!("http://{host}/ answers without sending visitors to the HTTPS site (status {}), so someone who types the address can be served an altered page.", page.status),
        )
        .fix(format!("Redirect every plain-HTTP request to https://{host}/ with status 301 (most web hosts have a 'force HTTPS' setting)."))
    })
}

async fn addresses(dns: &dyn Resolver, name: &str) -> Result<Vec<IpAddr>, String> {
    let mut found = Vec::new();
    for rtype in [RecordType::A, RecordType::Aaaa] {
        let answer = dns.lookup(name, rtype).await.map_err(|e| e.to_string())?;
        found.extend(answer.records.iter().filter_map(|r| match r {
            Rdata::A(ip) => Some(IpAddr::V4(*ip)),
            Rdata::Aaaa(ip) => Some(IpAddr::V6(*ip)),
            _ => None,
        }));
    }
    Ok(found)
}

fn hsts(host: &str, page: &Fetched) -> Vec<Finding> {
    let fix = "Send this header from the website (then consider includeSubDomains once every subdomain has HTTPS):\nStrict-Transport-Security: max-age=31536000";
    match page.header("strict-transport-security").and_then(max_age) {
        None => vec![
            Finding::new(
                Check::Https,
                Status::Warn,
                "no_hsts",
                format!("https://{host}/ works, but does not send an HSTS header, so a visitor who types the address without https:// can be intercepted before reaching it."),
            )
            .fix(fix),
        ],
        Some(age) if age < YEAR => vec![
            Finding::new(
                Check::Https,
                Status::Warn,
                "hsts_short",
                format!("https://{host}/ sends HSTS with max-age={age} ({} days); a year ({YEAR}) is recommended.", age / 86_400),
            )
            .fix(fix),
        ],
        Some(age) => vec![Finding::new(
            Check::Https,
            Status::Ok,
            "valid",
            format!("https://{host}/ answers over HTTPS (status {}) with HSTS max-age={age}.", page.status),
        )],
    }
}

/// `max-age` of a Strict-Transport-Security value (RFC 6797 6.1).
fn max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|directive| {
        let (name, v) = directive.split_once('=')?;
        name.trim().eq_ignore_ascii_case("max-age").then(|| v.trim().trim_matches('"').parse().ok()).flatten()
    })
}

fn no_website(domain: &DomainName) -> Finding {
    Finding::new(
        Check::Https,
        Status::Ok,
        "no_website",
        format!("Neither {domain} nor www.{domain} has an address, so there is no website to check."),
    )
}

fn lookup_failed(name: &str, e: &str) -> Finding {
    Finding::new(Check::Https, Status::Unknown, "lookup_failed", format!("Could not look up {name}: {e}."))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::fake::FakeResolver;
    use crate::fetch::FakeFetcher;

    fn name(s: &str) -> DomainName {
        DomainName::parse(s).unwrap()
    }

    #[tokio::test]
    async fn a_site_with_a_year_of_hsts_is_fine_and_shorter_or_none_is_a_warning() {
        let dns = FakeResolver::new()
            .a("good.test", [192, 0, 2, 1])
            .a("short.test", [192, 0, 2, 2])
            .a("www.bare.test", [192, 0, 2, 3]);
        let web = FakeFetcher::new()
            .page(
                "https://good.test/",
                200,
                &[("Strict-Transport-Security", "max-age=63072000; includeSubDomains")],
                "",
            )
            .page("https://short.test/", 301, &[("strict-transport-security", "max-age=300")], "")
            .page("https://www.bare.test/", 200, &[], "<html>");

        let good = check(&dns, &web, &name("good.test")).await;
        assert_eq!(good[0].code, "https.valid");
        let short = check(&dns, &web, &name("short.test")).await;
        assert_eq!((short[0].status, short[0].code.as_str()), (Status::Warn, "https.hsts_short"));
        // No address at the bare domain: the www site is checked.
        let bare = check(&dns, &web, &name("bare.test")).await;
        assert_eq!(bare[0].code, "https.no_hsts");
        assert_eq!(bare.len(), 1, "plain HTTP not answering is fine");
        assert!(
            bare[0].message.contains("www.bare.test") && bare[0].fix.as_deref().unwrap().contains("max-age=31536000")
        );
    }

    #[tokio::test]
    async fn broken_certificates_refusals_and_silence_are_told_apart() {
        let dns = FakeResolver::new()
            .a("bad.test", [192, 0, 2, 1])
            .a("off.test", [192, 0, 2, 2])
            .a("slow.test", [192, 0, 2, 3])
            .txt("mailonly.test", &["v=spf1 -all"]);
        let web = FakeFetcher::new()
            .error("https://bad.test/", FetchError::Tls("certificate expired".into()))
            .error("https://slow.test/", FetchError::Timeout);
        assert_eq!(check(&dns, &web, &name("bad.test")).await[0].code, "https.certificate");
        assert_eq!(check(&dns, &web, &name("off.test")).await[0].code, "https.unreachable");
        assert_eq!(check(&dns, &web, &name("slow.test")).await[0].status, Status::Unknown);
        assert_eq!(check(&dns, &web, &name("mailonly.test")).await[0].code, "https.no_website");
    }

    #[tokio::test]
    async fn plain_http_must_redirect_to_https() {
        let dns = FakeResolver::new().a("good.test", [192, 0, 2, 1]).a("open.test", [192, 0, 2, 2]);
        let hsts = [("strict-transport-security", "max-age=31536000")];
        let web = FakeFetcher::new()
            .page("https://good.test/", 200, &hsts, "")
            .page("http://good.test/", 301, &[("Location", "https://good.test/")], "")
            .page("https://open.test/", 200, &hsts, "")
            .page("http://open.test/", 200, &[], "<html>");
        let good = check(&dns, &web, &name("good.test")).await;
        assert_eq!((good.len(), good[0].code.as_str()), (1, "https.valid"));
        let open = check(&dns, &web, &name("open.test")).await;
        assert_eq!(open[0].code, "https.no_redirect", "the warning leads");
        assert_eq!(open[1].code, "https.valid");
    }

    #[test]
    fn max_age_is_read_however_it_is_written() {
        assert_eq!(max_age("max-age=31536000"), Some(31_536_000));
        assert_eq!(max_age(" includeSubDomains ; MAX-AGE=\"600\""), Some(600));
        assert_eq!(max_age("includeSubDomains"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }
}
