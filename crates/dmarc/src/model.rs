//! What reports say, as typed values. Everything here is owned, bounded
//! data: parsers produce it, the app stores it, the summary reads it back.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Which schema an aggregate report used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schema {
    /// No namespace: RFC 7489 Appendix C (and the drafts before it).
    Rfc7489,
    /// `urn:ietf:params:xml:ns:dmarc-2.0` (RFC 9990).
    Rfc9990,
}

impl Schema {
    /// Short name: `rfc7489` or `rfc9990`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rfc7489 => "rfc7489",
            Self::Rfc9990 => "rfc9990",
        }
    }
}

/// A policy (`p=`, `sp=`, `np=`) or a disposition applied to a message.
pub use portcullis_types::DmarcPolicy as Policy;

/// An alignment mode (`adkim=`, `aspf=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    /// `r`: organisational domains must match.
    Relaxed,
    /// `s`: exact match.
    Strict,
}

/// The policy the domain published, as the reporter saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPublished {
    /// The domain the report is about, lower case.
    pub domain: String,
    /// `p=`; `None` when the reporter omitted or garbled it.
    pub p: Option<Policy>,
    /// `sp=`.
    pub sp: Option<Policy>,
    /// `np=` (RFC 9990).
    pub np: Option<Policy>,
    /// `pct=` (RFC 7489 only), 0..=100.
    pub pct: Option<u8>,
    /// `adkim=`.
    pub adkim: Option<Alignment>,
    /// `aspf=`.
    pub aspf: Option<Alignment>,
    /// `t=y` (RFC 9990 testing mode).
    pub testing: bool,
}

/// The `report_metadata` and `policy_published` of an aggregate report:
/// everything that comes before the records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportHeader {
    /// Which schema the report used.
    pub schema: Schema,
    /// The reporting organisation (`org_name`), trimmed.
    pub org_name: String,
    /// The reporter's contact address.
    pub email: Option<String>,
    /// The reporter's report id, trimmed.
    pub report_id: String,
    /// Start of the period, Unix seconds.
    pub begin: i64,
    /// End of the period, Unix seconds (never before `begin`).
    pub end: i64,
    /// Errors the reporter listed (`<error>`), bounded.
    pub errors: Vec<String>,
    /// The policy as published.
    pub policy: PolicyPublished,
}

/// A DMARC verdict on one mechanism (`policy_evaluated/dkim`, `…/spf`):
/// did it pass *and align*?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Passed and aligned with the From domain.
    Pass,
    /// Did not.
    Fail,
}

/// A raw authentication result (`auth_results/dkim/result`, `…/spf/result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthResult {
    /// `pass`.
    Pass,
    /// `fail` (or `hardfail`).
    Fail,
    /// `softfail` (SPF).
    Softfail,
    /// `neutral`.
    Neutral,
    /// `none`.
    None,
    /// `temperror`.
    Temperror,
    /// `permerror`.
    Permerror,
    /// `policy` (DKIM).
    Policy,
}

impl AuthResult {
    /// Lower-case name as in reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Softfail => "softfail",
            Self::Neutral => "neutral",
            Self::None => "none",
            Self::Temperror => "temperror",
            Self::Permerror => "permerror",
            Self::Policy => "policy",
        }
    }

    /// Parse a name, ignoring case (`hardfail` is `fail`; `unknown` and
    /// `error` are `temperror`/`permerror` as older reporters wrote them).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "pass" => Self::Pass,
            "fail" | "hardfail" => Self::Fail,
            "softfail" => Self::Softfail,
            "neutral" => Self::Neutral,
            "none" => Self::None,
            "temperror" | "unknown" => Self::Temperror,
            "permerror" | "error" => Self::Permerror,
            "policy" => Self::Policy,
            _ => return None,
        })
    }
}

/// One DKIM signature's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimAuth {
    /// The signing domain (`d=`), lower case.
    pub domain: String,
    /// The selector (`s=`), when reported.
    pub selector: Option<String>,
    /// The result.
    pub result: AuthResult,
}

/// One SPF check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfAuth {
    /// The domain checked, lower case.
    pub domain: String,
    /// `mfrom` or `helo`, when reported.
    pub scope: Option<String>,
    /// The result.
    pub result: AuthResult,
}

/// Why the receiver did not apply the policy as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// `forwarded`, `mailing_list`, `local_policy`, `trusted_forwarder`, … (lower case).
    pub kind: String,
    /// The reporter's comment, if any.
    pub comment: Option<String>,
}

/// One `<record>`: a number of messages from one source that were treated
/// alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The sending IP address.
    pub source_ip: IpAddr,
    /// How many messages (≥ 1; records with 0 are skipped by the parser).
    pub count: u64,
    /// What the receiver did with them; `None` when omitted.
    pub disposition: Option<Policy>,
    /// DKIM passed and aligned.
    pub dkim: Verdict,
    /// SPF passed and aligned.
    pub spf: Verdict,
    /// Why the policy was overridden.
    pub reasons: Vec<Reason>,
    /// The RFC 5322 From domain, lower case.
    pub header_from: String,
    /// The RFC 5321 MAIL FROM domain, lower case, when reported.
    pub envelope_from: Option<String>,
    /// The recipient domain, when reported.
    pub envelope_to: Option<String>,
    /// DKIM results, at most [`Limits::max_results_per_record`](crate::Limits).
    pub dkim_results: Vec<DkimAuth>,
    /// SPF results, likewise bounded.
    pub spf_results: Vec<SpfAuth>,
}

impl Record {
    /// DMARC passed: DKIM or SPF passed and aligned.
    pub fn dmarc_pass(&self) -> bool {
        self.dkim == Verdict::Pass || self.spf == Verdict::Pass
    }
}

/// One SMTP TLS report (RFC 8460).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsReport {
    /// `organization-name`, trimmed.
    pub org_name: String,
    /// `report-id`, trimmed.
    pub report_id: String,
    /// `date-range/start-datetime`, Unix seconds.
    pub begin: i64,
    /// `date-range/end-datetime`, Unix seconds (never before `begin`).
    pub end: i64,
    /// `contact-info`.
    pub contact: Option<String>,
    /// One entry per policy the reporter evaluated, bounded.
    pub policies: Vec<TlsPolicy>,
}

/// The sessions a TLS reporter tried under one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsPolicy {
    /// `sts`, `tlsa` or `no-policy-found`.
    pub policy_type: String,
    /// The domain the policy is for, lower case.
    pub policy_domain: String,
    /// `total-successful-session-count`.
    pub successful: u64,
    /// `total-failure-session-count`.
    pub failed: u64,
    /// Failure details, bounded.
    pub failures: Vec<TlsFailure>,
}

/// One kind of failed TLS session (`failure-details`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsFailure {
    /// `result-type`, e.g. `certificate-expired`, `starttls-not-supported`.
    pub result_type: String,
    /// `sending-mta-ip`.
    pub sending_mta_ip: Option<IpAddr>,
    /// `receiving-mx-hostname`, lower case.
    pub receiving_mx: Option<String>,
    /// `receiving-ip`.
    pub receiving_ip: Option<IpAddr>,
    /// `failed-session-count`.
    pub sessions: u64,
    /// `failure-reason-code`, bounded.
    pub reason: Option<String>,
}

/// A DMARC failure (forensic) report (RFC 6591), already redacted: only
/// domains, addresses of machines, and results are kept. The original
/// message's local parts, subject, headers and body never leave the parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureReport {
    /// SHA-256 (hex) of the report as received: the same report twice is
    /// stored once.
    pub fingerprint: String,
    /// Who sent the report (the domain of its From address).
    pub reporter: Option<String>,
    /// `Arrival-Date`, Unix seconds.
    pub arrival: Option<i64>,
    /// `Reported-Domain`, lower case.
    pub reported_domain: String,
    /// `Source-IP`.
    pub source_ip: Option<IpAddr>,
    /// `Auth-Failure`: `dmarc`, `dkim`, `spf`, …
    pub auth_failure: Option<String>,
    /// `Delivery-Result`: `delivered`, `spam`, `policy`, `reject`, `other`.
    pub delivery_result: Option<String>,
    /// Domain of the original message's From header.
    pub from_domain: Option<String>,
    /// Domain of `Original-Mail-From`.
    pub mail_from_domain: Option<String>,
    /// `DKIM-Domain`.
    pub dkim_domain: Option<String>,
    /// `DKIM-Selector`.
    pub dkim_selector: Option<String>,
}

/// Messages from one source on one day, treated alike: what the store gives
/// back for summaries (records summed over reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// The UTC day the reports' periods began, as Unix seconds at midnight.
    pub day: i64,
    /// The sending IP address.
    pub source_ip: IpAddr,
    /// The From domain.
    pub header_from: String,
    /// The `p=` the reporter saw published.
    pub policy: Option<Policy>,
    /// What receivers did.
    pub disposition: Option<Policy>,
    /// DKIM passed and aligned.
    pub dkim: Verdict,
    /// SPF passed and aligned.
    pub spf: Verdict,
    /// The first passing DKIM signing domain (else the first reported).
    pub dkim_domain: Option<String>,
    /// Its selector.
    pub dkim_selector: Option<String>,
    /// The SPF domain checked (MAIL FROM, else HELO).
    pub spf_domain: Option<String>,
    /// How many messages.
    pub messages: u64,
}

/// One stored aggregate report's period and the policy its reporter saw:
/// what the readiness rules need to know about coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSpan {
    /// The reporting organisation.
    pub org_name: String,
    /// Start of the period, Unix seconds.
    pub begin: i64,
    /// End of the period, Unix seconds.
    pub end: i64,
    /// The `p=` seen.
    pub policy: Option<Policy>,
    /// The `pct=` seen (absent means 100).
    pub pct: Option<u8>,
    /// Messages the report covered.
    pub messages: u64,
}
