//! The DMARC policy: what a domain's record asks receivers to do with mail
//! that fails DMARC (`p=`, `sp=`, `np=`), and what aggregate reports say
//! was done (`disposition`). One type for the record checks and the report
//! parser, so the two cannot drift apart.

use serde::{Deserialize, Serialize};

/// A DMARC policy or disposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmarcPolicy {
    /// Deliver as usual; only report (monitoring).
    None,
    /// Treat as suspicious: usually the spam folder.
    Quarantine,
    /// Refuse the message.
    Reject,
}

impl DmarcPolicy {
    /// The value as written (`none`, `quarantine`, `reject`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Quarantine => "quarantine",
            Self::Reject => "reject",
        }
    }

    /// Whether failing mail is stopped (quarantine or reject).
    pub const fn enforces(self) -> bool {
        matches!(self, Self::Quarantine | Self::Reject)
    }

    /// A value as written, ignoring case (RFC 7489 tag values are
    /// case-insensitive); surrounding space is the caller's to remove.
    pub fn from_value(value: &str) -> Option<Self> {
        [Self::None, Self::Quarantine, Self::Reject].into_iter().find(|p| p.as_str().eq_ignore_ascii_case(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_ignoring_case_but_not_space() {
        for p in [DmarcPolicy::None, DmarcPolicy::Quarantine, DmarcPolicy::Reject] {
            assert_eq!(DmarcPolicy::from_value(p.as_str()), Some(p));
            assert_eq!(DmarcPolicy::from_value(&p.as_str().to_ascii_uppercase()), Some(p));
        }
        assert_eq!(DmarcPolicy::from_value(" reject"), None);
        assert_eq!(DmarcPolicy::from_value("rejected"), None);
        assert!(DmarcPolicy::Quarantine.enforces() && !DmarcPolicy::None.enforces());
    }
}
