//! DMARC failure (forensic) reports, RFC 6591: an email whose
//! `message/feedback-report` part names the reported domain, the sending
//! address and the verdicts, usually followed by the failed message itself
//! (`message/rfc822`) or its headers (`text/rfc822-headers`).
//!
//! Only what [`FailureReport`] holds leaves this module: domains, the
//! sending IP address and results. Local parts of addresses, the original
//! subject, other headers and the body are read where needed (to find a
//! domain) and dropped.
//!
//! Some MTAs (Exim's DMARC module) send failure reports as plain text with
//! no ARF part. Those are read from their text: `Sender Domain:` is the
//! reported domain, `Sender IP Address:` the source, `Received date:` the
//! arrival, `dmarc` the failure, and the `From:` of the copied headers the
//! original From domain. An email that is neither gives
//! [`ParseError::NotAReport`].

use std::net::IpAddr;

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use crate::{FailureReport, ParseError};

/// Longest domain or result kept, in bytes (a DNS name is at most 253).
const MAX_VALUE_BYTES: usize = 255;
/// Header fields read from a feedback report, at most.
const MAX_FIELDS: usize = 200;

/// Read a failure report from a parsed email. `raw` is the email as
/// received; its SHA-256 is the report's fingerprint.
///
/// Fails with [`ParseError::NotAReport`] when the email has no feedback
/// report (nor an Exim-style text one), or when its feedback type is not
/// `auth-failure` (abuse complaints use the same format), and with
/// [`ParseError::Missing`] when no reported domain can be found.
pub fn parse_failure(message: &Message, raw: &[u8]) -> Result<FailureReport, ParseError> {
    let fingerprint = hex_sha256(raw);
    let reporter = message.from().and_then(|a| a.first()).and_then(|a| a.address()).and_then(address_domain);
    match feedback_fields(message) {
        Some(fields) => from_arf(&fields, message, fingerprint, reporter),
        None => from_text(message, fingerprint, reporter),
    }
}

/// True when the email says it is an ARF feedback report: a
/// `multipart/report; report-type=feedback-report` or a
/// `message/feedback-report` part anywhere in it.
pub fn is_feedback_report(message: &Message) -> bool {
    let root_is_arf = message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct.attributes().unwrap_or_default().iter().any(|a| {
                a.name.eq_ignore_ascii_case("report-type") && a.value.trim().eq_ignore_ascii_case("feedback-report")
            })
    });
    root_is_arf || message.parts.iter().any(|p| is_type(p, "message", "feedback-report"))
}

fn is_type(part: &MessagePart, ctype: &str, subtype: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype) && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

/// The header fields of the first `message/feedback-report` part.
fn feedback_fields(message: &Message) -> Option<Fields> {
    let part = message.parts.iter().find(|p| is_type(p, "message", "feedback-report"))?;
    Some(Fields::parse(&String::from_utf8_lossy(part.contents())))
}

fn from_arf(
    fields: &Fields,
    message: &Message,
    fingerprint: String,
    reporter: Option<String>,
) -> Result<FailureReport, ParseError> {
    if let Some(kind) = fields.get("feedback-type")
        && !kind.eq_ignore_ascii_case("auth-failure")
    {
        return Err(ParseError::NotAReport { detail: format!("a feedback report of type '{}'", shown(kind)) });
    }
    let from_domain = original_from_domain(message);
    let reported_domain = fields
        .get("reported-domain")
        .map(domain)
        .filter(|d| !d.is_empty())
        .or_else(|| fields.get("authentication-results").and_then(header_from))
        .or_else(|| from_domain.clone())
        .ok_or(ParseError::Missing("Reported-Domain"))?;
    Ok(FailureReport {
        fingerprint,
        reporter,
        arrival: fields.get("arrival-date").or_else(|| fields.get("received-date")).and_then(rfc5322_time),
        reported_domain,
        source_ip: fields.get("source-ip").and_then(ip),
        auth_failure: fields.get("auth-failure").map(word).filter(|w| !w.is_empty()),
        delivery_result: fields.get("delivery-result").map(word).filter(|w| !w.is_empty()),
        from_domain,
        mail_from_domain: fields.get("original-mail-from").and_then(address_domain),
        dkim_domain: fields.get("dkim-domain").map(domain).filter(|d| !d.is_empty()),
        dkim_selector: fields.get("dkim-selector").map(word).filter(|w| !w.is_empty()),
    })
}

/// The domain of the From header of the failed message, from a
/// `message/rfc822` part or a `text/rfc822-headers` part.
fn original_from_domain(message: &Message) -> Option<String> {
    message.parts.iter().find_map(|part| match &part.body {
        PartType::Message(original) => from_domain_of(original),
        _ if is_type(part, "text", "rfc822-headers") => {
            MessageParser::new().parse_headers(part.contents()).as_ref().and_then(from_domain_of)
        }
        _ => None,
    })
}

fn from_domain_of(message: &Message) -> Option<String> {
    message.from()?.first()?.address().and_then(address_domain)
}

/// An Exim-style plain-text report (see the module documentation).
fn from_text(message: &Message, fingerprint: String, reporter: Option<String>) -> Result<FailureReport, ParseError> {
    let not_a_report = || ParseError::NotAReport { detail: "an email with no DMARC failure report in it".into() };
    let text = message
        .parts
        .iter()
        .filter_map(|p| match &p.body {
            PartType::Text(text) => Some(text.as_ref()),
            _ => None,
        })
        .find(|t| t.contains("Sender Domain:") && t.contains("DMARC"))
        .ok_or_else(not_a_report)?;
    let (summary, copied_headers) = match text.split_once("This is a copy of the headers") {
        Some((summary, rest)) => (summary, rest.split_once('\n').map(|(_, headers)| headers)),
        None => (text, None),
    };
    let fields = Fields::parse_indented(summary);
    let reported_domain = fields.get("sender domain").map(domain).filter(|d| !d.is_empty()).ok_or_else(not_a_report)?;
    let from_domain = copied_headers
        .map(|h| h.trim_start_matches(['\r', '\n']))
        .and_then(|h| MessageParser::new().parse_headers(h.as_bytes()).as_ref().and_then(from_domain_of));
    Ok(FailureReport {
        fingerprint,
        reporter,
        arrival: fields.get("received date").and_then(rfc5322_time),
        reported_domain,
        source_ip: fields.get("sender ip address").and_then(ip),
        auth_failure: Some("dmarc".into()),
        delivery_result: None,
        from_domain,
        mail_from_domain: None,
        dkim_domain: None,
        dkim_selector: None,
    })
}

/// `Name: value` fields, names lower-cased, folded lines joined; the first
/// of each name wins.
#[derive(Debug, Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(text: &str) -> Self {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = fields.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if fields.len() >= MAX_FIELDS {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                fields.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        Self(fields)
    }

    /// Like [`Fields::parse`] for text whose fields are indented (and
    /// never folded), as in Exim's reports.
    fn parse_indented(text: &str) -> Self {
        let fields = text.lines().take(MAX_FIELDS).filter_map(|line| {
            let (name, value) = line.trim().split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        });
        Self(fields.collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The domain after the last `@` of an address (angle brackets and a
/// display name allowed); `None` for the null sender `<>` or no `@`.
fn address_domain(address: &str) -> Option<String> {
    let address = address.trim();
    let inner = match (address.rfind('<'), address.rfind('>')) {
        (Some(open), Some(close)) if open < close => address.get(open + 1..close).unwrap_or_default(),
        _ => address,
    };
    let (_, host) = inner.rsplit_once('@')?;
    Some(domain(host)).filter(|d| !d.is_empty())
}

/// `header.from=` of an Authentication-Results value.
fn header_from(results: &str) -> Option<String> {
    let (_, rest) = results.split_once("header.from=")?;
    let value = rest.split([';', ' ', '\t', ')']).next().unwrap_or_default();
    Some(domain(value)).filter(|d| !d.is_empty())
}

/// Lower case, no trailing dot, no quotes or brackets, no control
/// characters or spaces, bounded.
fn domain(text: &str) -> String {
    let trimmed = text.trim().trim_matches(['<', '>', '"', '[', ']']).trim_end_matches('.');
    bounded(trimmed.chars().filter(|c| !c.is_control() && !c.is_whitespace()).flat_map(char::to_lowercase))
}

/// A one-word value (a result or selector): the first word, lower case, bounded.
fn word(text: &str) -> String {
    bounded(
        text.split_whitespace()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .flat_map(char::to_lowercase),
    )
}

fn bounded(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    for c in chars {
        if out.len() + c.len_utf8() > MAX_VALUE_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

fn ip(text: &str) -> Option<IpAddr> {
    text.trim().trim_matches(['[', ']']).parse().ok()
}

fn rfc5322_time(text: &str) -> Option<i64> {
    mail_parser::DateTime::parse_rfc822(text).filter(mail_parser::DateTime::is_valid).map(|dt| dt.to_timestamp())
}

fn shown(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(64).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const ARF: &str = "From: DMARC Reports <reports@Reporter.example>\r\n\
Subject: report\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\
\r\n\
--b\r\n\
Content-Type: text/plain\r\n\
\r\n\
A report.\r\n\
--b\r\n\
Content-Type: message/feedback-report\r\n\
\r\n\
Feedback-Type: auth-failure\r\n\
User-Agent: test/1.0\r\n\
Version: 1\r\n\
Original-Mail-From: <bounce+secret=local@Mail.Sender.example>\r\n\
Original-Rcpt-To: <private.person@office.example>\r\n\
Arrival-Date: Tue, 30 Apr 2019 02:09:00 +0000\r\n\
Source-IP: 192.0.2.7\r\n\
Reported-Domain: Office.Example\r\n\
Authentication-Results: x; dmarc=fail header.from=office.example\r\n\
Auth-Failure: DMARC\r\n\
Delivery-Result: reject\r\n\
DKIM-Domain: signer.example\r\n\
DKIM-Selector: s1\r\n\
\r\n\
--b\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
From: Someone Private <someone.private@office.example>\r\n\
Subject: a secret subject\r\n\
\r\n\
--b--\r\n";

    fn parse(raw: &str) -> Result<FailureReport, ParseError> {
        let message = MessageParser::new().parse(raw.as_bytes()).unwrap();
        parse_failure(&message, raw.as_bytes())
    }

    #[test]
    fn reads_the_arf_fields_and_keeps_no_local_parts() {
        let message = MessageParser::new().parse(ARF.as_bytes()).unwrap();
        assert!(is_feedback_report(&message));
        let r = parse(ARF).unwrap();
        assert_eq!(r.reported_domain, "office.example");
        assert_eq!(r.reporter.as_deref(), Some("reporter.example"));
        assert_eq!(r.arrival, Some(1_556_590_140));
        assert_eq!(r.source_ip, Some("192.0.2.7".parse().unwrap()));
        assert_eq!(r.auth_failure.as_deref(), Some("dmarc"));
        assert_eq!(r.delivery_result.as_deref(), Some("reject"));
        assert_eq!(r.from_domain.as_deref(), Some("office.example"));
        assert_eq!(r.mail_from_domain.as_deref(), Some("mail.sender.example"));
        assert_eq!(r.dkim_domain.as_deref(), Some("signer.example"));
        assert_eq!(r.dkim_selector.as_deref(), Some("s1"));
        assert_eq!(r.fingerprint, hex_sha256(ARF.as_bytes()));
        assert_eq!(r.fingerprint.len(), 64);
        let json = serde_json::to_string(&r).unwrap();
        for secret in ["private", "secret", "bounce"] {
            assert!(!json.contains(secret), "{secret} leaked into {json}");
        }
    }

    #[test]
    fn other_feedback_types_are_not_dmarc_reports() {
        let abuse = ARF.replace("Feedback-Type: auth-failure", "Feedback-Type: abuse");
        assert!(matches!(parse(&abuse), Err(ParseError::NotAReport { .. })));
    }

    #[test]
    fn the_reported_domain_falls_back_to_header_from() {
        let without = ARF.replace("Reported-Domain: Office.Example\r\n", "");
        assert_eq!(parse(&without).unwrap().reported_domain, "office.example");
    }

    #[test]
    fn plain_emails_are_not_reports() {
        let plain = "From: a@b.example\r\nSubject: hello\r\n\r\nJust a note about DMARC.\r\n";
        assert!(matches!(parse(plain), Err(ParseError::NotAReport { .. })));
    }

    #[test]
    fn exim_text_reports_are_read_from_their_text() {
        let exim = "From: no-reply@mx.example\r\nSubject: DMARC Forensic Report for office.example from IP 203.0.113.68\r\n\
Content-Type: text/plain\r\n\r\n\
A message claiming to be from you has failed the published DMARC policy for your domain.\r\n\r\n\
  Sender Domain: Office.example\r\n  Sender IP Address: 203.0.113.68\r\n\
  Received date: Mon, 07 Apr 2025 23:16:09 +0200\r\n\r\n\
------ This is a copy of the headers that were received before the error was detected.\r\n\r\n\
From: <user@office.example>\r\nSubject: secret\r\n";
        let r = parse(exim).unwrap();
        assert_eq!(r.reported_domain, "office.example");
        assert_eq!(r.source_ip, Some("203.0.113.68".parse().unwrap()));
        assert_eq!(r.arrival, Some(1_744_060_569));
        assert_eq!(r.from_domain.as_deref(), Some("office.example"));
        assert_eq!(r.reporter.as_deref(), Some("mx.example"));
    }

    #[test]
    fn address_domains() {
        assert_eq!(address_domain("<a@B.example.>").as_deref(), Some("b.example"));
        assert_eq!(address_domain("Name <x@y.example>").as_deref(), Some("y.example"));
        assert_eq!(address_domain("<>"), None);
        assert_eq!(address_domain(""), None);
        assert_eq!(header_from("dmarc=fail (p=none) header.from=Example.com; x").as_deref(), Some("example.com"));
    }
}
