//! Sealing small secrets (TOTP seeds) for storage: XChaCha20-Poly1305 under a
//! subkey of the server key, with a 192-bit random nonce and associated data
//! that binds each sealed value to its owner, so a sealed seed copied onto
//! another account's row does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use portcullis_types::Random;
use zeroize::Zeroizing;

use super::ServerKey;

const NONCE_LEN: usize = 24;
const VERSION: &str = "v1";

/// A sealed value could not be opened: wrong key, wrong owner, or damaged.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a stored secret could not be opened (the server key changed, or the value was altered)")]
pub struct SealError;

/// Encrypt `plain` for `owner` (e.g. a user id); returns `v1.<base64url>`.
pub fn seal(
    key: &ServerKey,
    purpose: &str,
    owner: &str,
    plain: &[u8],
    random: &dyn Random,
) -> Result<String, SealError> {
    let cipher = cipher(key, purpose)?;
    let mut nonce = [0u8; NONCE_LEN];
    random.fill(&mut nonce);
    let aad = aad(purpose, owner);
    let sealed =
        cipher.encrypt(&XNonce::from(nonce), Payload { msg: plain, aad: aad.as_bytes() }).map_err(|_| SealError)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(format!("{VERSION}.{}", data_encoding::BASE64URL_NOPAD.encode(&out)))
}

/// Decrypt what [`seal`] produced for the same purpose and owner.
pub fn open(key: &ServerKey, purpose: &str, owner: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let body = sealed.strip_prefix("v1.").ok_or(SealError)?;
    let raw = data_encoding::BASE64URL_NOPAD.decode(body.as_bytes()).map_err(|_| SealError)?;
    if raw.len() <= NONCE_LEN {
        return Err(SealError);
    }
    let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError)?;
    let aad = aad(purpose, owner);
    cipher(key, purpose)?
        .decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: aad.as_bytes() })
        .map(Zeroizing::new)
        .map_err(|_| SealError)
}

fn cipher(key: &ServerKey, purpose: &str) -> Result<XChaCha20Poly1305, SealError> {
    let sub = key.subkey(&format!("seal:{purpose}"));
    XChaCha20Poly1305::new_from_slice(&*sub).map_err(|_| SealError)
}

fn aad(purpose: &str, owner: &str) -> String {
    format!("portcullis/{VERSION}/{purpose}/{owner}")
}

#[cfg(test)]
mod tests {
    use portcullis_types::SeqRandom;

    use super::*;

    #[test]
    fn round_trips_only_for_the_same_key_purpose_and_owner() {
        let key = ServerKey::from_bytes([1; 32]);
        let rng = SeqRandom::new(3);
        let sealed = seal(&key, "totp", "user-a", b"seed bytes", &rng).unwrap();
        assert_eq!(open(&key, "totp", "user-a", &sealed).unwrap().as_slice(), b"seed bytes");
        assert!(!sealed.contains("seed"));
        assert_eq!(open(&key, "totp", "user-b", &sealed), Err(SealError));
        assert_eq!(open(&key, "other", "user-a", &sealed), Err(SealError));
        assert_eq!(open(&ServerKey::from_bytes([2; 32]), "totp", "user-a", &sealed), Err(SealError));
    }

    #[test]
    fn tampering_and_garbage_are_refused() {
        let key = ServerKey::from_bytes([1; 32]);
        let sealed = seal(&key, "totp", "u", b"x", &SeqRandom::new(1)).unwrap();
        let mut chars: Vec<char> = sealed.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert_eq!(open(&key, "totp", "u", &tampered), Err(SealError));
        for junk in ["", "v1.", "v1.AAAA", "v2.abc", "plain text"] {
            assert_eq!(open(&key, "totp", "u", junk), Err(SealError), "{junk:?}");
        }
    }
}
