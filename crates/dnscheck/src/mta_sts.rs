//! MTA-STS (RFC 8461): a TXT record at `_mta-sts.<domain>` plus a policy
//! file at `https://mta-sts.<domain>/.well-known/mta-sts.txt` tell other
//! mail servers to deliver only over verified encrypted connections, so mail
//! cannot be read or redirected in transit.
//!
//! [`check`] looks at the DNS side. The policy file is fetched elsewhere;
//! [`parse_policy`], [`mx_matches`] and [`policy_findings`] judge it.

use std::fmt;

use crate::dmarc::tags::{self, shown};
use crate::finding::{Check, Finding, Status, rank};
use crate::name::DomainName;
use crate::resolver::{Rdata, RecordType, Resolver};

/// The TXT version tag (RFC 8461 3.1: `v=STSv1`).
const VERSION: &str = "STSv1";
/// RFC 8461 3.1: `sts-id = 1*32(ALPHA / DIGIT)`.
const MAX_ID: usize = 32;
/// RFC 8461 3.2: `max_age` is at most 31557600 seconds (about a year).
pub const MAX_MAX_AGE: u32 = 31_557_600;
/// RFC 8461 3.3: senders may refuse policy bodies over 64 KiB.
pub const MAX_POLICY_LEN: usize = 64 * 1024;
/// Shorter than a day, a policy lapses between visits of most senders.
const ONE_DAY: u32 = 86_400;

/// The `_mta-sts` TXT record, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsRecord {
    /// The policy id: changes whenever the policy file changes.
    pub id: String,
}

/// Why an `_mta-sts` TXT record cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsRecordError {
    /// An `id` that is not 1–32 letters and digits.
    InvalidId(String),
    /// Anything else.
    Syntax(String),
}

impl fmt::Display for StsRecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidId(id) => write!(
                f,
                "id={} is not valid: it must be 1 to 32 letters and digits only, no dashes, dots or underscores \
                 (RFC 8461 3.1)",
                shown(id)
            ),
            Self::Syntax(reason) => f.write_str(reason),
        }
    }
}

/// Read the `_mta-sts` TXT record (RFC 8461 3.1): `v=STSv1` first, then
/// `id=` of 1–32 letters and digits; extension tags are ignored. Records
/// over 4096 bytes are refused.
pub fn parse_record(record: &str) -> Result<StsRecord, StsRecordError> {
    let tags = tags::split(record).map_err(StsRecordError::Syntax)?;
    match tags.first() {
        Some((name, value)) if name == "v" && value == VERSION => {}
        _ => return Err(StsRecordError::Syntax("an MTA-STS record must start with v=STSv1".to_owned())),
    }
    let Some((_, id)) = tags.iter().find(|(name, _)| name == "id") else {
        return Err(StsRecordError::Syntax("the record has no id= tag".to_owned()));
    };
    if id.is_empty() || id.len() > MAX_ID || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(StsRecordError::InvalidId(id.clone()));
    }
    Ok(StsRecord { id: id.clone() })
}

/// Check the `_mta-sts` record of `domain`, and that the policy host
/// `mta-sts.<domain>` exists.
pub async fn check(dns: &dyn Resolver, domain: &DomainName) -> Vec<Finding> {
    let name = domain.under("_mta-sts");
    let answer = match tags::texts(dns, &name).await {
        Ok(answer) => answer,
        Err(error) => return vec![lookup_failed(&name, &error.to_string())],
    };
    // RFC 8461 3.1: other records are discarded; not exactly one left means
    // no MTA-STS.
    let records: Vec<&String> = answer.texts.iter().filter(|t| tags::starts_with_version(t, VERSION)).collect();
    match records.as_slice() {
        [] => vec![missing(dns, domain, &name).await],
        [record] => match parse_record(record) {
            Ok(rec) => with_host(dns, domain, &rec).await,
            Err(error) => vec![invalid(&name, &error)],
        },
        _ => vec![
            Finding::new(
                Check::MtaSts,
                Status::Fail,
                "multiple_records",
                format!(
                    "There are {} MTA-STS records at {name}; with more than one, mail servers ignore MTA-STS \
                     (RFC 8461 3.1). Delete all but one.",
                    records.len()
                ),
            )
            .fix(format!("{name} TXT \"v=STSv1; id={}\"", suggested_id(records.first().map_or("", |r| r)))),
        ],
    }
}

fn lookup_failed(name: &str, error: &str) -> Finding {
    let message = format!("Could not look up {name}: {error}. This does not mean there is nothing there.");
    Finding::new(Check::MtaSts, Status::Unknown, "lookup_failed", message)
}

fn invalid(name: &str, error: &StsRecordError) -> Finding {
    let code = if matches!(error, StsRecordError::InvalidId(_)) { "invalid_id" } else { "invalid" };
    let given = match error {
        StsRecordError::InvalidId(id) => id.as_str(),
        StsRecordError::Syntax(_) => "",
    };
    let message = format!("The MTA-STS record at {name} cannot be used, so mail servers ignore MTA-STS: {error}.");
    Finding::new(Check::MtaSts, Status::Fail, code, message)
        .fix(format!("{name} TXT \"v=STSv1; id={}\"", suggested_id(given)))
}

/// An id made of the letters and digits of the one given (`2024-04-15_01`
/// becomes `2024041501`), or `1`.
fn suggested_id(given: &str) -> String {
    let id: String = given.chars().filter(char::is_ascii_alphanumeric).take(MAX_ID).collect();
    if id.is_empty() { "1".to_owned() } else { id }
}

/// No record: show the record and the policy file to publish, with the
/// domain's real mail servers if they can be found.
async fn missing(dns: &dyn Resolver, domain: &DomainName, name: &str) -> Finding {
    let mut hosts: Vec<String> = match dns.lookup(domain.as_str(), RecordType::Mx).await {
        Ok(answer) => answer
            .records
            .iter()
            .filter_map(|r| match r {
                Rdata::Mx { exchange, .. } if !exchange.is_empty() => Some(exchange.clone()),
                _ => None,
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    if hosts.is_empty() {
        hosts.push(format!("mail.{domain}"));
    }
    let mx: Vec<String> = hosts.iter().map(|h| format!("mx: {h}")).collect();
    let message = format!(
        "No MTA-STS record (at {name}): other mail servers will still deliver to {domain} over an unverified \
         connection if an attacker interferes. Publish the record below and the policy file at \
         https://mta-sts.{domain}/.well-known/mta-sts.txt; start with mode: testing, and change it to \
         enforce once the TLS reports show no problems."
    );
    let fix = format!(
        "{name} TXT \"v=STSv1; id=1\"\n\nhttps://mta-sts.{domain}/.well-known/mta-sts.txt:\nversion: STSv1\n\
         mode: testing\n{}\nmax_age: 86400",
        mx.join("\n")
    );
    Finding::new(Check::MtaSts, Status::Warn, "missing", message).fix(fix)
}

/// A valid record is useless unless senders can reach the policy host
/// (RFC 8461 3.3: the policy is fetched from `mta-sts.<domain>`).
async fn with_host(dns: &dyn Resolver, domain: &DomainName, rec: &StsRecord) -> Vec<Finding> {
    let host = domain.under("mta-sts");
    let mut failure = None;
    for rtype in [RecordType::A, RecordType::Aaaa] {
        match dns.lookup(&host, rtype).await {
            Ok(answer) if !answer.is_empty() => {
                let message = format!(
                    "v=STSv1 id={}; the policy host {host} exists. The policy file itself is at \
                     https://{host}/.well-known/mta-sts.txt.",
                    rec.id
                );
                return vec![Finding::new(Check::MtaSts, Status::Ok, "valid", message)];
            }
            Ok(_) => {}
            Err(error) => failure = Some(error),
        }
    }
    if let Some(error) = failure {
        let summary = format!("v=STSv1 id={}; could not check the policy host {host}.", rec.id);
        return vec![
            Finding::new(Check::MtaSts, Status::Ok, "valid", summary),
            lookup_failed(&host, &error.to_string()),
        ];
    }
    let message = format!(
        "The MTA-STS record (id={}) is published, but {host} does not exist, so other mail servers cannot fetch \
         the policy and MTA-STS does nothing. Point {host} at a web server that serves \
         https://{host}/.well-known/mta-sts.txt.",
        rec.id
    );
    vec![
        Finding::new(Check::MtaSts, Status::Fail, "policy_host_missing", message)
            .fix(format!("{host} A <address of the web server serving the policy file>")),
    ]
}

/// How strictly senders apply the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsMode {
    /// Deliver only over verified TLS to a listed MX.
    Enforce,
    /// Report problems but deliver anyway.
    Testing,
    /// No policy (used to withdraw one).
    None,
}

impl StsMode {
    /// The policy file value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Testing => "testing",
            Self::None => "none",
        }
    }
}

/// An MTA-STS policy file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsPolicy {
    /// `mode`.
    pub mode: StsMode,
    /// `mx` patterns (`mail.example.org`, `*.example.net`), lower-case.
    pub mx: Vec<String>,
    /// `max_age`, seconds.
    pub max_age: u32,
}

/// Read a policy file (RFC 8461 3.2): `key: value` lines ending in LF or
/// CRLF; `version: STSv1`, `mode`, `max_age` (0–31557600) required, and
/// at least one `mx` unless the mode is none. Unknown keys are ignored; for
/// keys other than `mx` the first occurrence counts. Bodies over 64 KiB
/// are refused.
pub fn parse_policy(text: &str) -> Result<StsPolicy, Vec<String>> {
    if text.len() > MAX_POLICY_LEN {
        return Err(vec![format!("the policy file is {} bytes, more than the 64 KiB allowed", text.len())]);
    }
    let mut errors = Vec::new();
    let (mut version, mut mode, mut max_age, mut mx) = (None, None, None, Vec::new());
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            errors.push(format!("the line '{}' is not in the form key: value", shown(line)));
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "version" => version = version.or(Some(value)),
            "mode" => mode = mode.or(Some(value)),
            "max_age" => max_age = max_age.or(Some(value)),
            "mx" => mx.push(value),
            _ => {}
        }
    }
    let policy = build_policy(version, mode, max_age, &mx, &mut errors);
    match policy {
        Some(policy) if errors.is_empty() => Ok(policy),
        _ => Err(errors),
    }
}

fn build_policy(
    version: Option<&str>,
    mode: Option<&str>,
    max_age: Option<&str>,
    mx: &[&str],
    errors: &mut Vec<String>,
) -> Option<StsPolicy> {
    if version != Some(VERSION) {
        errors.push("there is no 'version: STSv1' line".to_owned());
    }
    let mode = match mode {
        Some("enforce") => Some(StsMode::Enforce),
        Some("testing") => Some(StsMode::Testing),
        Some("none") => Some(StsMode::None),
        Some(other) => {
            errors.push(format!("mode: {} must be enforce, testing or none", shown(other)));
            None
        }
        None => {
            errors.push("there is no 'mode:' line".to_owned());
            None
        }
    };
    let max_age = read_max_age(max_age, errors);
    for pattern in mx.iter().filter(|p| !is_mx_pattern(p)) {
        errors.push(format!("mx: {} is not a host name or *.domain pattern", shown(pattern)));
    }
    if mx.is_empty() && mode.is_some_and(|m| m != StsMode::None) {
        errors.push("there is no 'mx:' line listing the mail servers".to_owned());
    }
    let mx = mx.iter().map(|p| p.trim_end_matches('.').to_ascii_lowercase()).collect();
    Some(StsPolicy { mode: mode?, mx, max_age: max_age? })
}

/// RFC 8461 3.2: `1*10DIGIT`, at most 31557600.
fn read_max_age(value: Option<&str>, errors: &mut Vec<String>) -> Option<u32> {
    let Some(value) = value else {
        errors.push("there is no 'max_age:' line".to_owned());
        return None;
    };
    let parsed = (value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit()))
        .then(|| value.parse::<u32>().ok())
        .flatten()
        .filter(|n| *n <= MAX_MAX_AGE);
    if parsed.is_none() {
        errors.push(format!("max_age: {} must be a number of seconds from 0 to {MAX_MAX_AGE}", shown(value)));
    }
    parsed
}

/// `["*."] Domain`: labels of letters, digits and hyphens.
fn is_mx_pattern(pattern: &str) -> bool {
    let name = pattern.strip_prefix("*.").unwrap_or(pattern).trim_end_matches('.');
    name.len() <= 253
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Whether MX host `host` matches policy `pattern` (RFC 8461 4.1): equal
/// ignoring case and a trailing dot, or, for `*.example.com`, exactly one
/// label in front of `example.com`.
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || pattern.is_empty() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.split_once('.').is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
        None => pattern == host,
    }
}

/// Judge a fetched policy against the domain's MX hosts. The first finding
/// is a summary whose status is the worst of the others: the mode (enforce
/// ok; testing and none warn), MX hosts the policy does not cover (fail:
/// senders enforcing the policy will not deliver to them), and a `max_age`
/// under a day (warn).
pub fn policy_findings(policy: &StsPolicy, mx_hosts: &[String]) -> Vec<Finding> {
    let mut details = vec![mode_finding(policy.mode)];
    let uncovered: Vec<&str> = mx_hosts
        .iter()
        .map(String::as_str)
        .filter(|h| !h.is_empty() && !policy.mx.iter().any(|p| mx_matches(p, h)))
        .collect();
    if !uncovered.is_empty() && policy.mode != StsMode::None {
        let lines: Vec<String> = uncovered.iter().map(|h| format!("mx: {h}")).collect();
        let message = format!(
            "The policy does not list the mail server(s) {}, so senders that follow the policy will refuse to \
             deliver to them. Add them to the policy file.",
            uncovered.join(", ")
        );
        details.push(Finding::new(Check::MtaSts, Status::Fail, "mx_not_covered", message).fix(lines.join("\n")));
    }
    if policy.max_age < ONE_DAY {
        let message = format!(
            "max_age: {} is less than a day: senders forget the policy quickly and stop protecting mail in \
             between. Use at least a week (604800) once the policy is settled.",
            policy.max_age
        );
        details.push(Finding::new(Check::MtaSts, Status::Warn, "short_max_age", message).fix("max_age: 604800"));
    }
    let status = details.iter().map(|f| f.status).max_by_key(|s| rank(*s)).unwrap_or(Status::Ok);
    let message = format!(
        "Policy: mode {}, remembered for {} seconds, mail servers {}.",
        policy.mode.as_str(),
        policy.max_age,
        policy.mx.join(", ")
    );
    let mut out = vec![Finding::new(Check::MtaSts, status, "policy", message)];
    out.extend(details);
    out
}

fn mode_finding(mode: StsMode) -> Finding {
    match mode {
        StsMode::Enforce => Finding::new(
            Check::MtaSts,
            Status::Ok,
            "enforce",
            "mode: enforce: senders deliver only over verified encrypted connections to your listed mail servers.",
        ),
        StsMode::Testing => Finding::new(
            Check::MtaSts,
            Status::Warn,
            "testing",
            "mode: testing: problems are reported but mail is still delivered unprotected. Change to enforce once \
             the TLS reports show no failures.",
        )
        .fix("mode: enforce"),
        StsMode::None => Finding::new(
            Check::MtaSts,
            Status::Warn,
            "mode_none",
            "mode: none: the policy is switched off, so it protects nothing.",
        )
        .fix("mode: testing"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::fake::FakeResolver;
    use crate::resolver::LookupError;
    use proptest::prelude::*;

    async fn run(dns: &FakeResolver, domain: &str) -> Vec<Finding> {
        check(dns, &DomainName::parse(domain).unwrap()).await
    }

    fn head(findings: &[Finding]) -> (Status, &str) {
        (findings[0].status, findings[0].code.as_str())
    }

    #[tokio::test]
    async fn a_valid_record_with_a_policy_host_is_ok() {
        let dns = FakeResolver::new()
            .txt("_mta-sts.mta-sts-present.test", &["v=STSv1; id=2024041501"])
            .a("mta-sts.mta-sts-present.test", [127, 0, 10, 80]);
        let findings = run(&dns, "mta-sts-present.test").await;
        assert_eq!(head(&findings), (Status::Ok, "mta_sts.valid"));
        assert!(
            findings[0].message.contains("id=2024041501")
                && findings[0].message.contains("mta-sts.mta-sts-present.test")
        );
    }

    #[tokio::test]
    async fn the_strict_lab_domain_is_ok() {
        let dns = FakeResolver::new()
            .txt("_mta-sts.good-strict.test", &["v=STSv1; id=20240115T120000;"])
            .a("mta-sts.good-strict.test", [127, 0, 10, 80]);
        assert_eq!(head(&run(&dns, "good-strict.test").await), (Status::Ok, "mta_sts.valid"));
    }

    #[tokio::test]
    async fn a_record_without_its_policy_host_fails() {
        let dns = FakeResolver::new().txt("_mta-sts.example.test", &["v=STSv1; id=1"]);
        let findings = run(&dns, "example.test").await;
        assert_eq!(head(&findings), (Status::Fail, "mta_sts.policy_host_missing"));
        assert!(findings[0].fix.as_deref().is_some_and(|f| f.starts_with("mta-sts.example.test A ")));
    }

    #[tokio::test]
    async fn a_policy_host_lookup_failure_is_unknown_not_missing() {
        let dns = FakeResolver::new()
            .txt("_mta-sts.example.test", &["v=STSv1; id=1"])
            .fail("mta-sts.example.test", RecordType::A, LookupError::Timeout)
            .fail("mta-sts.example.test", RecordType::Aaaa, LookupError::Timeout);
        let findings = run(&dns, "example.test").await;
        assert_eq!(head(&findings), (Status::Ok, "mta_sts.valid"));
        assert_eq!((findings[1].status, findings[1].code.as_str()), (Status::Unknown, "mta_sts.lookup_failed"));
    }

    #[tokio::test]
    async fn an_id_with_dashes_and_underscores_is_invalid() {
        let dns = FakeResolver::new()
            .txt("_mta-sts.mta-sts-malformed.test", &["v=STSv1; id=2024-04-15_01;"])
            .a("mta-sts.mta-sts-malformed.test", [127, 0, 10, 80]);
        let findings = run(&dns, "mta-sts-malformed.test").await;
        assert_eq!(head(&findings), (Status::Fail, "mta_sts.invalid_id"));
        assert!(findings[0].message.contains("id=2024-04-15_01 is not valid"), "{}", findings[0].message);
        assert_eq!(findings[0].fix.as_deref(), Some("_mta-sts.mta-sts-malformed.test TXT \"v=STSv1; id=2024041501\""));
    }

    #[tokio::test]
    async fn a_domain_without_mta_sts_gets_the_record_and_a_policy_with_its_own_mail_servers() {
        let dns = FakeResolver::new()
            .txt("_smtp._tls.mta-sts-missing.test", &["v=TLSRPTv1; rua=mailto:tls-reports@mta-sts-missing.test"])
            .mx("mta-sts-missing.test", 10, "mx1.mail-provider.test")
            .mx("mta-sts-missing.test", 20, "mx2.mail-provider.test");
        let findings = run(&dns, "mta-sts-missing.test").await;
        assert_eq!(findings.len(), 1);
        assert_eq!(head(&findings), (Status::Warn, "mta_sts.missing"));
        let fix = findings[0].fix.as_deref().unwrap();
        assert!(fix.starts_with("_mta-sts.mta-sts-missing.test TXT \"v=STSv1; id=1\""), "{fix}");
        assert!(fix.contains("https://mta-sts.mta-sts-missing.test/.well-known/mta-sts.txt"), "{fix}");
        assert!(
            fix.ends_with(
                "version: STSv1\nmode: testing\nmx: mx1.mail-provider.test\nmx: mx2.mail-provider.test\nmax_age: 86400"
            ),
            "{fix}"
        );
        assert!(parse_policy(fix.split_once(":\n").unwrap().1).is_ok(), "the example policy is itself valid");
    }

    #[tokio::test]
    async fn two_records_fail() {
        let dns = FakeResolver::new()
            .txt("_mta-sts.example.test", &["v=STSv1; id=1"])
            .txt("_mta-sts.example.test", &["v=STSv1; id=2"]);
        assert_eq!(head(&run(&dns, "example.test").await), (Status::Fail, "mta_sts.multiple_records"));
    }

    #[tokio::test]
    async fn a_failed_lookup_is_unknown() {
        let dns = FakeResolver::new().fail("_mta-sts.example.test", RecordType::Txt, LookupError::ServFail);
        assert_eq!(head(&run(&dns, "example.test").await), (Status::Unknown, "mta_sts.lookup_failed"));
    }

    #[tokio::test]
    async fn a_record_without_id_is_invalid() {
        let dns = FakeResolver::new().txt("_mta-sts.example.test", &["v=STSv1;"]);
        assert_eq!(head(&run(&dns, "example.test").await), (Status::Fail, "mta_sts.invalid"));
    }

    #[test]
    fn txt_records_are_read_by_the_rfc() {
        assert_eq!(parse_record("v=STSv1; id=20160831085700Z;").unwrap().id, "20160831085700Z");
        assert!(parse_record("v=STSv1; id=abc; ext=1").is_ok(), "extensions are ignored");
        assert!(matches!(parse_record(&format!("v=STSv1; id={}", "a".repeat(33))), Err(StsRecordError::InvalidId(_))));
        assert!(matches!(parse_record("v=STSv1; id="), Err(StsRecordError::InvalidId(_))));
        assert!(matches!(parse_record("v=STSv2; id=1"), Err(StsRecordError::Syntax(_))));
    }

    const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n\
                          mx: backupmx.example.com\r\nmax_age: 604800\r\n";

    #[test]
    fn the_rfc_example_policy_is_read() {
        let policy = parse_policy(POLICY).unwrap();
        assert_eq!(policy.mode, StsMode::Enforce);
        assert_eq!(policy.mx, vec!["mail.example.com", "*.example.net", "backupmx.example.com"]);
        assert_eq!(policy.max_age, 604_800);
        assert_eq!(parse_policy(&POLICY.replace("\r\n", "\n")), Ok(policy));
    }

    #[test]
    fn broken_policies_say_what_is_wrong() {
        let errors = parse_policy("version: STSv1\nmode: enforced\nmax_age: 99999999999\n").unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("enforce, testing or none") && errors[1].contains("31557600"));
        let errors = parse_policy("mode: testing\nmx: a.example\nmax_age: 60").unwrap_err();
        assert!(errors[0].contains("version"));
        assert!(parse_policy("version: STSv1\nmode: testing\nmax_age: 60").unwrap_err()[0].contains("mx"));
        assert!(parse_policy("version: STSv1\nmode: none\nmax_age: 60").is_ok(), "mode none needs no mx");
        assert!(parse_policy("version: STSv1\nmode: enforce\nmx: bad host\nmax_age: 60").is_err());
        assert!(parse_policy("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601").is_err());
        assert!(parse_policy("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557600").is_ok());
        assert!(parse_policy(&"mx: a.test\n".repeat(7000)).unwrap_err()[0].contains("64 KiB"));
    }

    #[test]
    fn wildcards_match_exactly_one_label() {
        assert!(mx_matches("*.example.net", "mx1.example.net"));
        assert!(mx_matches("*.example.net", "MX1.Example.NET."));
        assert!(!mx_matches("*.example.net", "example.net"));
        assert!(!mx_matches("*.example.net", "a.b.example.net"));
        assert!(mx_matches("mail.example.com", "mail.example.com."));
        assert!(!mx_matches("mail.example.com", "mail2.example.com"));
        assert!(!mx_matches("", ""));
    }

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| (*h).to_owned()).collect()
    }

    #[test]
    fn an_enforced_policy_covering_every_mail_server_is_ok() {
        let policy = parse_policy(POLICY).unwrap();
        let findings = policy_findings(&policy, &hosts(&["mail.example.com", "mx2.example.net"]));
        assert_eq!(head(&findings), (Status::Ok, "mta_sts.policy"));
        assert_eq!(findings[1].code, "mta_sts.enforce");
    }

    #[test]
    fn a_mail_server_missing_from_the_policy_fails() {
        let policy = parse_policy(POLICY).unwrap();
        let findings = policy_findings(&policy, &hosts(&["mail.example.com", "new.example.org"]));
        assert_eq!(findings[0].status, Status::Fail);
        let f = findings.iter().find(|f| f.code == "mta_sts.mx_not_covered").unwrap();
        assert!(f.message.contains("new.example.org") && !f.message.contains("mail.example.com"));
        assert_eq!(f.fix.as_deref(), Some("mx: new.example.org"));
    }

    #[test]
    fn testing_none_and_short_max_age_are_warnings() {
        let testing = parse_policy("version: STSv1\nmode: testing\nmx: a.test\nmax_age: 3600").unwrap();
        let findings = policy_findings(&testing, &hosts(&["a.test"]));
        assert_eq!(head(&findings), (Status::Warn, "mta_sts.policy"));
        let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec!["mta_sts.policy", "mta_sts.testing", "mta_sts.short_max_age"]);
        let none = parse_policy("version: STSv1\nmode: none\nmax_age: 86400").unwrap();
        let findings = policy_findings(&none, &hosts(&["a.test"]));
        assert_eq!((findings[1].status, findings[1].code.as_str()), (Status::Warn, "mta_sts.mode_none"));
        assert_eq!(findings.len(), 2, "a switched-off policy does not need to cover anything");
    }

    proptest! {
        #[test]
        fn the_parsers_never_panic(s in "\\PC{0,300}", host in "\\PC{0,80}") {
            let _ = parse_record(&s);
            let _ = parse_policy(&s);
            let _ = mx_matches(&s, &host);
            let _ = mx_matches(&host, &s);
        }

        #[test]
        fn the_parsers_never_panic_on_long_input(s in ".{0,10000}") {
            let _ = parse_record(&s);
            let _ = parse_record(&format!("v=STSv1; id={s}"));
            let _ = parse_policy(&s);
            let _ = parse_policy(&format!("version: STSv1\nmode: enforce\nmx: {s}\nmax_age: 1"));
        }

        #[test]
        fn policy_shaped_input_never_panics(lines in proptest::collection::vec("[a-z_]{0,8}:[ -~]{0,30}", 0..50)) {
            if let Ok(policy) = parse_policy(&lines.join("\r\n")) {
                let _ = policy_findings(&policy, &policy.mx);
            }
        }
    }
}
