//! How guessable a password is (zxcvbn), in words.

use crate::Secret;

/// A password's strength.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Strength {
    /// zxcvbn's score: 0 (guessed at once) to 4 (very hard to guess).
    pub score: u8,
    /// How long someone holding a stolen, properly hashed copy of the
    /// site's passwords would take to guess it (10,000 guesses a second), in
    /// words.
    pub crack_time: String,
}

impl Strength {
    /// Weak means zxcvbn scores it below 3 ("safely unguessable").
    #[must_use]
    pub const fn is_weak(&self) -> bool {
        self.score < 3
    }
}

/// The strength of `password`, judged knowing the entry's own title, user
/// name and site (a password made of them is easy to guess).
#[must_use]
pub fn strength(password: &Secret, hints: &[&str]) -> Strength {
    let entropy = zxcvbn::zxcvbn(password.expose(), hints);
    let score = match entropy.score() {
        zxcvbn::Score::Zero => 0,
        zxcvbn::Score::One => 1,
        zxcvbn::Score::Two => 2,
        zxcvbn::Score::Three => 3,
        _ => 4,
    };
    // 10,000 guesses a second: a slow, salted hash (bcrypt, scrypt, PBKDF2).
    #[allow(clippy::cast_precision_loss)]
    let seconds = entropy.guesses() as f64 / 10_000.0;
    Strength { score, crack_time: in_words(seconds) }
}

/// Loads zxcvbn's dictionaries (built once per process, tens of
/// milliseconds). Call it on a spare thread while something slow happens —
/// a KeePass key derivation — so the audit itself does not wait for them.
pub fn warm_up() {
    let _ = zxcvbn::zxcvbn("warm-up", &[]);
}

/// A duration in the words a person would use: "less than a second",
/// "about 3 hours", "centuries".
#[must_use]
pub fn in_words(seconds: f64) -> String {
    const MINUTE: f64 = 60.0;
    const HOUR: f64 = 60.0 * MINUTE;
    const DAY: f64 = 24.0 * HOUR;
    const MONTH: f64 = 31.0 * DAY;
    const YEAR: f64 = 365.0 * DAY;
    const UNITS: [(f64, &str); 6] =
        [(1.0, "second"), (MINUTE, "minute"), (HOUR, "hour"), (DAY, "day"), (MONTH, "month"), (YEAR, "year")];
    if seconds.is_nan() || seconds < 1.0 {
        return "less than a second".into();
    }
    if seconds >= 100.0 * YEAR {
        return "centuries".into();
    }
    let (size, unit) = UNITS.iter().rev().find(|(size, _)| seconds >= *size).copied().unwrap_or((1.0, "second"));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let count = (seconds / size).round().max(1.0) as u64;
    let plural = if count == 1 { "" } else { "s" };
    format!("about {count} {unit}{plural}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn common_passwords_are_weak_and_long_random_ones_strong() {
        let weak = strength(&Secret::from("Password1"), &[]);
        assert!(weak.is_weak(), "{weak:?}");
        let strong = strength(&Secret::from("correct-Horse-battery-staple-41-Quay"), &[]);
        assert_eq!(strong.score, 4);
        assert!(!strong.is_weak());
        assert_eq!(strength(&Secret::from(""), &[]).score, 0);
    }

    #[test]
    fn a_password_made_of_the_entrys_own_name_is_weaker() {
        let alone = strength(&Secret::from("ChirpAlice1987"), &[]);
        let with_hints = strength(&Secret::from("ChirpAlice1987"), &["chirp", "alice"]);
        assert!(with_hints.score <= alone.score);
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(in_words(0.2), "less than a second");
        assert_eq!(in_words(f64::NAN), "less than a second");
        assert_eq!(in_words(1.0), "about 1 second");
        assert_eq!(in_words(150.0), "about 3 minutes");
        assert_eq!(in_words(3.0 * 3600.0), "about 3 hours");
        assert_eq!(in_words(40.0 * 86_400.0), "about 1 month");
        assert_eq!(in_words(5.0 * 365.0 * 86_400.0), "about 5 years");
        assert_eq!(in_words(1e12), "centuries");
    }
}
