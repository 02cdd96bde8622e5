//! The bounded view of an email that the signals read: who it is from,
//! what it says, where its links go and what is attached. Built once with
//! mail-parser; every list is capped by [`Limits`].

use mail_parser::{Address, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use crate::html::{self, Link};
use crate::{Limits, TriageError};

/// Forwarded emails (`message/rfc822`) looked into, at most.
const MAX_FORWARD_DEPTH: u8 = 3;

/// Header fields every email has at least one of.
const KNOWN_HEADERS: &[&str] = &["From", "To", "Subject", "Date", "Received", "Message-ID", "Return-Path", "Sender"];

/// A name and address from a header, address lowercased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mailbox {
    /// The display name, if any.
    pub name: Option<String>,
    /// The address, lowercase (may be empty or odd: it is attacker-written).
    pub address: String,
}

impl Mailbox {
    /// The part after the last `@`, lowercase; empty when there is none.
    pub fn domain(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(_, d)| d.trim_end_matches('>'))
    }
}

/// An attachment: what it claims to be and what it is.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    /// Its file name, as given (may be absent or hostile).
    pub name: Option<String>,
    /// Its declared content type, lowercase (`type/subtype`).
    pub content_type: String,
    /// Its decoded content.
    pub bytes: Vec<u8>,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
}

/// Header facts for display (the safe view, the log).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The From header as shown to people.
    pub from: String,
    /// The subject.
    pub subject: String,
    /// The Date header, as written.
    pub date: String,
}

/// One email, reduced to what triage looks at.
#[derive(Debug, Clone, Default)]
pub struct Email {
    /// From (the first mailbox with an address, else the first).
    pub from: Option<Mailbox>,
    /// The From address's local part as written (case kept).
    pub from_local: String,
    /// Mailboxes in From (more than one is unusual).
    pub from_count: usize,
    /// Reply-To addresses.
    pub reply_to: Vec<Mailbox>,
    /// The To addresses, lowercase.
    pub to: Vec<String>,
    /// The Return-Path (envelope sender) address, lowercase.
    pub return_path: Option<String>,
    /// The subject.
    pub subject: String,
    /// Raw Authentication-Results header values, newest (topmost) first.
    pub authentication_results: Vec<String>,
    /// The body as text (HTML turned into its visible text), bounded.
    pub text: String,
    /// Whether any body part was HTML.
    pub has_html: bool,
    /// Links, from HTML and plain text, bounded.
    pub links: Vec<Link>,
    /// The links among `links` that were read from QR codes in images.
    pub qr_links: Vec<String>,
    /// Form targets in HTML bodies or attachments.
    pub forms: Vec<String>,
    /// Password boxes in HTML bodies or attachments.
    pub password_fields: usize,
    /// Attachments, including those of forwarded emails.
    pub attachments: Vec<Attachment>,
    /// The Date header, as written.
    pub date: String,
    /// Parts the message had beyond what was read.
    pub truncated: bool,
}

impl Email {
    /// Parse `raw` within `limits`.
    pub fn parse(raw: &[u8], limits: &Limits) -> Result<Self, TriageError> {
        if raw.len() > limits.max_message_bytes {
            return Err(TriageError::TooLarge { size: raw.len(), limit: limits.max_message_bytes });
        }
        let message = MessageParser::new().parse(raw).ok_or(TriageError::NotAnEmail("it has no header fields"))?;
        if !message.headers().iter().any(|h| KNOWN_HEADERS.iter().any(|k| h.name().eq_ignore_ascii_case(k))) {
            return Err(TriageError::NotAnEmail("it has none of an email's header fields (From, To, Subject, Date…)"));
        }
        let mut email = Self {
            from: message.from().and_then(first_mailbox),
            from_count: message.from().map_or(0, |a| a.iter().count()),
            from_local: message
                .from()
                .and_then(|a| a.iter().find_map(|m| m.address().filter(|x| x.contains('@'))))
                .and_then(|a| a.rsplit_once('@').map(|(local, _)| local.trim().to_owned()))
                .unwrap_or_default(),
            reply_to: message.reply_to().map(mailboxes).unwrap_or_default(),
            to: message
                .to()
                .map(mailboxes)
                .unwrap_or_default()
                .into_iter()
                .map(|m| m.address)
                .filter(|a| a.contains('@'))
                .collect(),
            return_path: message.return_address().map(|a| a.trim_matches(['<', '>']).to_ascii_lowercase()),
            subject: message.subject().unwrap_or_default().to_owned(),
            authentication_results: header_texts(&message, "authentication-results"),
            date: message.header_raw("Date").unwrap_or_default().trim().to_owned(),
            ..Self::default()
        };
        let mut budget = limits.max_parts;
        email.read_parts(&message, limits, &mut budget, 0);
        Ok(email)
    }

    /// The header facts people see.
    pub fn summary(&self) -> Summary {
        let from = self.from.as_ref().map_or_else(String::new, |m| match &m.name {
            Some(name) => format!("{name} <{}>", m.address),
            None => m.address.clone(),
        });
        Summary { from, subject: self.subject.clone(), date: self.date.clone() }
    }

    /// The text of the body and subject, lowercase, for phrase matching.
    pub fn lower_text(&self) -> String {
        let mut text = String::with_capacity(self.subject.len() + self.text.len() + 1);
        text.push_str(&self.subject.to_lowercase());
        text.push('\n');
        text.push_str(&self.text.to_lowercase());
        text
    }

    fn read_parts(&mut self, message: &Message<'_>, limits: &Limits, budget: &mut usize, depth: u8) {
        for part in &message.parts {
            if *budget == 0 {
                self.truncated = true;
                return;
            }
            *budget -= 1;
            match &part.body {
                PartType::Multipart(_) => {}
                PartType::Message(inner) if depth < MAX_FORWARD_DEPTH => {
                    self.read_parts(inner, limits, budget, depth + 1);
                }
                PartType::Message(_) => self.truncated = true,
                PartType::Text(text) if !is_attachment(part) => self.add_text(text, limits),
                PartType::Html(html) if !is_attachment(part) => self.add_html(html, limits),
                _ => self.add_attachment(part, limits),
            }
        }
    }

    fn add_text(&mut self, text: &str, limits: &Limits) {
        let room = limits.max_text_bytes.saturating_sub(self.text.len());
        let text = cut(text, room);
        html::plain_links(text, &mut self.links, limits.max_links);
        push_text(&mut self.text, text, limits.max_text_bytes);
    }

    fn add_html(&mut self, source: &str, limits: &Limits) {
        self.has_html = true;
        let source = cut(source, limits.max_html_bytes);
        let text = self.add_page(html::read(source, limits), limits);
        push_text(&mut self.text, &text, limits.max_text_bytes);
    }

    /// Keep a read page's links, forms and password boxes; its text is
    /// returned for the caller to keep or not.
    fn add_page(&mut self, page: html::Page, limits: &Limits) -> String {
        self.links.extend(page.links.into_iter().take(limits.max_links.saturating_sub(self.links.len())));
        self.forms.extend(page.forms);
        self.password_fields += page.password_fields;
        page.text
    }

    fn add_attachment(&mut self, part: &MessagePart<'_>, limits: &Limits) {
        let bytes = part.contents();
        let content_type = part.content_type().map_or_else(String::new, |ct| {
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase()
        });
        if is_html_type(&content_type) || bytes_look_like_html(bytes) {
            let source = String::from_utf8_lossy(bytes.get(..limits.max_html_bytes).unwrap_or(bytes));
            // An attached page's text is not the message's.
            self.add_page(html::read(&source, limits), limits);
        }
        if crate::pdf::is_pdf(bytes) {
            // Links hidden in a PDF are links of the message all the same.
            let room = limits.max_links.saturating_sub(self.links.len());
            self.links.extend(crate::pdf::uris(bytes, room).into_iter().map(|href| Link { href, text: String::new() }));
        }
        if crate::qr::is_image(&content_type, bytes) {
            self.add_qr_links(bytes, limits);
        }
        let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(bytes));
        let name = part.attachment_name().map(str::to_owned);
        self.attachments.push(Attachment { name, content_type, bytes: bytes.to_vec(), sha256 });
    }

    /// Links in the QR codes of an image part, attached or inline
    /// ("quishing": mail filters do not read pictures). Only the first
    /// `max_qr_images` images are searched: each costs a decode.
    fn add_qr_links(&mut self, bytes: &[u8], limits: &Limits) {
        let searched = self.attachments.iter().filter(|a| crate::qr::is_image(&a.content_type, &a.bytes)).count();
        let room = limits.max_links.saturating_sub(self.links.len());
        if searched >= limits.max_qr_images || room == 0 {
            return;
        }
        for href in crate::qr::links_in_image(bytes, limits).into_iter().take(room) {
            self.links.push(Link { href: href.clone(), text: String::new() });
            self.qr_links.push(href);
        }
    }
}

fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.content_disposition().is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
}

fn is_html_type(content_type: &str) -> bool {
    matches!(content_type, "text/html" | "application/xhtml+xml" | "image/svg+xml")
}

fn bytes_look_like_html(bytes: &[u8]) -> bool {
    let head = bytes.get(..512).unwrap_or(bytes);
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    head.contains("<html") || head.contains("<script") || head.contains("<svg") || head.contains("<form")
}

fn first_mailbox(address: &Address<'_>) -> Option<Mailbox> {
    let all = mailboxes(address);
    let with_address = all.iter().position(|m| m.address.contains('@')).unwrap_or(0);
    all.into_iter().nth(with_address)
}

fn mailboxes(address: &Address<'_>) -> Vec<Mailbox> {
    address
        .iter()
        .take(20)
        .map(|a| Mailbox {
            name: a.name().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
            address: a.address().unwrap_or_default().trim().to_ascii_lowercase(),
        })
        .collect()
}

fn header_texts(message: &Message<'_>, name: &str) -> Vec<String> {
    message
        .headers_raw()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .take(20)
        .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// At most `max` bytes of `s`, cut at a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

fn push_text(into: &mut String, text: &str, max: usize) {
    let room = max.saturating_sub(into.len());
    if room > 1 {
        if !into.is_empty() {
            into.push('\n');
        }
        into.push_str(cut(text, room - 1));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests;
