//! BIMI (Brand Indicators for Message Identification, draft-brand-
//! indicators-for-message-identification): a TXT record at
//! `default._bimi.<domain>` pointing at the logo some mail apps show next
//! to the domain's mail. Optional; it only works on top of DMARC at
//! quarantine or reject.

use crate::dmarc::tags::{self, shown};
use crate::finding::{Check, Finding, Status};
use crate::name::DomainName;
use crate::resolver::Resolver;

/// The version tag every record starts with.
const VERSION: &str = "BIMI1";

/// A BIMI record, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BimiRecord {
    /// `l`: the HTTPS URL of the SVG logo (`None` when absent or empty).
    pub logo: Option<String>,
    /// `a`: the HTTPS URL of the mark certificate (VMC/CMC, PEM), if any.
    pub authority: Option<String>,
}

impl BimiRecord {
    /// A record with neither a logo nor a certificate: the domain declines
    /// to show a logo.
    pub const fn declines(&self) -> bool {
        self.logo.is_none() && self.authority.is_none()
    }
}

/// Read a BIMI record: `v=BIMI1` first; `l` and `a` must be `https:` URLs
/// or empty (empty means declined). Unknown tags are ignored. Records over
/// 4096 bytes are refused.
pub fn parse(record: &str) -> Result<BimiRecord, Vec<String>> {
    let tags = tags::split(record).map_err(|e| vec![e])?;
    match tags.first() {
        Some((name, value)) if name == "v" && value == VERSION => {}
        _ => return Err(vec!["a BIMI record must start with v=BIMI1".to_owned()]),
    }
    let mut errors = Vec::new();
    let mut read = |tag: &str, what: &str| {
        let value = tags.iter().find(|(name, _)| name == tag).map(|(_, v)| v.as_str()).unwrap_or_default();
        if value.is_empty() {
            return None;
        }
        if !is_https_url(value) {
            errors.push(format!("{tag}={} must be an https:// address of the {what}", shown(value)));
        }
        Some(value.to_owned())
    };
    let logo = read("l", "logo (SVG file)");
    let authority = read("a", "certificate (PEM file)");
    if errors.is_empty() { Ok(BimiRecord { logo, authority }) } else { Err(errors) }
}

fn is_https_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let host = lower.strip_prefix("https://").and_then(|rest| rest.split(['/', '?', '#']).next());
    host.is_some_and(|h| !h.is_empty()) && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Check the BIMI record of `domain`. `dmarc_enforcing` is
/// [`DmarcReport::enforcing`](crate::dmarc::DmarcReport::enforcing): mail
/// apps show the logo only when DMARC is at quarantine or reject.
pub async fn check(dns: &dyn Resolver, domain: &DomainName, dmarc_enforcing: bool) -> Vec<Finding> {
    let name = domain.under("default._bimi");
    let answer = match tags::texts(dns, &name).await {
        Ok(answer) => answer,
        Err(error) => {
            let message =
                format!("Could not look up the BIMI record at {name}: {error}. This does not mean there is none.");
            return vec![Finding::new(Check::Bimi, Status::Unknown, "lookup_failed", message)];
        }
    };
    let records: Vec<&String> = answer.texts.iter().filter(|t| tags::starts_with_version(t, VERSION)).collect();
    match records.as_slice() {
        [] => vec![missing(domain, &name, dmarc_enforcing)],
        [record] => match parse(record) {
            Ok(rec) => present(&name, &rec, dmarc_enforcing),
            Err(errors) => vec![
                Finding::new(
                    Check::Bimi,
                    Status::Fail,
                    "invalid",
                    format!("The BIMI record at {name} cannot be used, so no logo is shown: {}.", errors.join("; ")),
                )
                .fix(example(domain, &name)),
            ],
        },
        _ => vec![
            Finding::new(
                Check::Bimi,
                Status::Fail,
                "multiple_records",
                format!("There are {} BIMI records at {name}; there must be exactly one.", records.len()),
            )
            .fix(example(domain, &name)),
        ],
    }
}

fn example(domain: &DomainName, name: &str) -> String {
    format!("{name} TXT \"v=BIMI1; l=https://{domain}/logo.svg; a=https://{domain}/vmc.pem\"")
}

fn missing(domain: &DomainName, name: &str, dmarc_enforcing: bool) -> Finding {
    let before = if dmarc_enforcing { "" } else { " It needs DMARC at p=quarantine or p=reject first." };
    let message = format!(
        "No BIMI record (at {name}). BIMI is optional: it lets some mail apps show your logo next to mail from \
         {domain}.{before}"
    );
    Finding::new(Check::Bimi, Status::Ok, "missing", message)
}

fn present(name: &str, rec: &BimiRecord, dmarc_enforcing: bool) -> Vec<Finding> {
    if rec.declines() {
        let message = format!("The BIMI record at {name} is empty: the domain declines to show a logo.");
        return vec![Finding::new(Check::Bimi, Status::Ok, "declined", message)];
    }
    let parts: Vec<String> = [("logo", &rec.logo), ("certificate", &rec.authority)]
        .into_iter()
        .filter_map(|(what, url)| url.as_ref().map(|u| format!("{what} {}", shown(u))))
        .collect();
    let described = format!("v=BIMI1: {}", parts.join(", "));
    let summary = if dmarc_enforcing {
        Finding::new(Check::Bimi, Status::Ok, "valid", format!("{described}; DMARC is at enforcement."))
    } else {
        Finding::new(
            Check::Bimi,
            Status::Warn,
            "dmarc_not_enforcing",
            format!(
                "{described}. But mail clients will not show the logo unless DMARC is p=quarantine or p=reject \
                 (for all mail: no pct below 100, no t=y)."
            ),
        )
    };
    let mut out = vec![summary];
    if rec.authority.is_none() {
        out.push(Finding::new(
            Check::Bimi,
            Status::Ok,
            "no_certificate",
            "There is no mark certificate (a=). Some mail apps show the logo without one, but Gmail and Apple Mail \
             need a Verified Mark Certificate (VMC) or Common Mark Certificate (CMC).",
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::fake::FakeResolver;
    use crate::resolver::{LookupError, RecordType};
    use proptest::prelude::*;

    async fn run(dns: &FakeResolver, domain: &str, enforcing: bool) -> Vec<Finding> {
        check(dns, &DomainName::parse(domain).unwrap(), enforcing).await
    }

    fn head(findings: &[Finding]) -> (Status, &str) {
        (findings[0].status, findings[0].code.as_str())
    }

    #[tokio::test]
    async fn a_logo_and_certificate_with_dmarc_reject_is_ok() {
        let dns = FakeResolver::new().txt(
            "default._bimi.bimi-present.test",
            &["v=BIMI1; l=https://bimi.bimi-present.test/logo.svg; a=https://bimi.bimi-present.test/vmc.pem"],
        );
        let findings = run(&dns, "bimi-present.test", true).await;
        assert_eq!(findings.len(), 1);
        assert_eq!(head(&findings), (Status::Ok, "bimi.valid"));
        assert!(findings[0].message.contains("logo https://bimi.bimi-present.test/logo.svg"));
    }

    #[tokio::test]
    async fn a_logo_without_dmarc_enforcement_is_a_warning() {
        let dns = FakeResolver::new()
            .txt("default._bimi.bimi-pnone.test", &["v=BIMI1; l=https://bimi.bimi-pnone.test/logo.svg"]);
        let findings = run(&dns, "bimi-pnone.test", false).await;
        assert_eq!(head(&findings), (Status::Warn, "bimi.dmarc_not_enforcing"));
        assert!(findings[0].message.contains("mail clients will not show the logo unless DMARC is p=quarantine"));
        assert_eq!((findings[1].status, findings[1].code.as_str()), (Status::Ok, "bimi.no_certificate"));
    }

    #[tokio::test]
    async fn no_bimi_is_fine() {
        let findings = run(&FakeResolver::new(), "example.test", true).await;
        assert_eq!(head(&findings), (Status::Ok, "bimi.missing"));
        assert!(findings[0].message.contains("optional"));
        let findings = run(&FakeResolver::new(), "example.test", false).await;
        assert!(findings[0].message.contains("DMARC at p=quarantine or p=reject first"));
    }

    #[tokio::test]
    async fn an_http_logo_is_invalid() {
        let dns = FakeResolver::new().txt("default._bimi.example.test", &["v=BIMI1; l=http://example.test/logo.svg"]);
        let findings = run(&dns, "example.test", true).await;
        assert_eq!(head(&findings), (Status::Fail, "bimi.invalid"));
        assert!(findings[0].message.contains("https://"));
        assert!(findings[0].fix.as_deref().is_some_and(|f| f.starts_with("default._bimi.example.test TXT \"v=BIMI1;")));
    }

    #[tokio::test]
    async fn an_empty_record_declines() {
        let dns = FakeResolver::new().txt("default._bimi.example.test", &["v=BIMI1; l=; a=;"]);
        assert_eq!(head(&run(&dns, "example.test", false).await), (Status::Ok, "bimi.declined"));
    }

    #[tokio::test]
    async fn two_records_fail_and_lookup_failures_are_unknown() {
        let dns = FakeResolver::new()
            .txt("default._bimi.example.test", &["v=BIMI1; l=https://a.test/1.svg"])
            .txt("default._bimi.example.test", &["v=BIMI1; l=https://a.test/2.svg"]);
        assert_eq!(head(&run(&dns, "example.test", true).await), (Status::Fail, "bimi.multiple_records"));
        let dns = FakeResolver::new().fail("default._bimi.example.test", RecordType::Txt, LookupError::ServFail);
        assert_eq!(head(&run(&dns, "example.test", true).await), (Status::Unknown, "bimi.lookup_failed"));
    }

    #[tokio::test]
    async fn the_dmarc_report_decides_whether_the_logo_can_show() {
        let dns = FakeResolver::new()
            .txt("_dmarc.bimi-pnone.test", &["v=DMARC1; p=none; rua=mailto:dmarc-rua@bimi-pnone.test"])
            .txt("default._bimi.bimi-pnone.test", &["v=BIMI1; l=https://bimi.bimi-pnone.test/logo.svg"])
            .txt("_dmarc.bimi-present.test", &["v=DMARC1; p=reject; rua=mailto:dmarc-rua@bimi-present.test"])
            .txt("default._bimi.bimi-present.test", &["v=BIMI1; l=https://bimi.bimi-present.test/logo.svg; a="]);
        for (domain, expected) in [("bimi-pnone.test", "bimi.dmarc_not_enforcing"), ("bimi-present.test", "bimi.valid")]
        {
            let name = DomainName::parse(domain).unwrap();
            let dmarc = crate::dmarc::check(&dns, &name).await;
            assert_eq!(check(&dns, &name, dmarc.enforcing).await[0].code, expected);
        }
    }

    #[test]
    fn the_parser_follows_the_draft() {
        let rec = parse("v=BIMI1; L=https://x.test/l.svg; a=; avp=brand").unwrap();
        assert_eq!((rec.logo.as_deref(), rec.authority), (Some("https://x.test/l.svg"), None));
        assert!(parse("v=BIMI1").unwrap().declines());
        assert!(parse("v=bimi1; l=https://x.test/l.svg").is_err());
        assert!(parse("l=https://x.test/l.svg; v=BIMI1").is_err());
        assert!(parse("v=BIMI1; a=https://").is_err());
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn the_parser_never_panics_on_long_input(s in ".{0,10000}") {
            let _ = parse(&s);
            let _ = parse(&format!("v=BIMI1; l={s}"));
        }
    }
}
