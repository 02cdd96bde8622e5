//! Random tokens for cookies and links, and recovery codes.
//!
//! Tokens carry 256 bits and are stored only as their SHA-256 digest: a copy
//! of the database holds no usable session or invitation. Recovery codes are
//! shorter (so a person can type them) and are therefore stored as a digest
//! keyed by the server key.

use portcullis_types::Random;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::ServerKey;

/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;

/// A fresh 256-bit token, base64url (43 characters).
pub fn new_token(random: &dyn Random) -> Zeroizing<String> {
    let bytes = Zeroizing::new(random.bytes32());
    Zeroizing::new(data_encoding::BASE64URL_NOPAD.encode(&*bytes))
}

/// The digest under which a token is stored (hex SHA-256).
pub fn token_digest(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Alphabet for recovery codes: lower-case letters and digits without
/// look-alikes (no 0/o, 1/l/i), so a code read from paper is typed right.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Ten codes like `k7fq2-wm9xa`: 10 symbols from 31, about 49.5 bits each.
pub fn new_recovery_codes(random: &dyn Random) -> Vec<Zeroizing<String>> {
    (0..RECOVERY_CODES).map(|_| one_code(random)).collect()
}

fn one_code(random: &dyn Random) -> Zeroizing<String> {
    let mut code = Zeroizing::new(String::with_capacity(11));
    let mut symbols = 0;
    while symbols < 10 {
        let mut byte = [0u8; 1];
        random.fill(&mut byte);
        // Rejection sampling keeps every symbol equally likely: 248 = 31 × 8.
        let Some(&symbol) = ALPHABET.get(usize::from(byte[0] % 31)).filter(|_| byte[0] < 248) else { continue };
        if symbols == 5 {
            code.push('-');
        }
        code.push(char::from(symbol));
        symbols += 1;
    }
    code
}

/// Normalise a typed code (case, spaces, dashes) and digest it.
pub fn recovery_digest(key: &ServerKey, typed: &str) -> String {
    let normal: Zeroizing<String> =
        Zeroizing::new(typed.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect());
    key.digest("recovery-code", normal.as_bytes())
}

#[cfg(test)]
mod tests {
    use portcullis_types::SeqRandom;

    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_by_digest() {
        let rng = SeqRandom::new(1);
        let (a, b) = (new_token(&rng), new_token(&rng));
        assert_eq!(a.len(), 43);
        assert_ne!(*a, *b);
        assert_eq!(token_digest(&a).len(), 64);
        assert_ne!(token_digest(&a), *a);
    }

    #[test]
    fn recovery_codes_are_typeable_and_match_however_typed() {
        let key = ServerKey::from_bytes([3; 32]);
        let codes = new_recovery_codes(&SeqRandom::new(2));
        assert_eq!(codes.len(), RECOVERY_CODES);
        let first = &codes[0];
        assert_eq!(first.len(), 11);
        assert!(first.chars().all(|c| c == '-' || (c.is_ascii_alphanumeric() && !"01ilo".contains(c))));
        let typed = format!(" {} ", first.to_uppercase().replace('-', " "));
        assert_eq!(recovery_digest(&key, &typed), recovery_digest(&key, first));
        assert_ne!(recovery_digest(&key, first), recovery_digest(&key, &codes[1]));
    }
}
