//! MX (RFC 5321 5.1, RFC 7505, RFC 2181 10.3): where email for the domain is
//! delivered, and whether each mail server named can actually be reached.

use crate::finding::rank;
use std::net::IpAddr;

use crate::{Answer, Check, DomainName, Finding, LookupError, Rcode, Rdata, RecordType, Resolver, Status};

/// At most this many mail servers are checked (real domains have a handful).
const MAX_TARGETS: usize = 16;

/// What the MX check found, with what other checks need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxReport {
    /// The findings; the first is the summary.
    pub findings: Vec<Finding>,
    /// The mail servers (preference, host name), lowest preference first,
    /// without any null MX. Empty when there are no MX records (the findings
    /// say whether mail then falls back to the domain's own address).
    pub hosts: Vec<(u16, String)>,
    /// The domain publishes only a null MX (RFC 7505): it accepts no email.
    pub null_mx: bool,
}

impl MxReport {
    fn only(finding: Finding) -> Self {
        Self { findings: vec![finding], hosts: Vec::new(), null_mx: false }
    }
}

/// Look up the domain's MX records and check each mail server they name.
pub async fn check(dns: &dyn Resolver, domain: &DomainName) -> MxReport {
    let answer = match dns.lookup(domain.as_str(), RecordType::Mx).await {
        Ok(answer) => answer,
        Err(error) => return MxReport::only(lookup_failed(domain.as_str(), &error)),
    };
    let mut records: Vec<(u16, String)> = answer
        .records
        .iter()
        .filter_map(|r| match r {
            Rdata::Mx { preference, exchange } => Some((*preference, normalise(exchange))),
            _ => None,
        })
        .collect();
    records.sort();
    records.dedup();
    if records.is_empty() {
        return MxReport::only(no_mx(dns, domain, answer.rcode).await);
    }
    // The null MX has the root as its exchange (RFC 7505 3).
    let (nulls, hosts): (Vec<_>, Vec<_>) = records.into_iter().partition(|(_, host)| host.is_empty());
    if hosts.is_empty() {
        return MxReport { findings: vec![null_mx(domain)], hosts, null_mx: true };
    }
    let mut details = Vec::new();
    if !nulls.is_empty() {
        details.push(null_mixed(domain, &hosts));
    }
    for (_, host) in hosts.iter().take(MAX_TARGETS) {
        details.extend(check_target(dns, host).await);
    }
    let mut findings = vec![summary(domain, &hosts, &details)];
    findings.extend(details);
    // A null MX mixed with real servers is contradictory; senders that skip
    // the unusable root entry deliver to the others, so they are the hosts.
    MxReport { findings, hosts, null_mx: false }
}

/// Lower-case, without the trailing dot; the root (`.`) becomes "".
fn normalise(exchange: &str) -> String {
    exchange.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn lookup_failed(name: &str, error: &LookupError) -> Finding {
    Finding::new(
        Check::Mx,
        Status::Unknown,
        "lookup_failed",
        format!("Could not look up where email for {name} goes: {error}. Try again later."),
    )
}

/// No MX records: mail goes to the domain's own address if it has one
/// (the "implicit MX", RFC 5321 5.1), else nowhere.
async fn no_mx(dns: &dyn Resolver, domain: &DomainName, rcode: Rcode) -> Finding {
    let null_fix = format!("{domain} MX 0 .");
    if rcode == Rcode::NxDomain {
        return Finding::new(
            Check::Mx,
            Status::Warn,
            "none",
            format!("{domain} does not exist in DNS, so it cannot receive email."),
        );
    }
    let (a, aaaa) =
        tokio::join!(dns.lookup(domain.as_str(), RecordType::A), dns.lookup(domain.as_str(), RecordType::Aaaa));
    let addresses: Vec<String> = [&a, &aaaa].into_iter().flatten().flat_map(addresses).collect();
    if !addresses.is_empty() {
        return Finding::new(
            Check::Mx,
            Status::Warn,
            "implicit",
            format!(
                "There are no MX records for {domain}, so email for it goes to the address of the domain itself \
                 ({}), usually the web server, which is unlikely to accept it (RFC 5321 5.1).",
                addresses.join(", ")
            ),
        )
        .fix(format!(
            "If {domain} should receive email, publish the MX records your email provider gives you, like: \
             {domain} MX 10 <your provider's mail server>. If it should not, publish a null MX: {null_fix}"
        ));
    }
    if let Some(error) = [a, aaaa].into_iter().find_map(Result::err) {
        return lookup_failed(domain.as_str(), &error);
    }
    Finding::new(
        Check::Mx,
        Status::Warn,
        "none",
        format!("{domain} has no MX records and no address, so it receives no email."),
    )
    .fix(format!("If {domain} should not receive email, say so clearly with a null MX (RFC 7505): {null_fix}"))
}

fn addresses(answer: &Answer) -> Vec<String> {
    answer
        .records
        .iter()
        .filter_map(|r| match r {
            Rdata::A(ip) => Some(ip.to_string()),
            Rdata::Aaaa(ip) => Some(ip.to_string()),
            _ => None,
        })
        .collect()
}

fn null_mx(domain: &DomainName) -> Finding {
    Finding::new(
        Check::Mx,
        Status::Ok,
        "null",
        format!(
            "{domain} publishes a null MX (MX 0 .): it accepts no email, and senders are told so straight away \
             (RFC 7505). That is right for a domain that never receives email."
        ),
    )
}

fn null_mixed(domain: &DomainName, hosts: &[(u16, String)]) -> Finding {
    Finding::new(
        Check::Mx,
        Status::Fail,
        "null_mixed",
        format!(
            "{domain} publishes a 'no email' record (MX 0 .) together with real mail servers ({}). These contradict \
             each other (RFC 7505 3), so some senders may refuse to deliver email.",
            list(hosts)
        ),
    )
    .fix(format!(
        "If {domain} receives email, delete the record {domain} MX 0 . ; if it does not, delete the other MX records."
    ))
}

/// Problems with one mail server name; none when it is fine.
async fn check_target(dns: &dyn Resolver, host: &str) -> Vec<Finding> {
    if host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok() {
        return vec![
            Finding::new(
                Check::Mx,
                Status::Fail,
                "target_is_ip",
                format!(
                    "The MX record names the address {host} instead of a server name. MX records must name a host \
                 (RFC 5321 5.1, RFC 7505), so senders may not deliver."
                ),
            )
            .fix("Replace it with the mail server's host name, as your email provider gives it."),
        ];
    }
    let (cname, a, aaaa) = tokio::join!(
        dns.lookup(host, RecordType::Cname),
        dns.lookup(host, RecordType::A),
        dns.lookup(host, RecordType::Aaaa)
    );
    if let Some(target) = alias_of(&cname, &a, &aaaa) {
        return vec![target_is_cname(host, &target)];
    }
    let found = [&a, &aaaa].into_iter().flatten().any(|answer| !answer.is_empty());
    if found {
        return Vec::new();
    }
    match (&a, &aaaa) {
        (Ok(a), Ok(_)) => vec![target_missing(host, a.rcode)],
        (Err(error), _) | (_, Err(error)) => vec![lookup_failed(host, error)],
    }
}

/// Where `host` is an alias to, from the CNAME lookup or, if that told us
/// nothing, the chain followed when looking up its address.
fn alias_of(
    cname: &Result<Answer, LookupError>,
    a: &Result<Answer, LookupError>,
    aaaa: &Result<Answer, LookupError>,
) -> Option<String> {
    let direct = cname.iter().flat_map(|answer| &answer.records).find_map(|r| match r {
        Rdata::Cname(target) => Some(target.clone()),
        _ => None,
    });
    direct
        .or_else(|| [a, aaaa].into_iter().flatten().find_map(|answer| answer.cnames.first().map(|(_, to)| to.clone())))
}

fn target_is_cname(host: &str, target: &str) -> Finding {
    Finding::new(
        Check::Mx,
        Status::Fail,
        "target_is_cname",
        format!(
            "The mail server {host} is an alias (CNAME) of {target}. MX records must name the server itself, not \
             an alias (RFC 2181 10.3, RFC 5321 5.1), and some senders will not deliver."
        ),
    )
    .fix(format!("Point the MX record straight at the real server: replace {host} with {target} in the MX record."))
}

fn target_missing(host: &str, rcode: Rcode) -> Finding {
    let why = if rcode == Rcode::NxDomain { "the name does not exist" } else { "the name has no address" };
    Finding::new(
        Check::Mx,
        Status::Fail,
        "target_missing",
        format!("The mail server {host} has no IPv4 or IPv6 address ({why}), so email cannot be delivered to it."),
    )
    .fix("Correct the MX record to the mail server name your email provider gives you, or publish its address.")
}

fn summary(domain: &DomainName, hosts: &[(u16, String)], details: &[Finding]) -> Finding {
    let provider = provider(hosts).map(|p| format!(" ({p})")).unwrap_or_default();
    let delivered = format!("Email for {domain} is delivered to {}{provider}.", list(hosts));
    let worst = details.iter().max_by_key(|f| rank(f.status));
    match worst.filter(|f| f.status != Status::Ok) {
        None => Finding::new(Check::Mx, Status::Ok, "valid", delivered),
        Some(first) => {
            let code = first.code.strip_prefix("mx.").unwrap_or("valid");
            let finding = Finding::new(Check::Mx, first.status, code, format!("{delivered} {}", first.message));
            match &first.fix {
                Some(fix) => finding.fix(fix.clone()),
                None => finding,
            }
        }
    }
}

/// `10 mx1.example.net, 20 mx2.example.net`.
fn list(hosts: &[(u16, String)]) -> String {
    hosts.iter().map(|(preference, host)| format!("{preference} {host}")).collect::<Vec<_>>().join(", ")
}

/// A well-known provider recognised from the mail server names.
fn provider(hosts: &[(u16, String)]) -> Option<&'static str> {
    let is =
        |host: &str, suffixes: &[&str]| suffixes.iter().any(|s| host == s.trim_start_matches('.') || host.ends_with(s));
    hosts.iter().find_map(|(_, host)| {
        if is(host, &[".mail.protection.outlook.com", ".mail.protection.outlook.test"]) {
            Some("Microsoft 365")
        } else if is(host, &[".aspmx.l.google.com", ".googlemail.com", ".smtp.google.com"]) {
            Some("Google Workspace")
        } else {
            None
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::fake::FakeResolver;

    fn domain(name: &str) -> DomainName {
        DomainName::parse(name).unwrap()
    }

    async fn run(dns: &FakeResolver, name: &str) -> MxReport {
        let report = check(dns, &domain(name)).await;
        assert!(!report.findings.is_empty(), "a check always says something");
        report
    }

    fn provider_hosts() -> FakeResolver {
        FakeResolver::new().a("mx1.mail-provider.test", [127, 0, 10, 25]).a("mx2.mail-provider.test", [127, 0, 10, 26])
    }

    #[tokio::test]
    async fn two_working_mail_servers_are_listed_in_order() {
        let dns = provider_hosts().mx("good-strict.test", 20, "mx2.mail-provider.test").mx(
            "good-strict.test",
            10,
            "mx1.mail-provider.test",
        );
        let report = run(&dns, "good-strict.test").await;
        let summary = &report.findings[0];
        assert_eq!((summary.status, summary.code.as_str()), (Status::Ok, "mx.valid"));
        assert!(summary.message.contains("10 mx1.mail-provider.test, 20 mx2.mail-provider.test"));
        assert_eq!(
            report.hosts,
            [(10, "mx1.mail-provider.test".to_owned()), (20, "mx2.mail-provider.test".to_owned())]
        );
        assert!(!report.null_mx);
        assert_eq!(report.findings.len(), 1);
    }

    #[tokio::test]
    async fn microsoft_365_and_google_are_recognised() {
        let dns = FakeResolver::new()
            .mx("jane-mp.test", 0, "jane-mp-test.mail.protection.outlook.test")
            .a("jane-mp-test.mail.protection.outlook.test", [127, 0, 10, 25]);
        let report = run(&dns, "jane-mp.test").await;
        assert_eq!(report.findings[0].status, Status::Ok);
        assert!(report.findings[0].message.contains("0 jane-mp-test.mail.protection.outlook.test (Microsoft 365)"));

        let dns = FakeResolver::new()
            .mx("shop.test", 1, "aspmx.l.google.com")
            .mx("shop.test", 5, "alt1.aspmx.l.google.com")
            .a("aspmx.l.google.com", [192, 0, 2, 1])
            .a("alt1.aspmx.l.google.com", [192, 0, 2, 2]);
        assert!(run(&dns, "shop.test").await.findings[0].message.contains("Google Workspace"));
    }

    #[tokio::test]
    async fn no_mx_but_an_address_means_mail_goes_to_the_web_server() {
        let dns = FakeResolver::new().a("mx-missing.test", [127, 0, 10, 80]);
        let report = run(&dns, "mx-missing.test").await;
        let summary = &report.findings[0];
        assert_eq!((summary.status, summary.code.as_str()), (Status::Warn, "mx.implicit"));
        assert!(summary.message.contains("127.0.10.80"));
        assert!(summary.fix.as_deref().unwrap().contains("mx-missing.test MX 0 ."));
        assert!(report.hosts.is_empty() && !report.null_mx);
    }

    #[tokio::test]
    async fn no_mx_and_no_address_means_no_mail_and_suggests_a_null_mx() {
        let dns = FakeResolver::new().txt("quiet.test", &["v=spf1 -all"]);
        let report = run(&dns, "quiet.test").await;
        assert_eq!((report.findings[0].status, report.findings[0].code.as_str()), (Status::Warn, "mx.none"));
        assert_eq!(
            report.findings[0].fix.as_deref(),
            Some("If quiet.test should not receive email, say so clearly with a null MX (RFC 7505): quiet.test MX 0 .")
        );
        let gone = run(&FakeResolver::new(), "nonexistent-domain.test").await;
        assert_eq!(gone.findings[0].code, "mx.none");
        assert!(gone.findings[0].message.contains("does not exist"));
    }

    #[tokio::test]
    async fn a_null_mx_says_the_domain_accepts_no_mail() {
        let dns = FakeResolver::new().mx("null-mx.test", 0, "").a("null-mx.test", [127, 0, 10, 80]);
        let report = run(&dns, "null-mx.test").await;
        assert_eq!((report.findings[0].status, report.findings[0].code.as_str()), (Status::Ok, "mx.null"));
        assert!(report.findings[0].message.contains("accepts no email"));
        assert!(report.null_mx && report.hosts.is_empty());
        let dotted = FakeResolver::new().mx("null-mx.test", 0, ".");
        assert!(run(&dotted, "null-mx.test").await.null_mx);
    }

    #[tokio::test]
    async fn a_null_mx_next_to_real_servers_fails() {
        let dns = provider_hosts().mx("confused.test", 0, "").mx("confused.test", 10, "mx1.mail-provider.test");
        let report = run(&dns, "confused.test").await;
        assert_eq!((report.findings[0].status, report.findings[0].code.as_str()), (Status::Fail, "mx.null_mixed"));
        assert!(!report.null_mx);
        assert_eq!(report.hosts, [(10, "mx1.mail-provider.test".to_owned())]);
    }

    #[tokio::test]
    async fn a_mail_server_that_is_an_alias_fails_and_names_both() {
        let dns = provider_hosts()
            .mx("mx-cname.test", 10, "mail.mx-cname.test")
            .cname("mail.mx-cname.test", "mx1.mail-provider.test");
        let report = run(&dns, "mx-cname.test").await;
        let summary = &report.findings[0];
        assert_eq!((summary.status, summary.code.as_str()), (Status::Fail, "mx.target_is_cname"));
        assert!(summary.message.contains("mail.mx-cname.test is an alias (CNAME) of mx1.mail-provider.test"));
        assert_eq!(report.findings[1].code, "mx.target_is_cname");
        assert_eq!(report.hosts, [(10, "mail.mx-cname.test".to_owned())]);
    }

    #[tokio::test]
    async fn a_mail_server_name_that_does_not_exist_fails() {
        let dns = FakeResolver::new().mx("mx-target-nxdomain.test", 10, "mail.does-not-exist.mx-target-nxdomain.test");
        let report = run(&dns, "mx-target-nxdomain.test").await;
        let summary = &report.findings[0];
        assert_eq!((summary.status, summary.code.as_str()), (Status::Fail, "mx.target_missing"));
        assert!(
            summary.message.contains("mail.does-not-exist.mx-target-nxdomain.test")
                && summary.message.contains("does not exist")
        );
        let nodata = FakeResolver::new().mx("shop.test", 10, "mail.shop.test").txt("mail.shop.test", &["hello"]);
        let report = run(&nodata, "shop.test").await;
        assert!(report.findings[0].message.contains("has no address"));
    }

    #[tokio::test]
    async fn an_ip_address_as_mail_server_fails_without_lookups() {
        let dns = FakeResolver::new().mx("lazy.test", 10, "192.0.2.25");
        let report = run(&dns, "lazy.test").await;
        assert_eq!((report.findings[0].status, report.findings[0].code.as_str()), (Status::Fail, "mx.target_is_ip"));
        assert_eq!(dns.asked().len(), 1);
    }

    #[tokio::test]
    async fn lookup_failures_are_unknown_never_missing() {
        let dns = FakeResolver::new().fail("dnssec-bogus-expired.test", RecordType::Mx, LookupError::ServFail);
        let report = run(&dns, "dnssec-bogus-expired.test").await;
        assert_eq!(
            (report.findings[0].status, report.findings[0].code.as_str()),
            (Status::Unknown, "mx.lookup_failed")
        );
        assert!(report.findings[0].message.contains("SERVFAIL"));

        let dns = FakeResolver::new().txt("timeout.test", &["exists"]).fail(
            "timeout.test",
            RecordType::A,
            LookupError::Timeout,
        );
        assert_eq!(run(&dns, "timeout.test").await.findings[0].code, "mx.lookup_failed");

        let dns = FakeResolver::new()
            .mx("shop.test", 10, "mx.slow.test")
            .fail("mx.slow.test", RecordType::A, LookupError::Timeout)
            .fail("mx.slow.test", RecordType::Aaaa, LookupError::Timeout);
        let report = run(&dns, "shop.test").await;
        assert_eq!(
            (report.findings[0].status, report.findings[0].code.as_str()),
            (Status::Unknown, "mx.lookup_failed")
        );
    }

    #[tokio::test]
    async fn a_broken_server_outranks_a_slow_one_in_the_summary() {
        let dns = FakeResolver::new()
            .mx("shop.test", 10, "mx.slow.test")
            .mx("shop.test", 20, "gone.shop.test")
            .fail("mx.slow.test", RecordType::A, LookupError::Timeout)
            .fail("mx.slow.test", RecordType::Aaaa, LookupError::Timeout);
        let report = run(&dns, "shop.test").await;
        assert_eq!(report.findings[0].code, "mx.target_missing");
        assert_eq!(report.findings.len(), 3);
    }
}
