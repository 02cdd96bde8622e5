//! Passwords for Portcullis accounts: the policy for new ones (NCSC: length
//! over complexity rules, block the commonly used), and Argon2id hashing.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use portcullis_store::Opaque;

use super::common_passwords::is_common;

/// Shortest password accepted (characters).
pub const MIN_CHARS: usize = 12;
/// Longest accepted: long enough for any passphrase, short enough that
/// hashing cannot be used to tie up the server.
pub const MAX_CHARS: usize = 256;

/// Why a new password was refused, in words for the person choosing it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Too short.
    #[error("Your password must be at least {MIN_CHARS} characters long. Three random words make a good one.")]
    TooShort,
    /// Too long.
    #[error("Your password must be {MAX_CHARS} characters or fewer")]
    TooLong,
    /// On the list of passwords attackers try first.
    #[error("That password is one attackers try first. Choose another: three random words make a good one.")]
    Common,
    /// Built from the person's own email address or name.
    #[error("Your password must not contain your email address or name")]
    Personal,
    /// One character repeated, or a keyboard or number run.
    #[error("Your password is too easy to guess: avoid repeated characters and runs like 123456")]
    Pattern,
}

/// Check a new password against the policy.
pub fn check_new(password: &str, email_local: &str, name: &str) -> Result<(), PasswordProblem> {
    let len = password.chars().count();
    if len < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if len > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if is_common(&lower) {
        return Err(PasswordProblem::Common);
    }
    let personal = [email_local.to_lowercase()]
        .into_iter()
        .chain(name.to_lowercase().split_whitespace().map(str::to_owned))
        .any(|part| part.chars().count() >= 4 && lower.contains(&part));
    if personal {
        return Err(PasswordProblem::Personal);
    }
    if is_pattern(&lower) {
        return Err(PasswordProblem::Pattern);
    }
    Ok(())
}

/// Fewer than four distinct characters, or mostly an ascending run.
fn is_pattern(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return true;
    }
    let steps = chars.windows(2).filter(|w| matches!(w, [a, b] if (*b as u32) == (*a as u32) + 1)).count();
    steps * 10 >= chars.len().saturating_sub(1) * 8
}

/// Argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane).
fn hasher() -> Result<Argon2<'static>, argon2::Error> {
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None)?))
}

/// Hashing failed (only on resource exhaustion).
#[derive(Debug, thiserror::Error)]
#[error("could not hash the password: {0}")]
pub struct HashError(String);

/// Hash a password into a PHC string with the given fresh random salt.
pub fn hash(password: &str, salt: &[u8; 16]) -> Result<Opaque, HashError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| HashError(e.to_string()))?;
    let phc = hasher()
        .map_err(|e| HashError(e.to_string()))?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(Opaque(phc.to_string()))
}

/// Whether `password` matches the stored hash. A damaged hash never matches.
pub fn verify(password: &str, stored: &Opaque) -> bool {
    let Ok(parsed) = PasswordHash::new(&stored.0) else { return false };
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash of nothing in particular, verified against when an account does
/// not exist so that the response takes as long as for one that does.
pub fn decoy_hash() -> &'static Opaque {
    static DECOY: std::sync::OnceLock<Opaque> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        hash("decoy password that matches nothing", &[0x5e; 16]).unwrap_or_else(|_| Opaque(String::new()))
    })
}

#[cfg(test)]
mod tests {
    use portcullis_types::{Random as _, SeqRandom};

    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let rng = SeqRandom::new(9);
        let a = hash("correct horse battery staple", &rng.bytes16()).unwrap();
        let b = hash("correct horse battery staple", &rng.bytes16()).unwrap();
        assert!(a.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b);
        assert!(verify("correct horse battery staple", &a));
        assert!(!verify("correct horse battery stapler", &a));
        assert!(!verify("anything", &Opaque("not a phc string".into())));
        assert!(!verify("decoy password", decoy_hash()));
    }

    #[test]
    fn policy_refuses_short_common_personal_and_patterned_passwords() {
        assert_eq!(check_new("short", "jane", "Jane Smith"), Err(PasswordProblem::TooShort));
        assert_eq!(check_new("Password1234", "jane", "Jane Smith"), Err(PasswordProblem::Common));
        assert_eq!(check_new("jane.smith-is-great", "jane.smith", "Jane Smith"), Err(PasswordProblem::Personal));
        assert_eq!(check_new("aaaaaaaaaaaaaaaa", "jane", "Jane Smith"), Err(PasswordProblem::Pattern));
        assert_eq!(check_new("abcdefghijklmnop", "jane", "Jane Smith"), Err(PasswordProblem::Pattern));
        assert_eq!(check_new(&"x".repeat(257), "jane", "Jane Smith"), Err(PasswordProblem::TooLong));
        assert_eq!(check_new("marble teapot harbour", "jane", "Jane Smith"), Ok(()));
    }
}
