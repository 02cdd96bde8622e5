//! SPF macro strings (RFC 7208 section 7): checking their syntax, and
//! expanding the one macro a static check can know, `%{d}` (the domain
//! whose record is being read). Everything else depends on the message
//! being checked (the sender's address, its IP, its HELO name) and cannot
//! be expanded without one.

use std::fmt;

/// The longest name a query may use; longer expansions lose labels on the
/// left (RFC 7208 7.3).
const MAX_NAME: usize = 253;
/// The longest DNS label.
const MAX_LABEL: usize = 63;

/// One piece of a macro string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacroPart {
    /// Text taken as it is.
    Literal(String),
    /// `%{letter digits r delimiters}`.
    Expand(MacroExpand),
    /// `%%` (a percent sign), `%_` (a space) or `%-` (`%20`): the character
    /// after the `%`.
    Escape(char),
}

/// A `%{…}` macro (RFC 7208 7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroExpand {
    /// The macro letter, lower-case (`s l o d i p h c r t v`).
    pub letter: char,
    /// Written in upper case: the value is URL-escaped (RFC 7208 7.3).
    pub escape: bool,
    /// Keep only this many right-hand parts.
    pub digits: Option<u32>,
    /// Reverse the parts first.
    pub reverse: bool,
    /// Characters to split on (`.` if none are given).
    pub delimiters: String,
}

/// A checked macro string: the text as written and its pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroString {
    /// The text as written in the record.
    pub text: String,
    /// Its pieces, in order.
    pub parts: Vec<MacroPart>,
}

/// Letters that only the explanation text may use (RFC 7208 7.2).
const EXP_ONLY: [char; 3] = ['c', 'r', 't'];
/// Every macro letter (RFC 7208 7.2).
const LETTERS: [char; 11] = ['s', 'l', 'o', 'd', 'i', 'p', 'h', 'c', 'r', 't', 'v'];
/// Characters allowed between the transformers and `}` (RFC 7208 7.1).
const DELIMITERS: [char; 7] = ['.', '-', '+', ',', '/', '_', '='];

impl MacroString {
    /// Check `text` as a macro string; the error says what is wrong in
    /// plain words.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                // macro-literal: visible ASCII except "%" (RFC 7208 7.1).
                if !c.is_ascii_graphic() {
                    return Err(format!("the character {c:?} is not allowed in '{text}'"));
                }
                literal.push(c);
                continue;
            }
            if !literal.is_empty() {
                parts.push(MacroPart::Literal(std::mem::take(&mut literal)));
            }
            match chars.next() {
                Some(e @ ('%' | '_' | '-')) => parts.push(MacroPart::Escape(e)),
                Some('{') => parts.push(MacroPart::Expand(parse_expand(&mut chars, text)?)),
                _ => return Err(format!("a lone '%' in '{text}' (write %% for a percent sign)")),
            }
        }
        if !literal.is_empty() {
            parts.push(MacroPart::Literal(literal));
        }
        Ok(Self { text: text.to_owned(), parts })
    }

    /// Check `text` as a domain-spec: a macro string that ends in a
    /// top-level label or a macro, and uses no explanation-only letters
    /// (RFC 7208 7.1, 7.2).
    pub fn parse_domain_spec(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("a domain is missing".to_owned());
        }
        let spec = Self::parse(text)?;
        if let Some(letter) = spec.macros().map(|m| m.letter).find(|l| EXP_ONLY.contains(l)) {
            return Err(format!("'%{{{letter}}}' in '{text}' may only be used in explanation text"));
        }
        // A final dot straight after a macro (`%{d}.`) is read as a fully
        // qualified name, as receivers do, though the ABNF is stricter.
        match spec.parts.as_slice() {
            [.., MacroPart::Expand(_) | MacroPart::Escape(_), MacroPart::Literal(dot)] if dot == "." => {}
            [.., MacroPart::Literal(tail)] => check_domain_end(tail, text)?,
            _ => {}
        }
        if spec.is_literal() {
            check_labels(&normalise(text), text)?;
        }
        Ok(spec)
    }

    fn macros(&self) -> impl Iterator<Item = &MacroExpand> {
        self.parts.iter().filter_map(|p| match p {
            MacroPart::Expand(m) => Some(m),
            _ => None,
        })
    }

    /// No macros at all: the text is the domain.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, MacroPart::Literal(_)))
    }

    /// The macro letters that need the message being checked (everything
    /// but `d`), in order, without repeats.
    pub fn sender_macros(&self) -> Vec<char> {
        let mut out = Vec::new();
        for letter in self.macros().map(|m| m.letter).filter(|l| *l != 'd') {
            if !out.contains(&letter) {
                out.push(letter);
            }
        }
        out
    }

    /// The name to query when the record belongs to `domain`, or `None` if
    /// a macro needs the message being checked. The result is lower-case,
    /// without a trailing dot, cut to 253 characters from the left.
    pub fn expand(&self, domain: &str) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                MacroPart::Literal(s) => out.push_str(s),
                MacroPart::Escape('%') => out.push('%'),
                MacroPart::Escape('_') => out.push(' '),
                MacroPart::Escape(_) => out.push_str("%20"),
                MacroPart::Expand(m) if m.letter == 'd' => out.push_str(&m.transform(domain)),
                MacroPart::Expand(_) => return None,
            }
        }
        Some(truncate_left(&normalise(&out)))
    }
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl MacroExpand {
    /// Apply the transformers to `value` (RFC 7208 7.3): split on the
    /// delimiters, reverse if asked, keep the right-most `digits` parts,
    /// join with dots.
    fn transform(&self, value: &str) -> String {
        let delimiters: Vec<char> =
            if self.delimiters.is_empty() { vec!['.'] } else { self.delimiters.chars().collect() };
        let mut parts: Vec<&str> = value.split(|c| delimiters.contains(&c)).collect();
        if self.reverse {
            parts.reverse();
        }
        let keep = self.digits.map_or(parts.len(), |d| usize::try_from(d).unwrap_or(usize::MAX));
        let skip = parts.len().saturating_sub(keep);
        parts.into_iter().skip(skip).collect::<Vec<_>>().join(".")
    }
}

/// Read `letter *DIGIT ["r"] *delimiter "}"` after `%{`.
fn parse_expand(chars: &mut std::str::Chars<'_>, text: &str) -> Result<MacroExpand, String> {
    let bad = || format!("an incomplete or invalid macro in '{text}'");
    let first = chars.next().ok_or_else(bad)?;
    let letter = first.to_ascii_lowercase();
    if !LETTERS.contains(&letter) {
        return Err(format!("'%{{{first}' in '{text}' is not a known macro"));
    }
    let mut m = MacroExpand {
        letter,
        escape: first.is_ascii_uppercase(),
        digits: None,
        reverse: false,
        delimiters: String::new(),
    };
    let mut c = chars.next().ok_or_else(bad)?;
    while let Some(d) = c.to_digit(10) {
        // Saturate: "more parts than are available" means all of them.
        m.digits = Some(m.digits.unwrap_or(0).saturating_mul(10).saturating_add(d));
        c = chars.next().ok_or_else(bad)?;
    }
    if m.digits == Some(0) {
        return Err(format!("a macro in '{text}' asks for zero parts (RFC 7208 7.3 requires a non-zero number)"));
    }
    if c.eq_ignore_ascii_case(&'r') {
        m.reverse = true;
        c = chars.next().ok_or_else(bad)?;
    }
    while DELIMITERS.contains(&c) {
        m.delimiters.push(c);
        c = chars.next().ok_or_else(bad)?;
    }
    if c == '}' { Ok(m) } else { Err(bad()) }
}

/// The literal end of a domain-spec must be `.` toplabel with an optional
/// final dot (RFC 7208 7.1 `domain-end`).
fn check_domain_end(tail: &str, text: &str) -> Result<(), String> {
    let tail = tail.strip_suffix('.').unwrap_or(tail);
    let top = tail.rsplit_once('.').map(|(_, top)| top);
    match top {
        Some(top) if is_toplabel(top) => Ok(()),
        _ => Err(format!("'{text}' is not a full domain name (like example.com)")),
    }
}

/// `toplabel` (RFC 7208 7.1): letters, digits and inner hyphens, not all
/// digits unless a hyphen is present.
fn is_toplabel(label: &str) -> bool {
    let bytes = label.as_bytes();
    let inner_ok = bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-');
    let ends_ok =
        bytes.first().is_some_and(u8::is_ascii_alphanumeric) && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
    inner_ok && ends_ok && bytes.iter().any(|b| b.is_ascii_alphabetic() || *b == b'-')
}

/// Lower-case, without a final dot.
fn normalise(name: &str) -> String {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.to_ascii_lowercase()
}

/// No empty labels, none over 63 characters (RFC 7208 4.3 "malformed").
pub fn check_labels(name: &str, text: &str) -> Result<(), String> {
    let ok = name.split('.').all(|l| !l.is_empty() && l.len() <= MAX_LABEL);
    if ok { Ok(()) } else { Err(format!("'{text}' is not a valid domain name")) }
}

/// Drop labels from the left until the name fits in 253 characters
/// (RFC 7208 7.3).
fn truncate_left(name: &str) -> String {
    let mut rest = name;
    while rest.len() > MAX_NAME {
        match rest.split_once('.') {
            Some((_, after)) => rest = after,
            None => break,
        }
    }
    rest.to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_d_macro_expands_to_the_domain_with_transformers() {
        let spec = MacroString::parse_domain_spec("_spf.%{d}").unwrap();
        assert_eq!(spec.expand("example.org").as_deref(), Some("_spf.example.org"));
        let two = MacroString::parse_domain_spec("%{d2}").unwrap();
        assert_eq!(two.expand("mail.example.org").as_deref(), Some("example.org"));
        let rev = MacroString::parse_domain_spec("%{dr}.rev.example").unwrap();
        assert_eq!(rev.expand("a.b.c").as_deref(), Some("c.b.a.rev.example"));
        let upper = MacroString::parse_domain_spec("X.%{D}.").unwrap();
        assert_eq!(upper.expand("Example.ORG").as_deref(), Some("x.example.org"));
    }

    #[test]
    fn sender_macros_cannot_be_expanded_but_are_valid() {
        let spec = MacroString::parse_domain_spec("%{i}._spf.%{d}").unwrap();
        assert_eq!(spec.sender_macros(), vec!['i']);
        assert_eq!(spec.expand("example.org"), None);
        for ok in ["%{ir}.%{v}._spf.%{d2}", "%{l1r-}.u.%{d}", "%{s}", "%{h}.x.example", "%{p}.x.example", "%{o}.ex.com"]
        {
            assert!(MacroString::parse_domain_spec(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn escapes_and_explanation_letters() {
        let text = MacroString::parse("%{c} %% %_ %-").err();
        assert!(text.is_some(), "a space is not a macro literal");
        let ok = MacroString::parse("%{c}%%%_%-%{r}%{t}").unwrap();
        assert_eq!(ok.parts.len(), 6);
        let err = MacroString::parse_domain_spec("%{c}.example.com").unwrap_err();
        assert!(err.contains("explanation"), "{err}");
    }

    #[test]
    fn malformed_macros_are_refused_with_a_reason() {
        for bad in [
            "%{x}.example.com",
            "%{d",
            "%{d0}.example.com",
            "%",
            "a%b.example.com",
            "%{d2r+x}.example.com",
            "example",
            "example.123",
            "example.-com",
            "a..b.example",
            "bücher.example",
            "",
        ] {
            assert!(MacroString::parse_domain_spec(bad).is_err(), "{bad} should be refused");
        }
        let long = format!("{}.example.com", "a".repeat(64));
        assert!(MacroString::parse_domain_spec(&long).is_err());
    }

    #[test]
    fn domain_ends_accept_the_rfc_forms() {
        for ok in ["example.com", "example.com.", "x.1-2", "%{d}", "a.%{d}.%%", "_spf.google.com"] {
            assert!(MacroString::parse_domain_spec(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn long_expansions_are_cut_from_the_left() {
        let spec = MacroString::parse_domain_spec("%{d}.%{d}.%{d}").unwrap();
        let domain = format!("{}.example", "a".repeat(60));
        let out = spec.expand(&domain).unwrap();
        assert!(out.len() <= 253 && out.ends_with(".example"), "{out}");
    }
}
