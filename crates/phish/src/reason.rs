//! Reasons, the score they add up to, and the verdict.
//!
//! Each reason carries a weight from −100 to 100. Positive weights are
//! evidence of phishing and combine like independent odds ("noisy or"):
//! two reasons of 50 make 75, not 100, so many weak hints never outweigh
//! one strong one by simple addition, and the score never passes 100.
//! Negative weights are evidence of the opposite (the office's server
//! vouched for a known sender) and scale the result down.

use serde::Serialize;

use crate::message::Summary;

/// Scores at or above this are called phishing.
pub const PHISHING_AT: u8 = 70;
/// Scores at or above this (and below [`PHISHING_AT`]) are called suspicious.
pub const SUSPICIOUS_AT: u8 = 40;

/// The overall call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Treat it as an attack: do not click, open or reply.
    Phishing,
    /// Something is off: check with the sender by another route first.
    Suspicious,
    /// Nothing found that suggests an attack.
    Clean,
}

impl Verdict {
    /// The verdict a score earns.
    pub const fn from_score(score: u8) -> Self {
        if score >= PHISHING_AT {
            Self::Phishing
        } else if score >= SUSPICIOUS_AT {
            Self::Suspicious
        } else {
            Self::Clean
        }
    }

    /// Its name as printed and stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Phishing => "phishing",
            Self::Suspicious => "suspicious",
            Self::Clean => "clean",
        }
    }
}

/// One thing noticed about the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// A stable name for the signal, e.g. `link_text_mismatch`.
    pub code: &'static str,
    /// −100 (strong evidence it is genuine) to 100 (strong evidence of phishing).
    pub weight: i8,
    /// What was seen and why it matters, in plain English.
    pub explanation: String,
}

impl Reason {
    /// A reason with `weight` clamped to −100..=100.
    pub fn new(code: &'static str, weight: i8, explanation: impl Into<String>) -> Self {
        Self { code, weight: weight.clamp(-100, 100), explanation: explanation.into() }
    }
}

/// The result of triaging one message.
#[derive(Debug, Clone, Serialize)]
pub struct Triage {
    /// The call.
    pub verdict: Verdict,
    /// 0 (nothing found) to 100 (certainly phishing).
    pub score: u8,
    /// Strongest first; a code appears once.
    pub reasons: Vec<Reason>,
    /// Who it says it is from and what it is about.
    #[serde(skip)]
    pub summary: Summary,
}

impl Triage {
    /// Score `reasons` (keeping the strongest of each code) and give the verdict.
    pub fn from_reasons(summary: Summary, mut reasons: Vec<Reason>) -> Self {
        reasons.sort_by(|a, b| b.weight.abs().cmp(&a.weight.abs()).then(b.weight.cmp(&a.weight)));
        let mut seen = Vec::new();
        reasons.retain(|r| {
            let fresh = !seen.contains(&r.code);
            seen.push(r.code);
            fresh
        });
        let score = score(&reasons);
        Self { verdict: Verdict::from_score(score), score, reasons, summary }
    }
}

/// The score `reasons` add up to, 0..=100.
pub fn score(reasons: &[Reason]) -> u8 {
    let mut clean = 1.0_f64;
    let mut trust = 1.0_f64;
    for reason in reasons {
        let w = f64::from(reason.weight.unsigned_abs()) / 100.0;
        if reason.weight > 0 {
            clean *= 1.0 - w;
        } else {
            trust *= 1.0 - w;
        }
    }
    let score = (100.0 * (1.0 - clean) * trust).round().clamp(0.0, 100.0);
    // In 0..=100 by the clamp above.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let score = score as u8;
    score
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn r(code: &'static str, weight: i8) -> Reason {
        Reason::new(code, weight, "x")
    }

    #[test]
    fn weights_combine_like_odds_and_never_pass_100() {
        assert_eq!(score(&[]), 0);
        assert_eq!(score(&[r("a", 50)]), 50);
        assert_eq!(score(&[r("a", 50), r("b", 50)]), 75);
        assert_eq!(score(&[r("a", 100), r("b", 90)]), 100);
        assert_eq!(score(&[r("a", 80), r("trust", -50)]), 40);
    }

    #[test]
    fn verdicts_follow_the_thresholds() {
        assert_eq!(Verdict::from_score(PHISHING_AT), Verdict::Phishing);
        assert_eq!(Verdict::from_score(PHISHING_AT - 1), Verdict::Suspicious);
        assert_eq!(Verdict::from_score(SUSPICIOUS_AT), Verdict::Suspicious);
        assert_eq!(Verdict::from_score(SUSPICIOUS_AT - 1), Verdict::Clean);
    }

    #[test]
    fn a_code_counts_once_at_its_strongest() {
        let t = Triage::from_reasons(Summary::default(), vec![r("a", 30), r("a", 60), r("b", 10)]);
        assert_eq!(t.reasons.iter().map(|r| (r.code, r.weight)).collect::<Vec<_>>(), vec![("a", 60), ("b", 10)]);
        assert_eq!(t.score, 64);
    }
}
