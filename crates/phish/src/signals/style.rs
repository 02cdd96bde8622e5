//! Typography that genuine senders do not use: "𝐈𝐦𝐩𝐨𝐫𝐭𝐚𝐧𝐭" written in
//! mathematical letters, words spelt with letters from another alphabet
//! ("VlAGRA", a Cyrillic "а" in "Аpple"), random strings stuck onto the
//! subject so that no two copies look alike, invisible characters inside
//! words, or a subject full of emoji. All are ways of slipping past mail
//! filters, which is something only bulk scams need to do.

use crate::Reason;
use crate::message::Email;

mod tricks;

/// Add reasons for the subject's and sender name's typography.
pub fn check(email: &Email, reasons: &mut Vec<Reason>) {
    let name = email.from.as_ref().and_then(|m| m.name.as_deref()).unwrap_or_default();
    if styled(&email.subject) || styled(name) {
        reasons.push(Reason::new(
            "styled_letters",
            40,
            "Its subject or sender name is written in decorative look-alike letters (like 𝐓𝐡𝐢𝐬), a trick to \
             get past mail filters that genuine senders do not use.",
        ));
    }
    tricks::check(email, name, reasons);
    let emoji = email.subject.chars().filter(|&c| is_emoji(c)).count();
    if emoji >= 2 {
        reasons.push(Reason::new(
            "emoji_subject",
            10,
            "Its subject is decorated with emoji, as mass marketing and scams often are.",
        ));
    }
    if name.chars().any(is_emoji) {
        reasons.push(Reason::new(
            "emoji_sender_name",
            15,
            "The sender's name has emoji in it. People and organisations write their names plainly; bulk senders \
             decorate them to catch the eye.",
        ));
    }
}

/// Mathematical alphanumeric symbols (U+1D400–U+1D7FF), or enclosed and
/// full-width Latin letters, used as ordinary text.
fn styled(text: &str) -> bool {
    text.chars()
        .filter(|&c| matches!(c as u32, 0x1D400..=0x1D7FF | 0x24B6..=0x24E9 | 0xFF21..=0xFF5A | 0x1F130..=0x1F189))
        .count()
        >= 3
}

pub(super) fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn codes(subject: &str) -> Vec<&'static str> {
        let email = Email { subject: subject.into(), ..Email::default() };
        let mut reasons = Vec::new();
        check(&email, &mut reasons);
        reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn decorative_letters_and_emoji_runs_are_named() {
        assert_eq!(codes("𝐈𝐦𝐩𝐨𝐫𝐭𝐚𝐧𝐭 𝐌𝐞𝐬𝐬𝐚𝐠𝐞"), vec!["styled_letters"]);
        assert_eq!(codes("Claim today! 🎉🚀"), vec!["emoji_subject"]);
    }

    #[test]
    fn ordinary_subjects_and_one_emoji_pass() {
        assert!(codes("Surgery on Friday 👍").is_empty());
        assert!(codes("Café menu – €5").is_empty());
    }
}
