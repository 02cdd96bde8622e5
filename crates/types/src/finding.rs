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
