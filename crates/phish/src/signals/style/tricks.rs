//! Tricks for getting past mail filters: random strings that make every
//! copy of a subject different, words spelt with look-alike letters from
//! another alphabet, and invisible or direction-reversing characters.

use crate::Reason;
use crate::message::Email;

/// Invisible characters that can sit inside a word without showing.
const INVISIBLE: &[char] = &['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{00ad}'];

/// Characters that reverse the direction of the text after them.
const REVERSING: &[char] = &['\u{202e}', '\u{202d}', '\u{2066}', '\u{2067}', '\u{2068}'];

/// How many invisible characters inside Latin words it takes: a stray one
/// can come from copying and pasting, a pattern cannot.
const INVISIBLE_AT: usize = 5;

/// Add a reason for each trick the subject, sender name or body plays.
pub(super) fn check(email: &Email, name: &str, reasons: &mut Vec<Reason>) {
    let token = junk_token(&email.subject).or_else(|| junk_token(name)).or_else(|| long_number(name, 12));
    if let Some(token) = token.or_else(|| long_number(&email.subject, 19)) {
        reasons.push(Reason::new(
            "random_string",
            30,
            format!(
                "Its subject or sender name has a random string stuck into it (\"{token}\"), a trick bulk senders use \
                 so that mail filters see every copy as different."
            ),
        ));
    }
    if let Some(joined) = joined_words(&email.subject) {
        reasons.push(Reason::new(
            "joined_words",
            20,
            format!(
                "Its subject joins words with underscores (\"{joined}\") so that mail filters do not read them as \
                 words. People do not write subjects like that."
            ),
        ));
    }
    if let Some(word) = disguised_word(&email.subject).or_else(|| disguised_word(name)) {
        reasons.push(Reason::new(
            "disguised_word",
            40,
            format!(
                "\"{word}\" is spelt with look-alike letters (from another alphabet, or a small l for a capital I) \
                 so that mail filters do not recognise the word. Genuine senders never need to do that."
            ),
        ));
    }
    if hides_text(email) {
        reasons.push(Reason::new(
            "hidden_characters",
            35,
            "It hides invisible or direction-reversing characters inside its words, a trick to stop mail filters \
             reading them. Genuine mail does not do this.",
        ));
    }
}

/// The first word of at least eight letters and digits that mixes
/// capitals, small letters and digits, switching between them at least
/// five times ("verifiqueXJ34DNLwlN"). Names and words do not look like that.
fn junk_token(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_alphanumeric()).find(|token| is_junk(token))
}

fn is_junk(token: &str) -> bool {
    if token.chars().count() < 8 {
        return false;
    }
    let class = |c: char| {
        if c.is_ascii_digit() {
            0
        } else if c.is_uppercase() {
            1
        } else {
            2
        }
    };
    let mut seen = [false; 3];
    let mut switches = 0;
    let mut last = None;
    for c in token.chars() {
        let k = class(c);
        if let Some(slot) = seen.get_mut(k) {
            *slot = true;
        }
        if last.is_some_and(|l| l != k) {
            switches += 1;
        }
        last = Some(k);
    }
    seen.iter().all(|s| *s) && switches >= 5
}

/// The first run of at least `digits` digits ("Protocolo 186553793753752"
/// in a sender's name); real reference numbers are shorter or broken up.
fn long_number(text: &str, digits: usize) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() >= digits)
}

/// The first run of three or more words joined by underscores
/// ("Get_it_urgently_0.7495_BTC"), unless it is a file name.
fn joined_words(subject: &str) -> Option<&str> {
    subject.split_whitespace().find(|token| {
        let words = token.split('_').filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2).count();
        let file_name = token.rsplit_once('.').is_some_and(|(_, ext)| {
            (2..=4).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && ext.chars().any(|c| c.is_ascii_alphabetic())
        });
        words >= 3 && !file_name
    })
}

/// The first word spelt to fool a filter: Latin letters mixed with Cyrillic
/// or Greek ones, or capitals with a small "l" standing in for an "I".
fn disguised_word(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_alphabetic()).find(|word| mixed_script(word) || small_l_for_capital_i(word))
}

fn mixed_script(word: &str) -> bool {
    let latin = word.chars().any(|c| c.is_ascii_alphabetic());
    // Greek (U+0370–U+03FF), then Cyrillic (U+0400–U+04FF).
    let other = word.chars().any(|c| matches!(c as u32, 0x0370..=0x04FF));
    latin && other
}

/// "VlAGRA": capitals throughout but for one or more small l's.
fn small_l_for_capital_i(word: &str) -> bool {
    let capitals = word.chars().filter(char::is_ascii_uppercase).count();
    let small_l = word.chars().filter(|&c| c == 'l').count();
    word.len() >= 4 && small_l >= 1 && capitals >= 3 && capitals + small_l == word.chars().count()
}

/// Direction-reversing characters anywhere in the subject, sender name or
/// an attachment's name, or invisible characters inside words of the body.
fn hides_text(email: &Email) -> bool {
    let name = email.from.as_ref().and_then(|m| m.name.as_deref()).unwrap_or_default();
    let reversing = |text: &str| text.contains(REVERSING);
    if reversing(&email.subject) || reversing(name) || reversing(&email.text) {
        return true;
    }
    if email.attachments.iter().any(|a| a.name.as_deref().is_some_and(reversing)) {
        return true;
    }
    invisible_inside_words(&email.text) >= INVISIBLE_AT
}

/// How many times an invisible character sits between two Latin letters
/// (runs of them count once).
fn invisible_inside_words(text: &str) -> usize {
    let mut count = 0;
    let mut after_letter = false;
    let mut in_run = false;
    for c in text.chars() {
        if INVISIBLE.contains(&c) {
            in_run = after_letter;
            continue;
        }
        let letter = c.is_ascii_alphabetic();
        if in_run && letter {
            count += 1;
        }
        in_run = false;
        after_letter = letter;
    }
    count
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::message::{Attachment, Mailbox};

    fn codes(subject: &str, name: &str, text: &str) -> Vec<&'static str> {
        let email = Email {
            subject: subject.into(),
            from: Some(Mailbox { name: Some(name.into()), address: "a@example.org".into() }),
            text: text.into(),
            ..Email::default()
        };
        let mut reasons = Vec::new();
        check(&email, name, &mut reasons);
        reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn random_strings_stuck_onto_words_are_named() {
        assert_eq!(codes("Aviso importante - verifiqueXJ34DNLwlN", "", ""), vec!["random_string"]);
        assert_eq!(codes("", "Bloqueio por fraudeKApsBkI1G5", ""), vec!["random_string"]);
    }

    #[test]
    fn long_numbers_in_the_senders_name_are_random_strings() {
        assert_eq!(codes("", "Nota Emitida - 813704788758188", ""), vec!["random_string"]);
        assert_eq!(codes("NOTIFICAÇÃO - 1837601888772635536377773", "", ""), vec!["random_string"]);
        assert!(codes("Tracking 1234 5678 9012", "Council 01632 960000 01632960000", "").is_empty());
    }

    #[test]
    fn references_names_and_brands_are_not_random() {
        for subject in [
            "Invoice INV-2024-0042",
            "Order 4819-2210 confirmed",
            "PowerPoint slides for the LinkedIn event",
            "Your reference ABC123XYZ",
            "Case ref 7d9f2a4c1e",
            "McDonald's planning application",
        ] {
            assert!(codes(subject, "", "").is_empty(), "{subject}");
        }
    }

    #[test]
    fn words_joined_by_underscores_are_named_but_file_names_are_not() {
        assert_eq!(codes("Get_it_urgently_0.7495_BTC", "", ""), vec!["joined_words"]);
        assert_eq!(codes("New Shared_Document_Review", "", ""), vec!["joined_words"]);
        assert!(codes("Fwd: Budget_report_final.xlsx", "", "").is_empty());
        assert!(codes("Minutes of the AGM_2024", "", "").is_empty());
    }

    #[test]
    fn look_alike_spellings_are_named() {
        assert_eq!(codes("Cheap VlAGRA and ClALlS", "", ""), vec!["disguised_word"]);
        // A Cyrillic "а" in a Latin word.
        assert_eq!(codes("", "P\u{0430}yPal Security", ""), vec!["disguised_word"]);
        assert!(codes("ALL STAFF MEETING", "Жанна Smith", "").is_empty());
        assert!(codes("Help with my HOLIDAY LET", "", "").is_empty());
    }

    #[test]
    fn invisible_characters_inside_words_are_named_but_a_stray_one_is_not() {
        let hidden = "r\u{200c}\u{200c}e\u{200c}a\u{200b}d t\u{200d}h\u{200c}is";
        assert_eq!(codes("", "", hidden), vec!["hidden_characters"]);
        assert!(codes("", "", "caf\u{200b}e and a preview \u{200c}\u{00a0}\u{200c}\u{00a0} padding").is_empty());
    }

    #[test]
    fn a_direction_reversing_character_is_named() {
        assert_eq!(codes("Invoice \u{202e}fdp.exe", "", ""), vec!["hidden_characters"]);
        let email = Email {
            attachments: vec![Attachment { name: Some("scan\u{202e}fdp.exe".into()), ..Attachment::default() }],
            ..Email::default()
        };
        let mut reasons = Vec::new();
        check(&email, "", &mut reasons);
        assert_eq!(reasons[0].code, "hidden_characters");
    }
}
