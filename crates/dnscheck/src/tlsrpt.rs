//! SMTP TLS reporting (RFC 8460): a TXT record at `_smtp._tls.<domain>`
//! asking sending mail servers to report when they could not deliver mail
//! over an encrypted connection. Without it, nobody hears about such
//! failures.

use std::fmt;

use crate::dmarc::tags::{self, shown};
use crate::finding::{Check, Finding, Status};
use crate::name::DomainName;
use crate::resolver::Resolver;

/// The version tag every record starts with (RFC 8460 3: `%s"v=TLSRPTv1"`,
/// case-sensitive).
const VERSION: &str = "TLSRPTv1";

/// A TLS-RPT record, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsRptRecord {
    /// Where reports go: `mailto:` or `https:` URIs, in order.
    pub rua: Vec<String>,
}

/// Why a TLS-RPT record cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsRptError {
    /// A report address that is neither `mailto:` nor `https:`.
    InvalidRua(String),
    /// Anything else: no version, no `rua`, not a tag list.
    Syntax(String),
}

impl fmt::Display for TlsRptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRua(uri) => write!(f, "'{}' must be a mailto: or https: address", shown(uri)),
            Self::Syntax(reason) => f.write_str(reason),
        }
    }
}

/// Read a TLS-RPT record (RFC 8460 3): `v=TLSRPTv1` first, then `rua=`
/// with one or more comma-separated `mailto:` or `https:` URIs. Unknown
/// extension tags are ignored. Records over 4096 bytes are refused.
pub fn parse(record: &str) -> Result<TlsRptRecord, Vec<TlsRptError>> {
    let tags = tags::split(record).map_err(|e| vec![TlsRptError::Syntax(e)])?;
    match tags.first() {
        Some((name, value)) if name == "v" && value == VERSION => {}
        _ => return Err(vec![TlsRptError::Syntax("a TLS-RPT record must start with v=TLSRPTv1".to_owned())]),
    }
    let Some((_, rua)) = tags.iter().find(|(name, _)| name == "rua") else {
        return Err(vec![TlsRptError::Syntax("the record has no rua= tag saying where reports go".to_owned())]);
    };
    let uris: Vec<String> = rua.split(',').map(|u| u.trim().to_owned()).collect();
    let bad: Vec<TlsRptError> =
        uris.iter().filter(|u| !is_report_uri(u)).map(|u| TlsRptError::InvalidRua(u.clone())).collect();
    if bad.is_empty() { Ok(TlsRptRecord { rua: uris }) } else { Err(bad) }
}

/// RFC 8460 3: `mailto:` (RFC 6068) with an address, or `https:` with a host.
fn is_report_uri(uri: &str) -> bool {
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = uri.to_ascii_lowercase();
    if let Some(address) = lower.strip_prefix("mailto:") {
        return address.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    }
    lower.strip_prefix("https://").is_some_and(|rest| rest.split(['/', '?', '#']).next().is_some_and(|h| !h.is_empty()))
}

/// Check the TLS-RPT record of `domain`.
pub async fn check(dns: &dyn Resolver, domain: &DomainName) -> Vec<Finding> {
    let name = domain.under("_smtp._tls");
    let answer = match tags::texts(dns, &name).await {
        Ok(answer) => answer,
        Err(error) => {
            let message = format!(
                "Could not look up the TLS reporting record at {name}: {error}. This does not mean there is none."
            );
            return vec![Finding::new(Check::Tlsrpt, Status::Unknown, "lookup_failed", message)];
        }
    };
    // RFC 8460 3: records not starting with the version are discarded; if
    // not exactly one remains, the domain has no TLS-RPT.
    let records: Vec<&String> = answer.texts.iter().filter(|t| tags::starts_with_version(t, VERSION)).collect();
    match records.as_slice() {
        [] => vec![missing(domain, &name)],
        [record] => vec![one(domain, &name, record)],
        _ => vec![
            Finding::new(
                Check::Tlsrpt,
                Status::Fail,
                "multiple_records",
                format!(
                    "There are {} TLS reporting records at {name}; with more than one, mail servers ignore them \
                     all (RFC 8460 3). Delete all but one.",
                    records.len()
                ),
            )
            .fix(starter(domain, &name)),
        ],
    }
}

fn starter(domain: &DomainName, name: &str) -> String {
    format!("{name} TXT \"v=TLSRPTv1; rua=mailto:tls-reports@{domain}\"")
}

fn missing(domain: &DomainName, name: &str) -> Finding {
    let message = format!(
        "No TLS reporting record (at {name}): if other mail servers cannot deliver mail to {domain} over an \
         encrypted connection, nobody will tell you. Publish the record below to receive daily reports."
    );
    Finding::new(Check::Tlsrpt, Status::Warn, "missing", message).fix(starter(domain, name))
}

fn one(domain: &DomainName, name: &str, record: &str) -> Finding {
    match parse(record) {
        Ok(rec) => Finding::new(
            Check::Tlsrpt,
            Status::Ok,
            "valid",
            format!("v=TLSRPTv1: reports about failed encrypted delivery go to {}.", rec.rua.join(", ")),
        ),
        Err(errors) => {
            let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
            let bad_rua = errors.iter().any(|e| matches!(e, TlsRptError::InvalidRua(_)));
            let code = if bad_rua { "invalid_rua" } else { "invalid" };
            let message = format!(
                "The TLS reporting record at {name} cannot be used, so no reports will be sent: {}.",
                reasons.join("; ")
            );
            let fix = repaired(record).map_or_else(|| starter(domain, name), |r| format!("{name} TXT \"{r}\""));
            Finding::new(Check::Tlsrpt, Status::Fail, code, message).fix(fix)
        }
    }
}

/// The record with bare addresses (`tls@example.org`) turned into
/// `mailto:` URIs, if that makes it valid.
fn repaired(record: &str) -> Option<String> {
    let tags = tags::split(record).ok()?;
    let (_, rua) = tags.iter().find(|(name, _)| name == "rua")?;
    let fixed: Vec<String> = rua
        .split(',')
        .map(str::trim)
        .map(|u| if !u.contains(':') && u.contains('@') { format!("mailto:{u}") } else { u.to_owned() })
        .collect();
    let text = format!("v={VERSION}; rua={}", fixed.join(","));
    parse(&text).is_ok().then_some(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::fake::FakeResolver;
    use crate::resolver::{LookupError, RecordType};
    use proptest::prelude::*;

    async fn run(dns: &FakeResolver, domain: &str) -> Vec<Finding> {
        check(dns, &DomainName::parse(domain).unwrap()).await
    }

    #[tokio::test]
    async fn a_domain_with_mailto_and_https_reports_is_ok() {
        let dns = FakeResolver::new().txt(
            "_smtp._tls.tlsrpt-present.test",
            &["v=TLSRPTv1; rua=mailto:tls@tlsrpt-present.test,https://tlsrpt.tlsrpt-present.test/v1"],
        );
        let findings = run(&dns, "tlsrpt-present.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Ok, "tlsrpt.valid"));
        assert!(findings[0].message.contains("mailto:tls@tlsrpt-present.test, https://tlsrpt.tlsrpt-present.test/v1"));
    }

    #[tokio::test]
    async fn a_bare_address_is_refused_and_the_fix_adds_mailto() {
        let dns =
            FakeResolver::new().txt("_smtp._tls.tlsrpt-malformed.test", &["v=TLSRPTv1; rua=tls@tlsrpt-malformed.test"]);
        let findings = run(&dns, "tlsrpt-malformed.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Fail, "tlsrpt.invalid_rua"));
        assert!(findings[0].message.contains("'tls@tlsrpt-malformed.test' must be a mailto: or https: address"));
        assert_eq!(
            findings[0].fix.as_deref(),
            Some("_smtp._tls.tlsrpt-malformed.test TXT \"v=TLSRPTv1; rua=mailto:tls@tlsrpt-malformed.test\"")
        );
    }

    #[tokio::test]
    async fn a_domain_without_tls_reporting_is_told_what_to_publish() {
        let findings = run(&FakeResolver::new(), "example.test").await;
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Warn, "tlsrpt.missing"));
        assert_eq!(
            findings[0].fix.as_deref(),
            Some("_smtp._tls.example.test TXT \"v=TLSRPTv1; rua=mailto:tls-reports@example.test\"")
        );
    }

    #[tokio::test]
    async fn two_records_fail() {
        let dns = FakeResolver::new()
            .txt("_smtp._tls.example.test", &["v=TLSRPTv1; rua=mailto:a@example.test"])
            .txt("_smtp._tls.example.test", &["v=TLSRPTv1; rua=mailto:b@example.test"])
            .txt("_smtp._tls.example.test", &["something else"]);
        let findings = run(&dns, "example.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Fail, "tlsrpt.multiple_records"));
    }

    #[tokio::test]
    async fn a_failed_lookup_is_unknown() {
        let dns = FakeResolver::new().fail("_smtp._tls.example.test", RecordType::Txt, LookupError::Refused);
        let findings = run(&dns, "example.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Unknown, "tlsrpt.lookup_failed"));
    }

    #[tokio::test]
    async fn a_record_without_rua_is_invalid() {
        let dns = FakeResolver::new().txt("_smtp._tls.example.test", &["v=TLSRPTv1;"]);
        let findings = run(&dns, "example.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Fail, "tlsrpt.invalid"));
        assert!(findings[0].message.contains("no rua="));
    }

    #[test]
    fn the_parser_reads_spaces_extensions_and_case() {
        let rec = parse("v=TLSRPTv1 ; RUA = mailto:a@example.test , HTTPS://r.example.test/x ; ext.a=1").unwrap();
        assert_eq!(rec.rua, vec!["mailto:a@example.test", "HTTPS://r.example.test/x"]);
        assert!(parse("v=tlsrptv1; rua=mailto:a@example.test").is_err(), "the version is case-sensitive");
        assert!(parse("v=TLSRPTv1; rua=http://r.example.test/").is_err());
        assert!(parse("v=TLSRPTv1; rua=mailto:").is_err());
        assert!(parse("v=TLSRPTv1; rua=mailto:a@x.test,").is_err(), "an empty URI is not a URI");
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
            let _ = repaired(&s);
        }

        #[test]
        fn the_parser_never_panics_on_long_input(s in ".{0,10000}") {
            let _ = parse(&s);
            let _ = parse(&format!("v=TLSRPTv1; rua={s}"));
        }
    }
}
