//! A breach source held in memory: a short list of hashes and their counts
//! (an office's own "never use these" list, or a test's).

use std::collections::HashMap;

use super::{BreachLookup, LookupError};
use crate::Secret;
use crate::hash::{HashKind, PasswordHash};

/// Counts for a few hashes of one kind, looked up in memory.
#[derive(Debug, Clone)]
pub struct MemoryLookup {
    kind: HashKind,
    counts: HashMap<PasswordHash, u64>,
}

impl MemoryLookup {
    /// The SHA-1 hashes of `passwords`, each with its count.
    #[must_use]
    pub fn sha1_of(passwords: &[(&str, u64)]) -> Self {
        let counts =
            passwords.iter().map(|(password, count)| (HashKind::Sha1.of(&Secret::from(*password)), *count)).collect();
        Self { kind: HashKind::Sha1, counts }
    }
}

impl BreachLookup for MemoryLookup {
    fn kind(&self) -> HashKind {
        self.kind
    }

    fn source(&self) -> &'static str {
        "index"
    }

    fn counts(&mut self, hashes: &[PasswordHash]) -> Result<Vec<u64>, LookupError> {
        Ok(hashes.iter().map(|hash| self.counts.get(hash).copied().unwrap_or(0)).collect())
    }
}
