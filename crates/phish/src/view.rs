//! The safe view: what a suspicious email says and where it would take the
//! reader, shown without letting it do anything.
//!
//! The HTML body goes through two passes. lol_html first writes every link's
//! destination, defanged (`hxxps://evil[.]example/login`), as visible text
//! beside the words it was hidden behind, and puts a placeholder where an
//! image or a form was. ammonia then keeps only a short list of harmless
//! text tags, with no attributes at all: no `href`, `src`, `style`, event
//! handler or class survives, so the result loads nothing, runs nothing and
//! links nowhere, and a strict Content-Security-Policy has nothing to
//! refuse. A plain-text body is escaped and never interpreted.

use std::collections::HashSet;

use lol_html::html_content::ContentType;
use lol_html::{RewriteStrSettings, element, rewrite_str};
use mail_parser::{Address, Message, MessageParser, PartType};

use crate::message::{Email, Mailbox, cut};
use crate::{Limits, TriageError, html, msg};

/// Tags kept (without attributes); everything else is unwrapped to its text.
const KEPT_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "span",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "small",
    "sub",
    "sup",
    "blockquote",
    "pre",
    "code",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "hr",
];

/// Tags dropped with everything inside them.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script",
    "style",
    "title",
    "template",
    "noscript",
    "textarea",
    "select",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "noembed",
    "noframes",
    "xmp",
    "plaintext",
    "audio",
    "video",
    "canvas",
];

/// Characters of a defanged destination shown, at most.
const MAX_SHOWN_URL: usize = 200;
/// Recipients shown, at most.
const MAX_RECIPIENTS: usize = 20;

/// The header facts shown above the body. Every value is as the message
/// wrote it: attacker-controlled text, to be escaped when shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewHeaders {
    /// From, as "Name <address>".
    pub from: String,
    /// Reply-To mailboxes.
    pub reply_to: Vec<String>,
    /// To mailboxes.
    pub to: Vec<String>,
    /// The Date header.
    pub date: String,
    /// The subject.
    pub subject: String,
    /// The topmost Authentication-Results header, summarised as
    /// "server: spf=…, dkim=…, dmarc=…" (as written: anyone can add one).
    pub authentication: Option<String>,
}

/// A link in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewLink {
    /// The words shown on it (empty for a bare URL).
    pub text: String,
    /// Where it goes, defanged so it cannot be followed by accident.
    pub destination_defanged: String,
    /// The host it goes to, lowercase; empty when it has none.
    pub host: String,
}

/// An attachment: listed, never served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewAttachment {
    /// Its file name as given (may be empty or hostile).
    pub name: String,
    /// Its declared content type.
    pub content_type: String,
    /// Its decoded size in bytes.
    pub size: usize,
    /// SHA-256 of its content, lowercase hex.
    pub sha256: String,
}

/// The message, made safe to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafeView {
    /// Header facts.
    pub headers: ViewHeaders,
    /// The body as inert HTML: sanitised markup, or escaped text in `<pre>`.
    pub body_html: String,
    /// Links, bounded by [`Limits::max_links`].
    pub links: Vec<ViewLink>,
    /// Attachments.
    pub attachments: Vec<ViewAttachment>,
    /// Whether part of the message was beyond the limits and not shown.
    pub truncated: bool,
}

/// The safe view of one email (raw RFC 5322 bytes, or an Outlook `.msg`).
pub fn safe_view(raw: &[u8], limits: &Limits) -> Result<SafeView, TriageError> {
    if raw.len() > limits.max_message_bytes {
        return Err(TriageError::TooLarge { size: raw.len(), limit: limits.max_message_bytes });
    }
    let converted;
    let bytes = if msg::is_msg(raw) {
        converted = msg::to_email(raw, limits)?;
        converted.as_slice()
    } else {
        raw
    };
    let email = Email::parse(bytes, limits)?;
    let message = MessageParser::new().parse(bytes).ok_or(TriageError::NotAnEmail("it has no header fields"))?;
    let (body_html, body_cut) = body(&message, &email, limits);
    Ok(SafeView {
        headers: headers(&email, &message),
        body_html,
        links: email.links.iter().map(|l| view_link(&l.text, &l.href)).collect(),
        attachments: email
            .attachments
            .iter()
            .map(|a| ViewAttachment {
                name: a.name.clone().unwrap_or_default(),
                content_type: a.content_type.clone(),
                size: a.bytes.len(),
                sha256: a.sha256.clone(),
            })
            .collect(),
        truncated: email.truncated || body_cut,
    })
}

fn headers(email: &Email, message: &Message<'_>) -> ViewHeaders {
    ViewHeaders {
        from: email.summary().from,
        reply_to: email.reply_to.iter().map(shown).collect(),
        to: message.to().map(recipients).unwrap_or_default(),
        date: email.date.clone(),
        subject: email.subject.clone(),
        authentication: email.authentication_results.first().map(|h| auth_summary(h)),
    }
}

fn shown(m: &Mailbox) -> String {
    match &m.name {
        Some(name) => format!("{name} <{}>", m.address),
        None => m.address.clone(),
    }
}

fn recipients(address: &Address<'_>) -> Vec<String> {
    address
        .iter()
        .take(MAX_RECIPIENTS)
        .map(|a| {
            let mailbox = Mailbox {
                name: a.name().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
                address: a.address().unwrap_or_default().trim().to_ascii_lowercase(),
            };
            shown(&mailbox)
        })
        .collect()
}

/// "server: spf=pass, dkim=fail, dmarc=fail" from one Authentication-Results value.
pub fn auth_summary(header: &str) -> String {
    let (server, rest) = header.split_once(';').unwrap_or((header, ""));
    let mut results = Vec::new();
    for method in ["spf", "dkim", "dmarc", "arc"] {
        let found = rest.split(|c: char| c.is_whitespace() || c == ';').find_map(|word| {
            let (m, r) = word.split_once('=')?;
            m.eq_ignore_ascii_case(method).then(|| r.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        });
        if let Some(result) = found {
            results.push(format!("{method}={}", result.to_ascii_lowercase()));
        }
    }
    let server = cut(server.trim(), 100);
    if results.is_empty() { format!("{server}: no results") } else { format!("{server}: {}", results.join(", ")) }
}

/// The body as inert HTML, and whether it was cut to the limits.
fn body(message: &Message<'_>, email: &Email, limits: &Limits) -> (String, bool) {
    let inline = |ids: &[u32]| ids.iter().filter_map(|id| message.parts.get(*id as usize)).map(|p| &p.body).collect();
    let html_parts: Vec<&PartType<'_>> = inline(&message.html_body);
    if let Some(source) = html_parts.iter().find_map(|p| if let PartType::Html(h) = p { Some(h) } else { None }) {
        let cut_source = cut(source, limits.max_html_bytes);
        let sanitised = sanitise_html(cut_source).unwrap_or_else(|| text_html(cut(&email.text, limits.max_text_bytes)));
        return (sanitised, cut_source.len() < source.len());
    }
    let text_parts: Vec<&PartType<'_>> = inline(&message.text_body);
    let text = text_parts.iter().find_map(|p| if let PartType::Text(t) = p { Some(t.as_ref()) } else { None });
    let text = text.unwrap_or_default().trim_end();
    let shown = cut(text, limits.max_text_bytes);
    (text_html(shown), shown.len() < text.len())
}

/// Plain text, escaped, in a `<pre>` so its line breaks stay.
fn text_html(text: &str) -> String {
    format!("<pre>{}</pre>", escape(text))
}

/// HTML-escape text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Sanitise an HTML body; `None` when it cannot be read at all.
pub fn sanitise_html(source: &str) -> Option<String> {
    let marked = mark_links_and_media(source)?;
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(KEPT_TAGS.iter().copied().collect::<HashSet<_>>())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect::<HashSet<_>>())
        .link_rel(None)
        .strip_comments(true);
    Some(builder.clean(&marked).to_string())
}

/// First pass: every link's destination written out, defanged, after its
/// words; images, forms and other embedded things replaced by a note.
fn mark_links_and_media(source: &str) -> Option<String> {
    let handlers = vec![
        element!("a[href], area[href]", |el| {
            let href = html::decode(el.get_attribute("href").unwrap_or_default().trim());
            el.after(&format!(" <code>[{}]</code>", escape(&defang(&href))), ContentType::Html);
            el.remove_attribute("href");
            Ok(())
        }),
        element!("img, image, input[type=image]", |el| {
            let alt = el.get_attribute("alt").map(|a| html::decode(a.trim())).filter(|a| !a.is_empty());
            let note = alt.map_or_else(|| "[image not shown]".to_owned(), |a| format!("[image not shown: {a}]"));
            el.replace(&note, ContentType::Text);
            Ok(())
        }),
        element!("form", |el| {
            el.before("[a form was here: never type a password into an email] ", ContentType::Text);
            el.remove_and_keep_content();
            Ok(())
        }),
        element!("input, button, select, textarea", |el| {
            el.remove();
            Ok(())
        }),
    ];
    rewrite_str(source, RewriteStrSettings { element_content_handlers: handlers, ..RewriteStrSettings::new() }).ok()
}

fn view_link(text: &str, href: &str) -> ViewLink {
    ViewLink { text: text.to_owned(), destination_defanged: defang(href), host: host_of(href) }
}

/// The lowercase host a destination goes to; empty when it has none.
pub fn host_of(href: &str) -> String {
    let trimmed = href.trim();
    let candidate = if trimmed.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www.")) {
        format!("http://{trimmed}")
    } else {
        trimmed.to_owned()
    };
    url::Url::parse(&candidate).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).unwrap_or_default()
}

/// A destination made impossible to follow by accident, in the form
/// incident responders use: `hxxps://evil[.]example/login`. Other schemes
/// get a bracketed colon (`javascript[:]…`); long ones are cut with "…".
pub fn defang(href: &str) -> String {
    let href: String = href.trim().chars().filter(|c| !c.is_control()).collect();
    let lower = href.to_ascii_lowercase();
    let out = if let Some(rest) = strip_scheme(&href, &lower, "https://") {
        format!("hxxps://{}", defang_host_part(rest))
    } else if let Some(rest) = strip_scheme(&href, &lower, "http://") {
        format!("hxxp://{}", defang_host_part(rest))
    } else if lower.starts_with("www.") {
        defang_host_part(&href)
    } else if let Some((scheme, rest)) = href.split_once(':') {
        format!("{scheme}[:]{}", rest.replace('.', "[.]"))
    } else {
        href.replace('.', "[.]")
    };
    let mut chars = out.chars();
    let shown: String = chars.by_ref().take(MAX_SHOWN_URL).collect();
    if chars.next().is_some() { format!("{shown}…") } else { shown }
}

fn strip_scheme<'a>(href: &'a str, lower: &str, scheme: &str) -> Option<&'a str> {
    if lower.starts_with(scheme) { href.get(scheme.len()..) } else { None }
}

/// `host.example/path` with the host's dots bracketed.
fn defang_host_part(rest: &str) -> String {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(end);
    format!("{}{path}", host.replace('.', "[.]"))
}

#[cfg(test)]
mod tests;
