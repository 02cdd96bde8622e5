//! Reading the untagged responses this client asks for: CAPABILITY,
//! SEARCH, FETCH (UID, RFC822.SIZE, BODY[]) and LIST. A small tokenizer
//! over RFC 3501's syntax (atoms, quoted strings, literals, NIL and
//! parenthesised lists); anything it does not understand is skipped, never
//! guessed at.

use std::borrow::Cow;

/// One piece of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    /// An atom or number; `BODY[]<0>` counts as one.
    Atom(&'a [u8]),
    /// A quoted string or a literal.
    Str(Cow<'a, [u8]>),
    Open,
    Close,
}

/// Walks a response's bytes.
struct Tokens<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn peek_byte(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        while matches!(self.peek_byte(), Some(b' ' | b'\r' | b'\n')) {
            self.pos += 1;
        }
        let first = self.peek_byte()?;
        match first {
            b'(' => {
                self.pos += 1;
                Some(Token::Open)
            }
            b')' => {
                self.pos += 1;
                Some(Token::Close)
            }
            b'"' => self.quoted(),
            b'{' => self.literal(),
            _ => self.atom(),
        }
    }

    fn quoted(&mut self) -> Option<Token<'a>> {
        let mut out = Vec::new();
        self.pos += 1;
        loop {
            let b = self.peek_byte()?;
            self.pos += 1;
            match b {
                b'"' => return Some(Token::Str(Cow::Owned(out))),
                b'\\' => {
                    out.push(self.peek_byte()?);
                    self.pos += 1;
                }
                b'\r' | b'\n' => return None,
                _ => out.push(b),
            }
        }
    }

    fn literal(&mut self) -> Option<Token<'a>> {
        let rest = self.bytes.get(self.pos + 1..)?;
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let len: usize = std::str::from_utf8(rest.get(..digits)?).ok()?.parse().ok()?;
        let after = rest.get(digits..)?;
        let skip = if after.starts_with(b"}\r\n") {
            3
        } else if after.starts_with(b"}\n") {
            2
        } else {
            return None;
        };
        let start = self.pos + 1 + digits + skip;
        let data = self.bytes.get(start..start.checked_add(len)?)?;
        self.pos = start + len;
        Some(Token::Str(Cow::Borrowed(data)))
    }

    fn atom(&mut self) -> Option<Token<'a>> {
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(b) = self.peek_byte() {
            match b {
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b' ' | b'(' | b')' | b'\r' | b'\n' if depth == 0 => break,
                b'\r' | b'\n' => break,
                _ => {}
            }
            self.pos += 1;
        }
        self.bytes.get(start..self.pos).map(Token::Atom)
    }

    /// Skip one value (a whole list when it is one). `false` at the end.
    fn skip_value(&mut self, first: Token<'a>) -> bool {
        if first != Token::Open {
            return true;
        }
        let mut depth = 1usize;
        while depth > 0 {
            match self.next_token() {
                None => return false,
                Some(Token::Open) => depth += 1,
                Some(Token::Close) => depth -= 1,
                Some(_) => {}
            }
        }
        true
    }
}

fn is_word(token: &Option<Token<'_>>, word: &str) -> bool {
    matches!(token, Some(Token::Atom(a)) if a.eq_ignore_ascii_case(word.as_bytes()))
}

fn number<T: std::str::FromStr>(token: &Token<'_>) -> Option<T> {
    match token {
        Token::Atom(a) => std::str::from_utf8(a).ok()?.parse().ok(),
        _ => None,
    }
}

/// The capabilities named in `* CAPABILITY ...` responses, upper-cased.
pub(crate) fn capabilities(untagged: &[Vec<u8>]) -> Vec<String> {
    let mut found = Vec::new();
    for response in untagged {
        let mut t = Tokens::new(response);
        if !is_word(&t.next_token(), "*") || !is_word(&t.next_token(), "CAPABILITY") {
            continue;
        }
        while let Some(Token::Atom(a)) = t.next_token() {
            found.push(String::from_utf8_lossy(a).to_ascii_uppercase());
        }
    }
    found
}

/// The numbers in `* SEARCH ...` responses, sorted, without repeats.
pub(crate) fn search(untagged: &[Vec<u8>]) -> Vec<u32> {
    let mut found = Vec::new();
    for response in untagged {
        let mut t = Tokens::new(response);
        if !is_word(&t.next_token(), "*") || !is_word(&t.next_token(), "SEARCH") {
            continue;
        }
        while let Some(token) = t.next_token() {
            if let Some(n) = number(&token) {
                found.push(n);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// What one `* n FETCH (...)` response said about a message.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Fetched {
    pub(crate) uid: Option<u32>,
    pub(crate) size: Option<u64>,
    /// `BODY[]` (or its partial form `BODY[]<0>`); `None` when absent or NIL.
    pub(crate) body: Option<Vec<u8>>,
}

/// Every FETCH response among `untagged` (the server may add some about
/// other messages; callers pick by UID).
pub(crate) fn fetches(untagged: &[Vec<u8>]) -> Vec<Fetched> {
    untagged.iter().filter_map(|r| fetch(r)).collect()
}

fn fetch(response: &[u8]) -> Option<Fetched> {
    let mut t = Tokens::new(response);
    if !is_word(&t.next_token(), "*") {
        return None;
    }
    number::<u32>(&t.next_token()?)?;
    if !is_word(&t.next_token(), "FETCH") || t.next_token()? != Token::Open {
        return None;
    }
    let mut item = Fetched::default();
    loop {
        let key = match t.next_token()? {
            Token::Close => return Some(item),
            Token::Atom(a) => a.to_ascii_uppercase(),
            _ => return None,
        };
        let value = t.next_token()?;
        if key == b"UID" {
            item.uid = number(&value);
        } else if key == b"RFC822.SIZE" {
            item.size = number(&value);
        } else if key.starts_with(b"BODY[]") {
            item.body = match value {
                Token::Str(s) => Some(s.into_owned()),
                _ => None,
            };
        } else if !t.skip_value(value) {
            return None;
        }
    }
}

/// The raw (still encoded) names in `* LIST (...) delimiter name` responses.
pub(crate) fn listed_names(untagged: &[Vec<u8>]) -> Vec<Vec<u8>> {
    untagged.iter().filter_map(|r| listed_name(r)).collect()
}

fn listed_name(response: &[u8]) -> Option<Vec<u8>> {
    let mut t = Tokens::new(response);
    if !is_word(&t.next_token(), "*") || !is_word(&t.next_token(), "LIST") {
        return None;
    }
    let attributes = t.next_token()?;
    if attributes != Token::Open || !t.skip_value(attributes) {
        return None;
    }
    t.next_token()?; // the hierarchy delimiter, or NIL
    match t.next_token()? {
        Token::Atom(a) => Some(a.to_vec()),
        Token::Str(s) => Some(s.into_owned()),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn lines(all: &[&[u8]]) -> Vec<Vec<u8>> {
        all.iter().map(|l| l.to_vec()).collect()
    }

    #[test]
    fn reads_capabilities_and_search_results() {
        let caps = capabilities(&lines(&[b"* CAPABILITY IMAP4rev1 move UIDPLUS\r\n", b"* 2 EXISTS\r\n"]));
        assert_eq!(caps, ["IMAP4REV1", "MOVE", "UIDPLUS"]);
        assert_eq!(search(&lines(&[b"* SEARCH 7 3 9 3\r\n"])), [3, 7, 9]);
        assert!(search(&lines(&[b"* SEARCH\r\n"])).is_empty());
    }

    #[test]
    fn reads_fetch_items_with_literals_and_lists() {
        let body = b"Subject: hi\r\n\r\n(not a list) \"quoted\" {3}\r\n";
        let mut response =
            format!("* 4 FETCH (FLAGS (\\Seen (x)) UID 12 BODY[]<0> {{{}}}\r\n", body.len()).into_bytes();
        response.extend_from_slice(body);
        response.extend_from_slice(b" RFC822.SIZE 99)\r\n");
        let got = fetches(&[response, b"* 5 FETCH (UID 13 BODY[] NIL)\r\n".to_vec()]);
        assert_eq!(got[0], Fetched { uid: Some(12), size: Some(99), body: Some(body.to_vec()) });
        assert_eq!(got[1], Fetched { uid: Some(13), size: None, body: None });
    }

    #[test]
    fn a_truncated_literal_is_not_a_body() {
        assert!(fetches(&lines(&[b"* 1 FETCH (UID 1 BODY[] {50}\r\nshort)\r\n"])).is_empty());
    }

    #[test]
    fn reads_listed_names_quoted_or_not() {
        let names = listed_names(&lines(&[
            b"* LIST (\\HasNoChildren) \".\" \"Processed \\\"x\\\"\"\r\n",
            b"* LIST (\\Noselect \\HasChildren) NIL INBOX\r\n",
            b"* LIST () \"/\" {6}\r\nA&AOk-\r\n",
        ]));
        assert_eq!(names, [b"Processed \"x\"".to_vec(), b"INBOX".to_vec(), b"A&AOk-".to_vec()]);
    }
}
