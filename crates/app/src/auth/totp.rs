//! Time-based one-time passwords (RFC 6238): SHA-1, 6 digits, 30-second
//! steps, accepting the step before and after for clock drift — what every
//! authenticator app supports. Which step matched is returned so the caller
//! can refuse any code at or before the last one accepted (no replays).

use portcullis_types::{Random, Timestamp};
use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Bytes of secret: 160 bits, as RFC 4226 recommends.
pub const SECRET_LEN: usize = 20;

/// A TOTP seed. Zeroed when dropped; never printed.
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// A fresh random seed.
    pub fn generate(random: &dyn Random) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        random.fill(&mut bytes);
        Self(bytes)
    }

    /// From stored bytes.
    pub fn from_bytes(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// The raw seed, for sealing.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32, as typed into an app by hand, in groups of four.
    pub fn base32_grouped(&self) -> Zeroizing<String> {
        let plain = data_encoding::BASE32_NOPAD.encode(&self.0);
        let grouped: Vec<&str> = plain.as_bytes().chunks(4).filter_map(|c| std::str::from_utf8(c).ok()).collect();
        Zeroizing::new(grouped.join(" "))
    }

    fn totp(&self, account: &str) -> Option<TOTP> {
        // totp-rs refuses ':' in labels; an email never holds one, but be safe.
        let label = account.replace(':', "");
        TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS.unsigned_abs(), self.0.to_vec(), Some("Portcullis".into()), label)
            .ok()
    }

    /// The `otpauth://` URI an authenticator app scans from the QR code.
    pub fn provisioning_uri(&self, account: &str) -> Zeroizing<String> {
        Zeroizing::new(self.totp(account).map(|t| t.get_url()).unwrap_or_default())
    }

    /// The code for time `at` (tests and the browser test's "phone").
    pub fn code_at(&self, at: Timestamp) -> String {
        self.totp("x").map(|t| t.generate(at.unix_seconds().unsigned_abs())).unwrap_or_default()
    }

    /// The time step a code belongs to, if it is valid now (±1 step).
    pub fn matching_step(&self, code: &str, now: Timestamp) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let totp = self.totp("x")?;
        let current = now.unix_seconds().div_euclid(STEP_SECS);
        // Check all three without stopping early, so timing says nothing.
        let mut found = None;
        for step in [current - 1, current, current + 1] {
            let expected = totp.generate((step * STEP_SECS).unsigned_abs());
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
                found = Some(step);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use portcullis_types::SeqRandom;

    use super::*;

    #[test]
    fn rfc6238_sha1_test_vectors() {
        // RFC 6238 Appendix B, SHA-1 seed "12345678901234567890", truncated to 6 digits.
        let s = TotpSecret::from_bytes(Zeroizing::new(b"12345678901234567890".to_vec()));
        for (secs, code) in
            [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (2_000_000_000, "279037")]
        {
            let at = Timestamp::from_unix_micros(secs * 1_000_000).unwrap();
            assert_eq!(s.code_at(at), code, "at {secs}");
        }
    }

    #[test]
    fn accepts_adjacent_steps_only_and_reports_which() {
        let s = TotpSecret::generate(&SeqRandom::new(5));
        let now = Timestamp::from_unix_micros(1_764_063_015_000_000).unwrap();
        let step = now.unix_seconds() / STEP_SECS;
        assert_eq!(s.matching_step(&s.code_at(now), now), Some(step));
        assert_eq!(s.matching_step(&s.code_at(now.plus_secs(-30)), now), Some(step - 1));
        assert_eq!(s.matching_step(&s.code_at(now.plus_secs(30)), now), Some(step + 1));
        assert_eq!(s.matching_step(&s.code_at(now.plus_secs(-90)), now), None);
        let spaced = format!("{} {}", &s.code_at(now)[..3], &s.code_at(now)[3..]);
        assert_eq!(s.matching_step(&spaced, now), Some(step));
        for junk in ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"] {
            assert_eq!(s.matching_step(junk, now), None, "{junk:?}");
        }
    }

    #[test]
    fn provisioning_uri_names_the_issuer_and_account() {
        let s = TotpSecret::generate(&SeqRandom::new(5));
        let uri = s.provisioning_uri("jane@example.org.uk");
        assert!(uri.starts_with("otpauth://totp/Portcullis:jane%40example.org.uk?"), "{}", &*uri);
        assert!(uri.contains("issuer=Portcullis"));
        assert_eq!(s.base32_grouped().split(' ').count(), 8);
        assert_eq!(format!("{s:?}"), "TotpSecret(…)");
    }
}
