//! The reply to the person who reported an email: the verdict, the main
//! reasons and what to do now, in plain text.
//!
//! Everything quoted from the suspicious email (its subject, its sender,
//! hosts named in the reasons) is defanged first (`hxxps://evil[.]example`),
//! so no mail program turns it back into a link someone might click.

use portcullis_phish::view::defang;
use portcullis_phish::{Triage, Verdict, advice};

/// How many reasons the reply lists.
const REASONS_SHOWN: usize = 3;
/// The longest subject or sender quoted, in characters.
const MAX_QUOTED: usize = 120;

/// The subject line of the reply.
pub fn subject(verdict: Verdict) -> String {
    match verdict {
        Verdict::Phishing => "The email you reported is phishing",
        Verdict::Suspicious => "The email you reported looks suspicious",
        Verdict::Clean => "The email you reported shows no signs of phishing",
    }
    .to_owned()
}

/// The body of the reply to `name` about `triage`; `note` says what
/// was lost by how it was forwarded, if anything.
pub fn body(name: &str, triage: &Triage, note: Option<&str>) -> String {
    let mut out = String::new();
    let line = |out: &mut String, text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    line(&mut out, &format!("Hello {},", quoted(name)));
    line(&mut out, "");
    let subject = quoted(&triage.summary.subject);
    let from = quoted(&triage.summary.from);
    line(
        &mut out,
        &format!(
            "Thank you for reporting the email \"{}\" from {}.",
            if subject.is_empty() { "(no subject)" } else { &subject },
            if from.is_empty() { "an unknown sender" } else { &from },
        ),
    );
    line(&mut out, "");
    let call = match triage.verdict {
        Verdict::Phishing => "phishing",
        Verdict::Suspicious => "suspicious",
        Verdict::Clean => "no signs of phishing",
    };
    line(&mut out, &format!("Portcullis's verdict: {call} (score {} out of 100).", triage.score));
    line(&mut out, "");
    let mut shown = triage.reasons.iter().filter(|r| r.weight > 0).take(REASONS_SHOWN).peekable();
    if shown.peek().is_some() {
        line(&mut out, "The main reasons:");
        for reason in shown {
            line(&mut out, &format!("- {}", defang_words(&reason.explanation)));
        }
        line(&mut out, "");
    }
    line(&mut out, "What to do now:");
    for step in advice::now(triage.verdict) {
        line(&mut out, &format!("- {step}"));
    }
    if triage.verdict != Verdict::Clean {
        line(&mut out, "");
        line(&mut out, "If you clicked a link, opened an attachment or typed a password:");
        for step in advice::IF_CLICKED {
            line(&mut out, &format!("- {step}"));
        }
    }
    if let Some(note) = note {
        line(&mut out, "");
        line(&mut out, note);
    }
    line(&mut out, "");
    line(&mut out, "This reply was sent automatically by Portcullis, your office's security toolkit.");
    out
}

/// Text from the suspicious email, made safe to quote: control characters
/// dropped, cut short, and anything that looks like a link or an address
/// defanged.
fn quoted(text: &str) -> String {
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX_QUOTED).collect();
    defang_words(clean.trim())
}

/// Defang every word that a mail program might turn into a link: one with
/// a scheme, an `@`, or a dot between letters or digits (`evil.example`).
fn defang_words(text: &str) -> String {
    let words: Vec<String> = text
        .split(' ')
        .map(|word| {
            let start = word.find(|c: char| c.is_alphanumeric()).unwrap_or(word.len());
            let end = word.rfind(|c: char| c.is_alphanumeric()).map_or(start, |i| i + 1).max(start);
            let (Some(lead), Some(core), Some(trail)) = (word.get(..start), word.get(start..end), word.get(end..))
            else {
                return word.to_owned();
            };
            if looks_like_link(core) { format!("{lead}{}{trail}", defang(core)) } else { word.to_owned() }
        })
        .collect();
    words.join(" ")
}

fn looks_like_link(word: &str) -> bool {
    if word.contains("://") || word.contains('@') || word.to_ascii_lowercase().starts_with("www.") {
        return true;
    }
    let chars: Vec<char> = word.chars().collect();
    chars.windows(3).any(|w| matches!(w, [a, '.', b] if a.is_alphanumeric() && b.is_alphabetic()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use portcullis_phish::Reason;
    use portcullis_phish::message::Summary;

    use super::*;

    #[test]
    fn links_and_addresses_in_quoted_text_are_defanged() {
        assert_eq!(
            defang_words("Go to https://evil.example/login, or mail refunds@hmrc-refund.example."),
            "Go to hxxps://evil[.]example/login, or mail refunds@hmrc-refund[.]example."
        );
        assert_eq!(defang_words("(www.evil.example) now"), "(www[.]evil[.]example) now");
        assert_eq!(defang_words("Your tax refund is ready."), "Your tax refund is ready.");
    }

    #[test]
    fn the_reply_gives_the_verdict_reasons_and_advice_without_live_links() {
        let summary = Summary {
            from: "HMRC <refunds@hmrc-refund.example>".into(),
            subject: "Refund: visit https://hmrc-refund.example/claim".into(),
            date: String::new(),
        };
        let triage = Triage::from_reasons(
            summary,
            vec![
                Reason::new("lookalike", 60, "The sender's domain hmrc-refund.example imitates hmrc.gov.uk."),
                Reason::new("known", -10, "Known sender."),
            ],
        );
        let text = body("Sam Okafor", &triage, Some("Forwarded inline."));
        assert!(text.contains("Hello Sam Okafor,"), "{text}");
        assert!(text.contains("hxxps://hmrc-refund[.]example/claim"), "{text}");
        assert!(text.contains("hmrc-refund[.]example imitates hmrc[.]gov[.]uk."), "{text}");
        assert!(!text.contains("https://"), "{text}");
        assert!(!text.contains("Known sender"), "only reasons against the message are listed");
        assert!(text.contains("What to do now:"));
        assert!(text.contains("Forwarded inline."));
    }
}
