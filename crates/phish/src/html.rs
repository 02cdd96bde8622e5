//! Reading HTML for what a reader sees and where its links go, with
//! lol_html (a streaming parser: linear time, no tree kept). Script and
//! style content is not text; entities in text and attributes are decoded.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use lol_html::html_content::EndTag;
use lol_html::{EndTagHandler, HtmlRewriter, Settings, doc_text, element, text};

use crate::Limits;

/// A link: where it goes and what the reader is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The destination as written (entities decoded, trimmed).
    pub href: String,
    /// The visible text of the link (empty for a bare URL in plain text).
    pub text: String,
}

/// What reading an HTML document found.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub(crate) text: String,
    pub(crate) links: Vec<Link>,
    pub(crate) forms: Vec<String>,
    /// Password boxes to type into.
    pub(crate) password_fields: usize,
}

#[derive(Default)]
struct State {
    page: Page,
    /// Inside a link (its index) — its text is collected.
    link: Option<usize>,
}

/// Read `source` (already cut to the HTML limit).
pub(crate) fn read(source: &str, limits: &Limits) -> Page {
    let state = Rc::new(RefCell::new(State::default()));
    let hidden = Rc::new(Cell::new(0_u32));
    let max_text = limits.max_text_bytes;
    let max_links = limits.max_links;
    let result = {
        let (s1, s2, s3, s4, s5) = (state.clone(), state.clone(), state.clone(), state.clone(), state.clone());
        let (h1, h2) = (hidden.clone(), hidden.clone());
        let mut rewriter = HtmlRewriter::new(
            Settings {
                element_content_handlers: vec![
                    element!("a[href], area[href]", move |el| {
                        let href = decode(el.get_attribute("href").unwrap_or_default().trim());
                        let mut st = s1.borrow_mut();
                        if st.page.links.len() < max_links {
                            st.page.links.push(Link { href, text: String::new() });
                            st.link = Some(st.page.links.len() - 1);
                        }
                        Ok(())
                    }),
                    text!("a[href]", move |t| {
                        let mut st = s2.borrow_mut();
                        if let Some(i) = st.link
                            && let Some(link) = st.page.links.get_mut(i)
                            && link.text.len() < 1024
                        {
                            // The link's text may go on after inner tags; it is
                            // closed by the next link, which is close enough.
                            link.text.push_str(&decode(t.as_str()));
                        }
                        Ok(())
                    }),
                    element!("form", move |el| {
                        let action = decode(el.get_attribute("action").unwrap_or_default().trim());
                        let mut st = s3.borrow_mut();
                        if st.page.forms.len() < 50 {
                            st.page.forms.push(action);
                        }
                        Ok(())
                    }),
                    element!("input[type=password]", move |_el| {
                        let mut st = s5.borrow_mut();
                        st.page.password_fields = st.page.password_fields.saturating_add(1);
                        Ok(())
                    }),
                    element!("script, style, title, head", move |el| {
                        h1.set(h1.get().saturating_add(1));
                        let h = h1.clone();
                        if let Some(handlers) = el.end_tag_handlers() {
                            let close: EndTagHandler<'static> = Box::new(move |_end: &mut EndTag<'_>| {
                                h.set(h.get().saturating_sub(1));
                                Ok(())
                            });
                            handlers.push(close);
                        }
                        Ok(())
                    }),
                ],
                document_content_handlers: vec![doc_text!(move |t| {
                    if h2.get() == 0 {
                        let mut st = s4.borrow_mut();
                        if st.page.text.len() < max_text {
                            let chunk = decode(t.as_str());
                            st.page.text.push_str(&chunk);
                            if t.last_in_text_node() {
                                st.page.text.push(' ');
                            }
                        }
                    }
                    Ok(())
                })],
                ..Settings::new()
            },
            |_: &[u8]| {},
        );
        rewriter.write(source.as_bytes()).and_then(|()| rewriter.end())
    };
    // A parse error leaves what was read so far, which is what we want.
    let _ = result;
    let mut page = std::mem::take(&mut state.borrow_mut().page);
    page.text = squeeze(&page.text);
    for link in &mut page.links {
        link.text = squeeze(&link.text);
    }
    page
}

/// Bare URLs in plain text (`http://`, `https://`, `www.`), at most `max` links in all.
pub(crate) fn plain_links(text: &str, links: &mut Vec<Link>, max: usize) {
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']')) {
        if links.len() >= max {
            return;
        }
        let lower = word.get(..8).unwrap_or(word).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
            let href = word.trim_end_matches(['.', ',', ';', ':', '!', '?']);
            if href.len() > 4 && !links.iter().any(|l| l.href == href) {
                links.push(Link { href: href.to_owned(), text: String::new() });
            }
        }
    }
}

/// Runs of white space made one space; trimmed.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decode the character references that matter for reading text and URLs.
pub(crate) fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(rest.get(..at).unwrap_or_default());
        let after = rest.get(at + 1..).unwrap_or_default();
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| after.get(..e)).and_then(reference);
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = after.get(e + 1..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn reference(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_their_visible_text_and_scripts_are_not_text() {
        let page = read(
            r#"<html><head><title>T</title><style>p{}</style></head><body><p>Dear &amp; customer</p>
            <a href="https://evil.example/login?a=1&amp;b=2"><b>www.hmrc.gov.uk</b></a>
            <script>var x = "hidden";</script><form action="https://collect.example/p"></form></body></html>"#,
            &Limits::default(),
        );
        assert_eq!(
            page.links,
            vec![Link { href: "https://evil.example/login?a=1&b=2".into(), text: "www.hmrc.gov.uk".into() }]
        );
        assert!(page.text.contains("Dear & customer"), "{}", page.text);
        assert!(!page.text.contains("hidden") && !page.text.contains("p{}"), "{}", page.text);
        assert_eq!(page.forms, vec!["https://collect.example/p".to_owned()]);
    }

    #[test]
    fn bare_urls_in_plain_text_are_links() {
        let mut links = Vec::new();
        plain_links("Visit https://a.example/x. Or (www.b.example) now", &mut links, 10);
        let hrefs: Vec<_> = links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(hrefs, vec!["https://a.example/x", "www.b.example"]);
    }

    #[test]
    fn references_decode_and_broken_ones_stay() {
        assert_eq!(decode("a&#65;&#x42;&amp;&bogus;&"), "aAB&&bogus;&");
    }
}
