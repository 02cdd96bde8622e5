//! What a check found: one line of the report.

use serde::{Deserialize, Serialize};

pub use portcullis_types::Status;

/// Which check a finding belongs to (the names DESIGN.md and the DNS lab use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// Does the domain resolve at all.
    Dns,
    /// Is the zone signed, and does it validate.
    Dnssec,
    /// Where mail for the domain goes.
    Mx,
    /// Sender Policy Framework (RFC 7208).
    Spf,
    /// DMARC (RFC 7489, DMARCbis).
    Dmarc,
    /// DKIM public keys (RFC 6376).
    Dkim,
    /// MTA-STS (RFC 8461).
    MtaSts,
    /// SMTP TLS reporting (RFC 8460).
    Tlsrpt,
    /// Brand indicators (BIMI).
    Bimi,
    /// Certification Authority Authorization (RFC 8659).
    Caa,
    /// The website: HTTPS and HSTS.
    Https,
}

impl Check {
    /// Every check, in report order.
    pub const ALL: [Self; 11] = [
        Self::Dns,
        Self::Dnssec,
        Self::Mx,
        Self::Spf,
        Self::Dmarc,
        Self::Dkim,
        Self::MtaSts,
        Self::Tlsrpt,
        Self::Bimi,
        Self::Caa,
        Self::Https,
    ];

    /// The name used in JSON and codes (`mta_sts`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Dnssec => "dnssec",
            Self::Mx => "mx",
            Self::Spf => "spf",
            Self::Dmarc => "dmarc",
            Self::Dkim => "dkim",
            Self::MtaSts => "mta_sts",
            Self::Tlsrpt => "tlsrpt",
            Self::Bimi => "bimi",
            Self::Caa => "caa",
            Self::Https => "https",
        }
    }
}

/// One finding of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check it belongs to.
    pub check: Check,
    /// Ok, warn, fail or unknown.
    pub status: Status,
    /// A stable identifier, `check.what` (e.g. `spf.too_many_lookups`):
    /// scripts and the change log key on it; wording may change, codes do not.
    pub code: String,
    /// What was found, in plain English.
    pub message: String,
    /// What to do about it, with the exact record to publish where there is
    /// one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    /// A finding without a fix. `code` is the part after `check.`.
    pub fn new(check: Check, status: Status, code: &str, message: impl Into<String>) -> Self {
        Self { check, status, code: format!("{}.{code}", check.as_str()), message: message.into(), fix: None }
    }

    /// The same finding with a fix.
    #[must_use]
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// How much a status matters, for choosing a check's summary or a
/// domain's overall result: a failure to act on outranks "could not check",
/// which outranks a warning.
pub const fn rank(status: Status) -> u8 {
    match status {
        Status::Ok => 0,
        Status::Warn => 1,
        Status::Unknown => 2,
        Status::Fail => 3,
    }
}

/// The engine-neutral form other crates share (the check as its name).
impl From<Finding> for portcullis_types::Finding {
    fn from(f: Finding) -> Self {
        Self { check: f.check.as_str().to_owned(), status: f.status, code: f.code, message: f.message, fix: f.fix }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_prefixed_with_the_check_and_serialise_as_designed() {
        let f = Finding::new(Check::MtaSts, Status::Warn, "missing", "No MTA-STS policy").fix("_mta-sts TXT …");
        assert_eq!(f.code, "mta_sts.missing");
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert!(json.contains(r#""check":"mta_sts""#) && json.contains(r#""status":"warn""#), "{json}");
        let plain = Finding::new(Check::Spf, Status::Ok, "valid", "fine");
        assert!(!serde_json::to_string(&plain).unwrap_or_default().contains("fix"), "no fix, no key");
    }
}
