//! Bounds on what one export may cost to read.

/// Bounds on an export. An attacker may hand a caseworker a "vault" too.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// An export bigger than this is refused.
    pub max_export_bytes: usize,
    /// Entries read, at most.
    pub max_entries: usize,
    /// Any one field (title, URL, password, note), in bytes.
    pub max_field_bytes: usize,
    /// Bytes unpacked from a `.1pux` archive, at most.
    pub max_unpacked_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_export_bytes: 64 * 1024 * 1024,
            max_entries: 100_000,
            max_field_bytes: 64 * 1024,
            max_unpacked_bytes: 256 * 1024 * 1024,
        }
    }
}
