//! Roles a person holds in an office, and the central operator role.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an account may do. Office roles apply inside one office; `Operator`
/// belongs to the central deployment and never sees casework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The Member of Parliament.
    Mp,
    /// The office manager: runs Portcullis for the office.
    Manager,
    /// Handles constituents' cases and logs incidents.
    Caseworker,
    /// Other staff.
    Staff,
    /// May look, never change.
    Readonly,
    /// Central operator: manages offices and accounts, never reads casework.
    Operator,
}

/// Text that names no role.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not a role (use one of: mp, manager, caseworker, staff, readonly, operator)")]
pub struct RoleError(pub String);

impl Role {
    /// Every role, in order of authority within an office.
    pub const ALL: [Self; 6] = [Self::Mp, Self::Manager, Self::Caseworker, Self::Staff, Self::Readonly, Self::Operator];

    /// The stable lower-case name used in storage and URLs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mp => "mp",
            Self::Manager => "manager",
            Self::Caseworker => "caseworker",
            Self::Staff => "staff",
            Self::Readonly => "readonly",
            Self::Operator => "operator",
        }
    }

    /// How the role is shown to people.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Mp => "MP",
            Self::Manager => "Office manager",
            Self::Caseworker => "Caseworker",
            Self::Staff => "Staff",
            Self::Readonly => "Read-only",
            Self::Operator => "Central operator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| RoleError(s.chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
