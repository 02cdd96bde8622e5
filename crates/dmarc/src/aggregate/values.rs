//! Turning one element's text into a typed value. Every function first
//! trims XML whitespace (space, tab, CR, LF: all ASCII); reporters pad
//! values with spaces and newlines.

use std::net::IpAddr;

use crate::{Alignment, AuthResult, ParseError, Policy, Verdict};

/// Most characters of an offending value quoted back in an error.
const SHOWN_CHARS: usize = 64;

/// `value` fit to quote in an error message: control characters removed and
/// cut to [`SHOWN_CHARS`] characters.
pub(super) fn shown(value: &str) -> String {
    shown_max(value, SHOWN_CHARS)
}

/// `value` with control characters removed, cut to `max` characters.
pub(super) fn shown_max(value: &str, max: usize) -> String {
    let mut printable = value.chars().filter(|c| !c.is_control());
    let mut out: String = printable.by_ref().take(max).collect();
    if printable.next().is_some() {
        out.push('…');
    }
    out
}

fn invalid(field: &'static str, value: &str) -> ParseError {
    ParseError::Invalid { field, value: shown(value.trim_ascii()) }
}

/// A domain: trimmed, lower case (possibly empty).
pub(super) fn domain(text: &str) -> String {
    text.trim_ascii().to_ascii_lowercase()
}

/// A domain that may be absent: `None` when empty.
pub(super) fn optional_domain(text: &str) -> Option<String> {
    let value = domain(text);
    (!value.is_empty()).then_some(value)
}

/// Any other text that may be absent: trimmed, `None` when empty.
pub(super) fn optional(text: &str) -> Option<String> {
    let value = text.trim_ascii();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Plain decimal digits only: no sign, no exponent, no hex.
fn digits(text: &str) -> Option<u64> {
    let value = text.trim_ascii();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// A Unix timestamp (`date_range/begin`, `…/end`): non-negative decimal
/// seconds that fit an `i64`.
pub(super) fn timestamp(field: &'static str, text: &str) -> Result<i64, ParseError> {
    digits(text).and_then(|n| i64::try_from(n).ok()).ok_or_else(|| invalid(field, text))
}

/// A record's message count: decimal digits that fit a `u64`.
pub(super) fn count(text: &str) -> Result<u64, ParseError> {
    digits(text).ok_or_else(|| invalid("record count", text))
}

/// A record's source IP address (v4 or v6).
pub(super) fn ip(text: &str) -> Result<IpAddr, ParseError> {
    text.trim_ascii().parse().map_err(|_| invalid("source IP", text))
}

/// `adkim=`/`aspf=`: `r`/`s` (or spelt out), else `None`.
pub(super) fn alignment(text: &str) -> Option<Alignment> {
    match text.trim_ascii().to_ascii_lowercase().as_str() {
        "r" | "relaxed" => Some(Alignment::Relaxed),
        "s" | "strict" => Some(Alignment::Strict),
        _ => None,
    }
}

/// `pct=`: 0 to 100, else `None`.
pub(super) fn pct(text: &str) -> Option<u8> {
    digits(text).and_then(|n| u8::try_from(n).ok()).filter(|&n| n <= 100)
}

/// `testing`: `y` means testing mode.
pub(super) fn testing(text: &str) -> bool {
    text.trim_ascii().eq_ignore_ascii_case("y")
}

/// A disposition. RFC 9990's sample says `pass` where a policy name
/// belongs; that means nothing was done, so it reads as `none`.
pub(super) fn disposition(text: &str) -> Option<Policy> {
    let value = text.trim_ascii();
    [("none", Policy::None), ("pass", Policy::None), ("quarantine", Policy::Quarantine), ("reject", Policy::Reject)]
        .into_iter()
        .find_map(|(name, policy)| value.eq_ignore_ascii_case(name).then_some(policy))
}

/// A DMARC verdict: `pass` in any case passes; anything else does not.
pub(super) fn verdict(text: &str) -> Verdict {
    if text.trim_ascii().eq_ignore_ascii_case("pass") { Verdict::Pass } else { Verdict::Fail }
}

/// A raw DKIM/SPF result. A value we do not know (or none at all) is
/// [`AuthResult::Temperror`]: the check did not produce a result we can
/// use, which is neither a pass nor a proven failure.
pub(super) fn auth_result(text: &str) -> AuthResult {
    let value = text.trim_ascii();
    // The common answers without the allocation `from_name` makes.
    let common = [AuthResult::Pass, AuthResult::Fail, AuthResult::None, AuthResult::Softfail, AuthResult::Neutral];
    common
        .into_iter()
        .find(|result| value.eq_ignore_ascii_case(result.as_str()))
        .or_else(|| AuthResult::from_name(value))
        .unwrap_or(AuthResult::Temperror)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_plain_digits_that_fit() {
        assert_eq!(count(" 7 \n").unwrap(), 7);
        assert_eq!(count("18446744073709551615").unwrap(), u64::MAX);
        for bad in ["-1", "18446744073709551616", "1e3", "0x10", "ten", "", "+5", "1 000"] {
            let err = count(bad).unwrap_err();
            assert!(matches!(err, ParseError::Invalid { field: "record count", .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn timestamps_refuse_negatives_and_overflow() {
        assert_eq!(timestamp("period start", "1700000000").unwrap(), 1_700_000_000);
        assert!(timestamp("period start", "-86400").is_err());
        assert!(timestamp("period end", "99999999999999999999").is_err());
        assert!(timestamp("period end", "9223372036854775808").is_err());
        assert!(timestamp("period end", "yesterday").is_err());
    }

    #[test]
    fn shown_values_are_short_and_printable() {
        let long = format!("a\u{1b}[31m{}", "x".repeat(500));
        let out = shown(&long);
        assert!(!out.contains('\u{1b}'));
        assert_eq!(out.chars().count(), SHOWN_CHARS + 1);
        assert_eq!(shown("short"), "short");
    }

    #[test]
    fn lenient_enumerations() {
        assert_eq!(disposition("pass"), Some(Policy::None));
        assert_eq!(disposition(" Quarantine "), Some(Policy::Quarantine));
        assert_eq!(disposition("DROP_TABLEnone"), None);
        assert_eq!(verdict("PASS"), Verdict::Pass);
        assert_eq!(verdict("softfail"), Verdict::Fail);
        assert_eq!(auth_result("Pass"), AuthResult::Pass);
        assert_eq!(auth_result("weird"), AuthResult::Temperror);
        assert_eq!(pct("100"), Some(100));
        assert_eq!(pct("101"), None);
        assert_eq!(alignment("S"), Some(Alignment::Strict));
        assert!(testing("Y"));
        assert!(!testing("n"));
    }
}
