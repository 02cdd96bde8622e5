//! CAA (RFC 8659): which certificate authorities may issue website
//! certificates for the domain. Without CAA records any of them may, so a
//! mistake or a fraud at any one of hundreds of authorities can produce a
//! certificate for the office's website.

use crate::finding::rank;
use crate::{Check, DomainName, Finding, LookupError, Rdata, RecordType, Resolver, Status};

/// Tags we understand beyond `issue`, `issuewild` and `iodef`: contact
/// details (CA/Browser Forum), S/MIME (RFC 9495) and BIMI certificates.
const OTHER_KNOWN_TAGS: &[&str] = &["contactemail", "contactphone", "issuemail", "issuevmc"];

/// One CAA property as published.
#[derive(Debug)]
struct Property<'a> {
    critical: bool,
    /// Lower-cased: tags match case-insensitively (RFC 8659 4.1).
    tag: String,
    value: &'a str,
}

/// Find the CAA records that apply to `domain` and judge them. The first
/// finding is the summary.
pub async fn check(dns: &dyn Resolver, domain: &DomainName) -> Vec<Finding> {
    // RFC 8659 3: the relevant record set is the one at the domain or, if
    // there is none, at the closest parent that has one. We stop before the
    // top-level domain: registries do not publish CAA for their customers.
    let mut current = Some(domain.clone());
    while let Some(name) = current {
        match dns.lookup(name.as_str(), RecordType::Caa).await {
            Err(error) => return vec![lookup_failed(&name, &error)],
            Ok(answer) => {
                let properties: Vec<Property<'_>> = answer.records.iter().filter_map(property).collect();
                if !properties.is_empty() {
                    return judge(domain, &name, &properties);
                }
            }
        }
        current = name.parent();
    }
    vec![missing(domain)]
}

fn property(record: &Rdata) -> Option<Property<'_>> {
    match record {
        Rdata::Caa { critical, tag, value } => {
            Some(Property { critical: *critical, tag: tag.to_ascii_lowercase(), value: value.as_str() })
        }
        _ => None,
    }
}

fn lookup_failed(name: &DomainName, error: &LookupError) -> Finding {
    Finding::new(
        Check::Caa,
        Status::Unknown,
        "lookup_failed",
        format!("Could not look up the CAA records of {name}: {error}. Try again later."),
    )
}

fn missing(domain: &DomainName) -> Finding {
    Finding::new(
        Check::Caa,
        Status::Warn,
        "missing",
        format!(
            "{domain} has no CAA record, so any certificate authority may issue a website certificate for it. A CAA \
             record limits this to the authority you actually use."
        ),
    )
    .fix(format!(
        "{domain} CAA 0 issue \"letsencrypt.org\" (use the name of the authority that issues your website's \
         certificate, such as letsencrypt.org, digicert.com or sectigo.com)"
    ))
}

/// What the record set allows, gathered for the summary.
#[derive(Debug, Default)]
struct Rules {
    /// Authorities named in valid `issue` properties; `issue_present` tells
    /// an empty list ("nobody") from no `issue` at all ("anybody").
    issuers: Vec<String>,
    issue_present: bool,
    wild_issuers: Vec<String>,
    wild_present: bool,
    iodef: Vec<String>,
}

fn judge(domain: &DomainName, at: &DomainName, properties: &[Property<'_>]) -> Vec<Finding> {
    let mut rules = Rules::default();
    let mut details = Vec::new();
    for property in properties {
        if let Some(problem) = apply(&mut rules, property, at) {
            details.push(problem);
        }
    }
    if !rules.issue_present {
        details.push(
            Finding::new(
                Check::Caa,
                Status::Warn,
                "issue_unrestricted",
                format!(
                    "The CAA records of {at} have no issue entry, so any certificate authority may still issue \
                     ordinary (non-wildcard) certificates."
                ),
            )
            .fix(format!("{at} CAA 0 issue \"letsencrypt.org\" (use the authority that issues your certificates)")),
        );
    }
    let worst = details.iter().map(|f| f.status).max_by_key(|s| rank(*s)).unwrap_or(Status::Ok);
    let mut message = describe(domain, at, &rules);
    let summary = match details.iter().find(|f| f.status == worst) {
        Some(first) if worst != Status::Ok => {
            message.push(' ');
            message.push_str(&first.message);
            let code = first.code.strip_prefix("caa.").unwrap_or("valid");
            let finding = Finding::new(Check::Caa, worst, code, message);
            match &first.fix {
                Some(fix) => finding.fix(fix.clone()),
                None => finding,
            }
        }
        _ => Finding::new(Check::Caa, Status::Ok, "valid", message),
    };
    std::iter::once(summary).chain(details).collect()
}

/// Fold one property into the rules; a finding if something is wrong with it.
fn apply(rules: &mut Rules, property: &Property<'_>, at: &DomainName) -> Option<Finding> {
    match property.tag.as_str() {
        "issue" | "issuewild" => {
            let wild = property.tag == "issuewild";
            if wild { rules.wild_present = true } else { rules.issue_present = true }
            match parse_issue_value(property.value) {
                Ok(Some(issuer)) if wild => rules.wild_issuers.push(issuer),
                Ok(Some(issuer)) => rules.issuers.push(issuer),
                Ok(None) => {}
                Err(reason) => return Some(invalid(property, at, &reason)),
            }
            None
        }
        "iodef" if valid_iodef(property.value) => {
            rules.iodef.push(property.value.trim().to_owned());
            None
        }
        "iodef" => Some(
            Finding::new(
                Check::Caa,
                Status::Warn,
                "invalid_iodef",
                format!(
                    "The iodef entry \"{}\" is not a mailto: or https: address, so certificate authorities cannot \
                     report problems to you.",
                    shorten(property.value)
                ),
            )
            .fix(format!("{at} CAA 0 iodef \"mailto:security@{at}\"")),
        ),
        tag if property.critical && !OTHER_KNOWN_TAGS.contains(&tag) => Some(Finding::new(
            Check::Caa,
            Status::Warn,
            "unknown_critical",
            format!(
                "The CAA entry '{}' is marked critical but is not a known kind of entry, so certificate authorities \
                 must refuse to issue any certificate for this domain (RFC 8659 4.1).",
                shorten(tag)
            ),
        )
        .fix("Remove that entry, or clear its critical flag (publish it with flag 0 instead of 128).")),
        // Unknown tags without the critical flag are ignored (RFC 8659 4.1).
        _ => None,
    }
}

fn invalid(property: &Property<'_>, at: &DomainName, reason: &str) -> Finding {
    Finding::new(
        Check::Caa,
        Status::Fail,
        "invalid",
        format!(
            "The CAA entry {} \"{}\" is malformed ({reason}). Certificate authorities cannot read it and may refuse \
             to issue certificates.",
            property.tag,
            shorten(property.value)
        ),
    )
    .fix(format!("{at} CAA 0 {} \"letsencrypt.org\" (use the authority that issues your certificates)", property.tag))
}

/// The issuer an `issue`/`issuewild` value names, None for "no authority",
/// or why it does not follow RFC 8659 4.2:
/// `*WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]`.
fn parse_issue_value(value: &str) -> Result<Option<String>, String> {
    let (issuer, parameters) = match value.split_once(';') {
        Some((issuer, parameters)) => (issuer, Some(parameters)),
        None => (value, None),
    };
    for parameter in parameters.into_iter().flat_map(|p| p.split(';')).map(str::trim).filter(|p| !p.is_empty()) {
        check_parameter(parameter)?;
    }
    let issuer = issuer.trim_matches([' ', '\t']);
    if issuer.is_empty() {
        return Ok(None);
    }
    if !valid_issuer(issuer) {
        return Err(format!("'{}' is not a certificate authority's domain name", shorten(issuer)));
    }
    Ok(Some(issuer.to_ascii_lowercase()))
}

/// issuer-domain-name = label *("." label); label = (ALPHA / DIGIT)
/// *( *("-") (ALPHA / DIGIT) ).
fn valid_issuer(issuer: &str) -> bool {
    issuer.len() <= 253
        && issuer.split('.').all(|label| {
            label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && label.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && label.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
        })
}

/// parameter = tag *WSP "=" *WSP value; tag = 1*(ALPHA / DIGIT);
/// value = *(%x21-3A / %x3C-7E).
fn check_parameter(parameter: &str) -> Result<(), String> {
    let bad = || format!("'{}' is not a name=value parameter", shorten(parameter));
    let (tag, value) = parameter.split_once('=').ok_or_else(bad)?;
    let tag = tag.trim_end_matches([' ', '\t']);
    let value = value.trim_start_matches([' ', '\t']);
    let tag_ok = !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_alphanumeric());
    let value_ok = value.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b';');
    if tag_ok && value_ok { Ok(()) } else { Err(bad()) }
}

/// iodef values are URLs: mailto:, http: or https: (RFC 8659 4.4).
fn valid_iodef(value: &str) -> bool {
    let value = value.trim();
    ["mailto:", "https://", "http://"].iter().any(|scheme| {
        value.get(..scheme.len()).is_some_and(|s| s.eq_ignore_ascii_case(scheme)) && value.len() > scheme.len() + 2
    }) && !value.contains(char::is_whitespace)
}

/// The plain-English summary of what the records allow.
fn describe(domain: &DomainName, at: &DomainName, rules: &Rules) -> String {
    let mut parts = Vec::new();
    if !rules.issue_present {
        parts.push(format!("CAA records are published for {domain}."));
    } else if rules.issuers.is_empty() {
        parts.push(format!("No certificate authority may issue certificates for {domain} (issue \";\")."));
    } else {
        parts.push(format!(
            "Only these certificate authorities may issue certificates for {domain}: issue {}.",
            rules.issuers.join(", ")
        ));
    }
    if rules.wild_present && rules.wild_issuers.is_empty() {
        parts.push("Wildcard certificates: none allowed (issuewild \";\").".to_owned());
    } else if rules.wild_present {
        parts.push(format!("Wildcard certificates only from: issuewild {}.", rules.wild_issuers.join(", ")));
    }
    if !rules.iodef.is_empty() {
        parts.push(format!("Refused requests are reported to: iodef {}.", rules.iodef.join(", ")));
    }
    if at != domain {
        parts.push(format!("These records are published at {at} and apply to {domain} too."));
    }
    parts.join(" ")
}

/// At most 60 characters of published text, for messages.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::fake::FakeResolver;

    fn domain(name: &str) -> DomainName {
        DomainName::parse(name).unwrap()
    }

    fn caa(dns: FakeResolver, name: &str, critical: bool, tag: &str, value: &str) -> FakeResolver {
        dns.record(name, RecordType::Caa, Rdata::Caa { critical, tag: tag.to_owned(), value: value.to_owned() })
    }

    async fn run(dns: &FakeResolver, name: &str) -> Vec<Finding> {
        let findings = check(dns, &domain(name)).await;
        assert!(!findings.is_empty(), "a check always says something");
        findings
    }

    fn lab_caa_present() -> FakeResolver {
        let dns = caa(FakeResolver::new(), "caa-present.test", false, "issue", "letsencrypt.org");
        let dns = caa(dns, "caa-present.test", false, "issue", "digicert.com");
        let dns = caa(dns, "caa-present.test", false, "issuewild", ";");
        caa(dns, "caa-present.test", false, "iodef", "mailto:caa@caa-present.test")
    }

    #[tokio::test]
    async fn restricting_issuers_and_wildcards_is_valid_and_explained() {
        let findings = run(&lab_caa_present(), "caa-present.test").await;
        assert_eq!(findings.len(), 1);
        let summary = &findings[0];
        assert_eq!((summary.status, summary.code.as_str()), (Status::Ok, "caa.valid"));
        for part in
            ["letsencrypt.org, digicert.com", "Wildcard certificates: none allowed", "mailto:caa@caa-present.test"]
        {
            assert!(summary.message.contains(part), "{part}: {}", summary.message);
        }
    }

    #[tokio::test]
    async fn no_caa_anywhere_is_a_warning_with_the_record_to_publish() {
        let dns = FakeResolver::new().a("caa-missing.test", [127, 0, 10, 80]);
        let findings = run(&dns, "caa-missing.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Warn, "caa.missing"));
        assert!(findings[0].message.contains("any certificate authority"));
        assert!(findings[0].fix.as_deref().unwrap().starts_with("caa-missing.test CAA 0 issue \"letsencrypt.org\""));
    }

    #[tokio::test]
    async fn a_subdomain_inherits_its_parents_records_but_the_tld_is_never_asked() {
        let dns = caa(FakeResolver::new(), "example.test", false, "issue", "letsencrypt.org");
        let findings = run(&dns, "www.shop.example.test").await;
        assert_eq!(findings[0].code, "caa.valid");
        assert!(findings[0].message.contains("published at example.test and apply to www.shop.example.test"));
        let dns = FakeResolver::new();
        let _ = run(&dns, "a.b.test").await;
        let names: Vec<String> = dns.asked().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a.b.test", "b.test"]);
    }

    #[tokio::test]
    async fn an_unknown_critical_entry_blocks_all_issuance() {
        let dns = caa(FakeResolver::new(), "odd.test", false, "issue", "letsencrypt.org");
        let dns = caa(dns, "odd.test", true, "tbs", "whatever");
        let findings = run(&dns, "odd.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Warn, "caa.unknown_critical"));
        assert!(findings[0].message.contains("must refuse"));
        // Unknown but not critical: ignored, as certificate authorities do.
        let dns =
            caa(caa(FakeResolver::new(), "odd.test", false, "issue", "letsencrypt.org"), "odd.test", false, "tbs", "x");
        assert_eq!(run(&dns, "odd.test").await[0].code, "caa.valid");
    }

    #[tokio::test]
    async fn a_malformed_issuer_fails() {
        for value in ["lets encrypt.org", "-bad.org", "letsencrypt.org; account", "ca..org", "x.org; a=b c"] {
            let dns = caa(FakeResolver::new(), "typo.test", false, "issue", value);
            let findings = run(&dns, "typo.test").await;
            assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Fail, "caa.invalid"), "{value}");
        }
        let fine =
            "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1; validationmethods=dns-01";
        let dns = caa(FakeResolver::new(), "ok.test", false, "ISSUE", fine);
        let findings = run(&dns, "ok.test").await;
        assert_eq!(findings[0].code, "caa.valid");
        assert!(findings[0].message.contains("issue letsencrypt.org."));
    }

    #[tokio::test]
    async fn only_a_wildcard_rule_leaves_ordinary_certificates_open() {
        let dns = caa(FakeResolver::new(), "half.test", false, "issuewild", ";");
        let findings = run(&dns, "half.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Warn, "caa.issue_unrestricted"));
    }

    #[tokio::test]
    async fn issue_nobody_is_valid_and_a_bad_iodef_is_a_warning() {
        let dns = caa(FakeResolver::new(), "nocerts.test", false, "issue", ";");
        let findings = run(&dns, "nocerts.test").await;
        assert_eq!(findings[0].code, "caa.valid");
        assert!(findings[0].message.contains("No certificate authority may issue"));
        let dns =
            caa(caa(FakeResolver::new(), "x.test", false, "issue", "pki.goog"), "x.test", false, "iodef", "me@x.test");
        assert_eq!(run(&dns, "x.test").await[0].code, "caa.invalid_iodef");
    }

    #[tokio::test]
    async fn lookup_failures_are_unknown_never_missing() {
        let dns = FakeResolver::new().fail("servfail.test", RecordType::Caa, LookupError::ServFail);
        let findings = run(&dns, "servfail.test").await;
        assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Unknown, "caa.lookup_failed"));
        let dns = FakeResolver::new().fail("example.test", RecordType::Caa, LookupError::Timeout);
        assert_eq!(run(&dns, "www.example.test").await[0].code, "caa.lookup_failed");
    }
}
