//! Finding the suspicious email inside what someone sent to the reporting
//! mailbox.
//!
//! Forwarding "as an attachment" keeps the original message whole — its
//! headers are where most of the evidence is (who really sent it, which
//! servers it passed, whether it passed SPF/DKIM) — as a `message/rfc822`
//! part (RFC 2046 section 5.2.1). People also attach a saved `.eml` file or
//! an Outlook `.msg`. When nothing like that is attached, the forward itself
//! is all there is: its headers are the forwarder's, so triage sees only
//! the quoted body.

use mail_parser::{MessageParser, MimeHeaders as _};
use serde::Serialize;

/// How the suspicious email reached the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Forwarded {
    /// Forwarded as an attachment (`message/rfc822`): headers intact.
    Attachment,
    /// An attached `.eml` file.
    EmlFile,
    /// An attached Outlook `.msg` file.
    MsgFile,
    /// No email attached: the forward itself was triaged.
    Inline,
}

impl Forwarded {
    /// The name used in `--json` output and the audit log.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Attachment => "attachment",
            Self::EmlFile => "eml_file",
            Self::MsgFile => "msg_file",
            Self::Inline => "inline",
        }
    }
}

/// What an inline forward loses, said to the person who forwarded it.
pub const INLINE_NOTE: &str = "This email was forwarded inline, not as an attachment, so its original headers \
    (who really sent it and how it travelled) were lost and could not be checked. Next time, use \"Forward as \
    attachment\" (in Outlook: More actions, Forward as attachment) so the check can see the whole message.";

/// The email to triage, found in one mailbox message.
#[derive(Debug, Clone)]
pub struct Unwrapped {
    /// The suspicious email's bytes (RFC 5322, or an Outlook `.msg`).
    pub email: Vec<u8>,
    /// How it was sent to the mailbox.
    pub how: Forwarded,
    /// The forwarder's address (the outer From), lowercase.
    pub forwarder: Option<String>,
    /// Whether the outer message says a machine sent it (RFC 3834
    /// `Auto-Submitted`): bounces and out-of-office replies are never
    /// answered, so two robots cannot keep replying to each other.
    pub automatic: bool,
    /// Further attached emails that were not checked.
    pub others: usize,
}

/// Find the email to triage in `raw`, a message fetched from the mailbox.
/// `max_parts` bounds how many attachments are looked at. The error says,
/// in words, why nothing could be found.
pub fn unwrap(raw: &[u8], max_parts: usize) -> Result<Unwrapped, String> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err("the message is empty".to_owned());
    }
    let message = MessageParser::default().parse(raw).ok_or_else(|| "it is not an email".to_owned())?;
    if message.headers().is_empty() {
        return Err("it is not an email (it has no headers)".to_owned());
    }
    let forwarder = message
        .from()
        .and_then(|from| from.iter().find_map(|a| a.address()))
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty());
    let automatic = message
        .header_raw("Auto-Submitted")
        .is_some_and(|v| !v.trim().split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("no"));
    let mut found: Vec<(Forwarded, &[u8])> = Vec::new();
    for part in message.attachments().take(max_parts) {
        let how = if part.is_message() {
            Forwarded::Attachment
        } else {
            let name = part.attachment_name().unwrap_or_default().trim().to_ascii_lowercase();
            let outlook = part.content_type().is_some_and(|c| {
                c.ctype().eq_ignore_ascii_case("application")
                    && c.subtype().is_some_and(|s| s.eq_ignore_ascii_case("vnd.ms-outlook"))
            });
            if name.ends_with(".eml") {
                Forwarded::EmlFile
            } else if name.ends_with(".msg") || outlook {
                Forwarded::MsgFile
            } else {
                continue;
            }
        };
        found.push((how, part.contents()));
    }
    let mut found = found.into_iter().filter(|(_, bytes)| !bytes.iter().all(u8::is_ascii_whitespace));
    Ok(match found.next() {
        Some((how, bytes)) => Unwrapped { email: bytes.to_vec(), how, forwarder, automatic, others: found.count() },
        None => Unwrapped { email: raw.to_vec(), how: Forwarded::Inline, forwarder, automatic, others: 0 },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    const ORIGINAL: &str = "From: HMRC <refunds@hmrc-refund.example>\r\nTo: jane@jane-smith.org.uk\r\n\
        Subject: Your tax refund\r\n\r\nClaim now.\r\n";

    fn wrap(part_headers: &str, body: &str) -> Vec<u8> {
        format!(
            "From: Sam Okafor <Sam@Example.org.uk>\r\nTo: phishing@example.org.uk\r\nSubject: Fwd: refund\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain\r\n\r\nLooks odd.\r\n--b\r\n{part_headers}\r\n\r\n{body}\r\n--b--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn a_message_attachment_is_taken_whole() {
        let raw = wrap("Content-Type: message/rfc822\r\nContent-Disposition: attachment", ORIGINAL);
        let found = unwrap(&raw, 100).unwrap();
        assert_eq!(found.how, Forwarded::Attachment);
        assert_eq!(found.forwarder.as_deref(), Some("sam@example.org.uk"));
        let text = String::from_utf8(found.email).unwrap();
        assert!(text.starts_with("From: HMRC <refunds@hmrc-refund.example>"), "{text}");
        assert!(text.contains("Claim now."));
        assert!(!found.automatic);
    }

    #[test]
    fn a_base64_eml_file_is_decoded() {
        let encoded = data_encoding::BASE64_MIME.encode(ORIGINAL.as_bytes());
        let raw = wrap(
            "Content-Type: application/octet-stream; name=\"refund.eml\"\r\nContent-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename=\"refund.eml\"",
            &encoded,
        );
        let found = unwrap(&raw, 100).unwrap();
        assert_eq!(found.how, Forwarded::EmlFile);
        assert!(String::from_utf8(found.email).unwrap().contains("Subject: Your tax refund"));
    }

    #[test]
    fn without_an_attached_email_the_forward_itself_is_triaged() {
        let raw = wrap("Content-Type: application/pdf; name=\"minutes.pdf\"\r\nContent-Disposition: attachment", "x");
        let found = unwrap(&raw, 100).unwrap();
        assert_eq!(found.how, Forwarded::Inline);
        assert_eq!(found.email, raw);
    }

    #[test]
    fn machines_are_recognised_and_junk_refused() {
        let auto = b"From: mailer-daemon@example.org.uk\r\nAuto-Submitted: auto-replied\r\n\r\nAway.\r\n";
        assert!(unwrap(auto, 100).unwrap().automatic);
        let human = b"From: sam@example.org.uk\r\nAuto-Submitted: no\r\n\r\nHello.\r\n";
        assert!(!unwrap(human, 100).unwrap().automatic);
        assert!(unwrap(b"", 100).is_err());
        assert!(unwrap(b" \r\n", 100).is_err());
    }
}
