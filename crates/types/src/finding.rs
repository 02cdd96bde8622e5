//! Findings: what every engine returns, rendered by the CLI and web in their
//! own way. Engines never format for a screen.

use serde::{Deserialize, Serialize};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing to do.
    Ok,
    /// Worth fixing.
    Warn,
    /// Broken or dangerous.
    Fail,
    /// Could not be determined (timeout, server failure); never "missing".
    Unknown,
}

impl Status {
    /// The lower-case name, as in JSON (`ok`, `warn`, `fail`, `unknown`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Unknown => "unknown",
        }
    }

    /// The status named by [`Status::as_str`]; anything else is `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Ok, Self::Warn, Self::Fail, Self::Unknown].into_iter().find(|s| s.as_str() == name)
    }
}

/// One result of one check, with the fix in plain English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Which check produced it (e.g. `spf`, `dmarc`).
    pub check: String,
    /// The outcome.
    pub status: Status,
    /// A stable machine-readable code (e.g. `spf.too_many_lookups`).
    pub code: String,
    /// What was found, in plain English.
    pub message: String,
    /// What to do about it, if anything.
    pub fix: Option<String>,
}

#[cfg(test)]
mod status_tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_json() {
        for status in [Status::Ok, Status::Warn, Status::Fail, Status::Unknown] {
            assert_eq!(Status::from_name(status.as_str()), Some(status));
            assert_eq!(serde_json::to_string(&status).ok(), Some(format!("\"{}\"", status.as_str())));
        }
        assert_eq!(Status::from_name("OK"), None);
    }
}
