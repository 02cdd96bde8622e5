//! The two hashes Pwned Passwords publishes: SHA-1 of the UTF-8 password,
//! and NTLM (MD4 of the UTF-16LE password). Unsalted, so they stay in
//! memory: never logged, never written.

use sha1::Digest as _;

use crate::Secret;

/// Which hash a corpus, an index or a range response is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashKind {
    /// SHA-1, 20 bytes (40 hex digits): the default download.
    Sha1,
    /// NTLM, 16 bytes (32 hex digits): the variant for Windows domains.
    Ntlm,
}

// A hash is never empty: `len` is its fixed width, not a collection's size.
#[allow(clippy::len_without_is_empty)]
impl HashKind {
    /// Length of the hash in bytes.
    #[must_use]
    pub const fn len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Ntlm => 16,
        }
    }

    /// Length of the hash in hex digits.
    #[must_use]
    pub const fn hex_len(self) -> usize {
        self.len() * 2
    }

    /// The kind whose hex form has `digits` digits, if any.
    #[must_use]
    pub const fn from_hex_len(digits: usize) -> Option<Self> {
        match digits {
            40 => Some(Self::Sha1),
            32 => Some(Self::Ntlm),
            _ => None,
        }
    }

    /// The hash of `password` of this kind.
    #[must_use]
    pub fn of(self, password: &Secret) -> PasswordHash {
        match self {
            Self::Sha1 => sha1_of(password),
            Self::Ntlm => ntlm_of(password),
        }
    }
}

/// A password's hash, up to 20 bytes, wiped when dropped.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PasswordHash {
    bytes: [u8; 20],
    kind: HashKind,
}

impl PasswordHash {
    /// A hash from its bytes; `None` when the length does not match `kind`.
    #[must_use]
    pub fn from_bytes(kind: HashKind, raw: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; 20];
        bytes.get_mut(..kind.len())?.copy_from_slice(raw.get(..kind.len()).filter(|_| raw.len() == kind.len())?);
        Some(Self { bytes, kind })
    }

    /// The hash's bytes (16 or 20).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.kind.len()).unwrap_or(&self.bytes)
    }

    /// Which hash this is.
    #[must_use]
    pub const fn kind(&self) -> HashKind {
        self.kind
    }

    /// Upper-case hex, as the corpus and the range API write it.
    #[must_use]
    pub fn to_hex(&self) -> String {
        data_hex(self.as_bytes())
    }
}

impl Drop for PasswordHash {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PasswordHash({:?}, ..)", self.kind)
    }
}

fn sha1_of(password: &Secret) -> PasswordHash {
    let digest = sha1::Sha1::digest(password.expose().as_bytes());
    let mut bytes = [0u8; 20];
    bytes.copy_from_slice(&digest);
    PasswordHash { bytes, kind: HashKind::Sha1 }
}

fn ntlm_of(password: &Secret) -> PasswordHash {
    let mut hasher = md4::Md4::new();
    for unit in password.expose().encode_utf16() {
        hasher.update(unit.to_le_bytes());
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 20];
    if let Some(head) = bytes.get_mut(..16) {
        head.copy_from_slice(&digest);
    }
    PasswordHash { bytes, kind: HashKind::Ntlm }
}

fn data_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        for nibble in [byte >> 4, byte & 0x0f] {
            out.push(char::from(DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0')));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn sha1_matches_the_published_value_for_password() {
        // SHA-1("password"), as in every Pwned Passwords example.
        let hash = HashKind::Sha1.of(&Secret::from("password"));
        assert_eq!(hash.to_hex(), "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8");
    }

    #[test]
    fn ntlm_matches_the_known_value_for_password() {
        // NTLM("password") = MD4 of its UTF-16LE bytes.
        let hash = HashKind::Ntlm.of(&Secret::from("password"));
        assert_eq!(hash.to_hex(), "8846F7EAEE8FB117AD06BDD830B7586C");
        assert_eq!(hash.as_bytes().len(), 16);
    }

    #[test]
    fn from_bytes_checks_the_length() {
        assert!(PasswordHash::from_bytes(HashKind::Sha1, &[0; 20]).is_some());
        assert!(PasswordHash::from_bytes(HashKind::Sha1, &[0; 16]).is_none());
        assert!(PasswordHash::from_bytes(HashKind::Ntlm, &[0; 20]).is_none());
    }

    #[test]
    fn debug_hides_the_hash() {
        let hash = HashKind::Sha1.of(&Secret::from("password"));
        assert!(!format!("{hash:?}").contains("5BAA"));
    }
}
