//! What an audit finds: per entry and in sum. Nothing here is secret — no
//! password, no hash, no user name — so a report may be printed, stored and
//! shown to the office.

use serde::{Deserialize, Serialize};

use crate::twofa::Method;

/// The audit of one export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// One row per entry that has a password, in the export's order.
    pub entries: Vec<EntryReport>,
    /// Counts over all entries.
    pub summary: Summary,
}

/// What was found for one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryReport {
    /// The entry's name.
    pub title: String,
    /// The site's host (never its path, query or a user name).
    pub site: Option<String>,
    /// How many times the password appears in Pwned Passwords; `None` when
    /// no breach check was made.
    pub breached: Option<u64>,
    /// zxcvbn score, 0–4.
    pub strength: u8,
    /// How long a stolen, hashed copy would take to guess, in words.
    pub crack_time: String,
    /// Score below 3.
    pub weak: bool,
    /// Titles of the other entries with the same password.
    pub reused_with: Vec<String>,
    /// When the password was last changed (RFC 3339), if the export says.
    pub changed: Option<String>,
    /// Not changed for longer than the audit's `old_after_days`.
    pub old: bool,
    /// The site offers 2FA (per the 2FA directory).
    pub twofa_available: bool,
    /// The entry holds a one-time-code secret, so 2FA is on and recorded.
    pub twofa_recorded: bool,
    /// The directory's facts about the site, when it knows it.
    pub twofa: Option<TwofaInfo>,
    /// What to do about this entry, most urgent first. Empty when nothing.
    pub todo: Vec<Todo>,
}

/// The directory's facts about a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwofaInfo {
    /// The service's name.
    pub service: String,
    /// How it offers 2FA.
    pub methods: Vec<Method>,
    /// Its instructions for turning 2FA on.
    pub documentation: Option<String>,
}

/// One thing to do about an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    /// Which finding this answers.
    pub code: TodoCode,
    /// How soon.
    pub priority: Priority,
    /// What to do, in plain English.
    pub action: String,
}

/// The findings an entry can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TodoCode {
    /// The password is in Pwned Passwords.
    Breached,
    /// The password is used for other entries too.
    Reused,
    /// The password is easy to guess.
    Weak,
    /// The site offers 2FA and the entry has none recorded.
    TwofaMissing,
    /// The password has not been changed for a long time.
    Old,
}

impl TodoCode {
    /// Every code, in order of urgency.
    pub const ALL: [Self; 5] = [Self::Breached, Self::Reused, Self::Weak, Self::TwofaMissing, Self::Old];

    /// The code's name as JSON and the store write it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Breached => "breached",
            Self::Reused => "reused",
            Self::Weak => "weak",
            Self::TwofaMissing => "twofa_missing",
            Self::Old => "old",
        }
    }

    /// The finding in a few words, for headings and tables.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Breached => "In a known breach",
            Self::Reused => "Used for other accounts too",
            Self::Weak => "Easy to guess",
            Self::TwofaMissing => "Two-step sign-in not set up",
            Self::Old => "Not changed for years",
        }
    }
}

/// How soon a to-do should be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Today.
    High,
    /// This week.
    Medium,
    /// When convenient.
    Low,
}

/// Counts over an audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Entries in the export.
    pub entries: usize,
    /// Entries without a password (notes, cards), not audited.
    pub skipped: usize,
    /// Entries whose password is in a breach.
    pub breached: usize,
    /// Entries with a weak password.
    pub weak: usize,
    /// Entries sharing a password with another.
    pub reused: usize,
    /// Entries not changed for a long time.
    pub old: usize,
    /// Entries on sites offering 2FA with none recorded.
    pub twofa_missing: usize,
    /// Entries with at least one to-do.
    pub needs_action: usize,
    /// Where breach counts came from: "index", "api", or `None` when not
    /// checked.
    pub breach_source: Option<String>,
    /// Whether sites were looked up in the 2FA directory.
    #[serde(default)]
    pub twofa_checked: bool,
    /// The export's format name ("bitwarden-json"…), when known.
    #[serde(default)]
    pub format: Option<String>,
}
