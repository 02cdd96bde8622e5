//! Content: what the message asks the reader to do. Phishing needs the
//! reader to act — sign in, pay, open, call — usually in a hurry. Each
//! family below is a handful of phrases written by hand from how these
//! scams are described in public guidance (NCSC, Action Fraud, UK Finance),
//! not learnt from any corpus. A family counts once however many of its
//! phrases appear; the weights are deliberately modest, because genuine
//! mail asks people to pay invoices and sign in too: content alone makes
//! a message suspicious at most, and it takes a second, technical sign
//! (a disguised link, a forged sender, a dangerous file) to call it
//! phishing.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::phrases::FAMILIES;
use crate::message::Email;
use crate::{Reason, words};

/// The automaton and, by pattern number, each phrase's family and text.
type Matcher = (AhoCorasick, Vec<(usize, &'static str)>);

/// Every phrase of every family in one automaton, searched in one pass;
/// pattern `n` is the `n`th phrase in family order.
static MATCHER: LazyLock<Option<Matcher>> = LazyLock::new(|| {
    let phrases: Vec<(usize, &'static str)> =
        FAMILIES.iter().enumerate().flat_map(|(f, family)| family.phrases.iter().map(move |p| (f, *p))).collect();
    let automaton = AhoCorasick::new(phrases.iter().map(|(_, p)| p)).ok()?;
    Some((automaton, phrases))
});

/// Words that open a greeting, in the languages phishing arrives in.
const GREETINGS: &[&str] =
    &["dear", "hi", "hello", "hey", "olá", "ola", "prezado", "prezada", "caro", "cara", "hallo", "bonjour", "estimado"];

/// Add a reason for each family the text touches (the first phrase found
/// as whole words names it), and for greeting the reader by their address.
pub fn check(email: &Email, reasons: &mut Vec<Reason>) {
    if let Some(address) = address_as_name(email) {
        reasons.push(Reason::new(
            "address_as_name",
            25,
            format!(
                "It addresses you as \"{address}\": whoever sent it has your email address but not your name, \
                 as with mail sent to a bought list."
            ),
        ));
    }
    let text = normalise(&email.lower_text());
    let Some((automaton, phrases)) = MATCHER.as_ref() else { return };
    let mut found: Vec<Option<&str>> = vec![None; FAMILIES.len()];
    for hit in automaton.find_overlapping_iter(&text) {
        let Some(&(family, phrase)) = phrases.get(hit.pattern().as_usize()) else { continue };
        if let Some(slot) = found.get_mut(family)
            && slot.is_none()
            && words::is_whole(&text, hit.start(), hit.end())
        {
            *slot = Some(phrase);
        }
    }
    for (family, phrase) in FAMILIES.iter().zip(found) {
        if let Some(phrase) = phrase {
            reasons.push(Reason::new(family.code, family.weight, format!("{} (\"{phrase}\")", family.explanation)));
        }
    }
}

/// The reader's own address standing in for their name at the start of
/// the subject or the message ("Dear jo@example.org", "jo@example.org, …"),
/// not in a quote ("jo@example.org wrote:") or a calendar subject's
/// "(jo@example.org)".
fn address_as_name(email: &Email) -> Option<&str> {
    let subject = email.subject.to_lowercase();
    let opening: String = email.text.trim_start().chars().take(200).collect::<String>().to_lowercase();
    email.to.iter().map(String::as_str).find(|address| greets(&subject, address) || greets(&opening, address))
}

fn greets(text: &str, address: &str) -> bool {
    let Some(at) = text.find(address) else { return false };
    let before = text.get(..at).unwrap_or_default();
    let after = text.get(at + address.len()..).unwrap_or_default().trim_start();
    let words: Vec<&str> = before.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let greeted = words.iter().rev().take(2).any(|w| GREETINGS.contains(w));
    let opens = words.iter().all(|w| matches!(*w, "re" | "fw" | "fwd")) && after.starts_with([',', ':', '!', ';']);
    greeted || opens
}

/// Curly quotes and odd spaces made plain, so phrases match.
fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' => '\'',
            '\u{00a0}' | '\u{2007}' | '\u{202f}' | '\t' | '\r' | '\n' => ' ',
            c => c,
        })
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `code` is one of this signal's (content alone never makes a
/// message phishing; see [`crate::triage`]).
pub fn is_content(code: &str) -> bool {
    code == "address_as_name" || FAMILIES.iter().any(|f| f.code == code)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn codes(subject: &str, text: &str) -> Vec<&'static str> {
        let email = Email { subject: subject.into(), text: text.into(), ..Email::default() };
        let mut reasons = Vec::new();
        check(&email, &mut reasons);
        reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn lures_are_named_once_per_family() {
        assert_eq!(
            codes("Action required", "Dear Customer, verify your account within 24 hours or confirm your identity"),
            vec!["credential_lure", "urgency", "generic_greeting"]
        );
        assert_eq!(codes("Quick one", "Are you  available? I need a favour — gift card"), vec!["gift_card_or_ceo"]);
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert!(codes("Updating the rota", "The shareholders' placeholders are updating.").is_empty());
        assert_eq!(codes("", "Are you dating?"), vec!["romance_lure"]);
    }

    #[test]
    fn ordinary_office_mail_touches_nothing() {
        assert!(codes("Surgery on Friday", "Dear Ms Jones, thank you for your letter about the bus route.").is_empty());
    }

    fn to_jo(subject: &str, text: &str) -> Vec<&'static str> {
        let email = Email {
            subject: subject.into(),
            text: text.into(),
            to: vec!["jo@office.example".into()],
            ..Email::default()
        };
        let mut reasons = Vec::new();
        check(&email, &mut reasons);
        reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn greeting_the_reader_by_address_is_named() {
        assert_eq!(to_jo("jo@office.example, your parcel is waiting", ""), vec!["address_as_name"]);
        assert_eq!(to_jo("Parcel", "Dear jo@office.example, confirm delivery."), vec!["address_as_name"]);
        assert_eq!(to_jo("Parcel", "jo@office.example: your parcel"), vec!["address_as_name"]);
        assert!(is_content("address_as_name"));
    }

    #[test]
    fn an_address_in_a_footer_or_sentence_is_not_a_greeting() {
        assert!(to_jo("Newsletter", "Hello Jo, news.\nThis email was sent to jo@office.example.").is_empty());
        assert!(to_jo("Re: rota", "jo@office.example writes:\n> the rota").is_empty());
        assert!(to_jo("Invitation: Surgery @ Fri 4pm (jo@office.example)", "You have been invited").is_empty());
        assert!(to_jo("Login", "We saw a sign-in to jo@office.example today").is_empty());
    }
}
