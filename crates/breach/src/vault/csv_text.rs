//! CSV exports: decoding the bytes to text, splitting records, and mapping
//! columns by header name.
//!
//! The reader is our own small RFC 4180 parser rather than the `csv` crate,
//! so that every buffer that holds a field (a password) is ours to wipe:
//! fields live in [`Zeroizing`] strings and are moved, not copied, into the
//! [`crate::vault::Entry`].

use std::collections::HashMap;
use std::iter::Peekable;
use std::str::Chars;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use zeroize::Zeroizing;

use super::{Limits, VaultError};

/// An export decoded to text: borrowed when the bytes were already UTF-8,
/// otherwise a decoded copy that is wiped when dropped.
pub(crate) enum Text<'a> {
    /// The input, which was valid UTF-8 (BOM removed).
    Borrowed(&'a str),
    /// A decoded copy (UTF-16, or Windows-1252 bytes that were not UTF-8).
    Owned(Zeroizing<String>),
}

impl Text<'_> {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Borrowed(text) => text,
            Self::Owned(text) => text,
        }
    }
}

/// Decodes an export: a UTF-8, UTF-16 LE or UTF-16 BE byte-order mark is
/// honoured (and removed); bytes without one are UTF-8 if they are valid
/// UTF-8, else Windows-1252 (what Excel writes on Windows).
pub(crate) fn decode(bytes: &[u8]) -> Text<'_> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) => (Some(encoding), bytes.get(bom_len..).unwrap_or_default()),
        None => (None, bytes),
    };
    if encoding.is_none_or(|e| e == UTF_8)
        && let Ok(text) = std::str::from_utf8(body)
    {
        return Text::Borrowed(text);
    }
    let encoding = match encoding {
        Some(e) if e != UTF_8 => e,
        _ => WINDOWS_1252,
    };
    let (decoded, _had_errors) = encoding.decode_without_bom_handling(body);
    Text::Owned(Zeroizing::new(decoded.into_owned()))
}

/// One CSV record: the line it starts on and its fields.
pub(crate) struct Record {
    /// 1-based line the record starts on.
    pub(crate) line: u64,
    /// The fields, wiped when dropped.
    pub(crate) fields: Vec<Zeroizing<String>>,
}

impl Record {
    /// Moves field `index` out (leaving it empty), trimmed; `None` when
    /// the column is absent or the field is blank.
    pub(crate) fn take(&mut self, index: Option<usize>) -> Option<String> {
        let field = self.fields.get_mut(index?)?;
        let trimmed = field.trim();
        if trimmed.is_empty() {
            return None;
        }
        if trimmed.len() == field.len() {
            return Some(std::mem::take(&mut **field));
        }
        Some(trimmed.to_owned())
    }

    /// Moves field `index` out exactly as written (a password: spaces count).
    pub(crate) fn take_raw(&mut self, index: Option<usize>) -> String {
        index.and_then(|i| self.fields.get_mut(i)).map(|field| std::mem::take(&mut **field)).unwrap_or_default()
    }

    /// Field `index`, trimmed, without moving it.
    pub(crate) fn get(&self, index: Option<usize>) -> &str {
        index.and_then(|i| self.fields.get(i)).map_or("", |field| field.trim())
    }
}

/// Splits text into CSV records.
struct Records<'a> {
    chars: Peekable<Chars<'a>>,
    line: u64,
    delimiter: char,
}

impl Records<'_> {
    fn new(text: &str, delimiter: char) -> Records<'_> {
        Records { chars: text.chars().peekable(), line: 1, delimiter }
    }

    /// The next record that is not a blank line.
    fn next_record(&mut self) -> Result<Option<Record>, VaultError> {
        loop {
            if self.chars.peek().is_none() {
                return Ok(None);
            }
            let record = self.read_record()?;
            let blank = matches!(record.fields.as_slice(), [only] if only.trim().is_empty());
            if !blank {
                return Ok(Some(record));
            }
        }
    }

    fn read_record(&mut self) -> Result<Record, VaultError> {
        let line = self.line;
        let mut fields = Vec::new();
        let mut field = Zeroizing::new(String::new());
        let mut at_start = true;
        loop {
            match self.chars.next() {
                None => break,
                Some('"') if at_start => {
                    self.read_quoted(line, &mut field)?;
                    at_start = false;
                }
                Some(c) if c == self.delimiter => {
                    fields.push(std::mem::replace(&mut field, Zeroizing::new(String::new())));
                    at_start = true;
                }
                Some('\r') => {
                    if self.chars.peek() == Some(&'\n') {
                        self.chars.next();
                    }
                    self.line += 1;
                    break;
                }
                Some('\n') => {
                    self.line += 1;
                    break;
                }
                Some(c) => {
                    field.push(c);
                    at_start = false;
                }
            }
        }
        fields.push(field);
        Ok(Record { line, fields })
    }

    /// Reads a quoted field after its opening quote, up to its closing one.
    fn read_quoted(&mut self, line: u64, field: &mut String) -> Result<(), VaultError> {
        loop {
            match self.chars.next() {
                None => return Err(VaultError::csv(line, "a quoted field is never closed (a missing '\"')")),
                Some('"') => {
                    if self.chars.peek() == Some(&'"') {
                        self.chars.next();
                        field.push('"');
                    } else {
                        return Ok(());
                    }
                }
                Some(c) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    field.push(c);
                }
            }
        }
    }
}

/// A CSV export with its header read: find columns by name, then read rows.
pub(crate) struct Table<'a> {
    records: Records<'a>,
    columns: HashMap<String, usize>,
    names: Vec<String>,
    limits: Limits,
}

impl<'a> Table<'a> {
    /// Reads the header. An empty file is [`VaultError::Empty`]; a header
    /// alone is a table with no rows.
    pub(crate) fn open(text: &'a str, limits: &Limits) -> Result<Self, VaultError> {
        let mut records = Records::new(text, delimiter_of(text));
        let header = records.next_record()?.ok_or(VaultError::Empty)?;
        let names: Vec<String> = header.fields.iter().map(|name| normalise(name)).collect();
        let mut columns = HashMap::new();
        for (index, name) in names.iter().enumerate() {
            columns.entry(name.clone()).or_insert(index);
        }
        Ok(Self { records, columns, names, limits: *limits })
    }

    /// The column called `name` (any case), if there is one.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.columns.get(name).copied()
    }

    /// The first of `names` the header has.
    pub(crate) fn find_any(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| self.find(name))
    }

    /// The column called `name`, or [`VaultError::MissingColumn`].
    pub(crate) fn need(&self, name: &str) -> Result<usize, VaultError> {
        self.find(name)
            .ok_or_else(|| VaultError::MissingColumn { column: name.to_owned(), found: self.names.join(", ") })
    }

    /// The header's column names, lower-cased.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// The next row, checked: as many fields as the header, none longer
    /// than the field limit.
    pub(crate) fn next_row(&mut self) -> Result<Option<Record>, VaultError> {
        let Some(record) = self.records.next_record()? else { return Ok(None) };
        if record.fields.len() != self.names.len() {
            let message =
                format!("this row has {} columns but the header has {}", record.fields.len(), self.names.len());
            return Err(VaultError::csv(record.line, message));
        }
        for (field, name) in record.fields.iter().zip(&self.names) {
            if field.len() > self.limits.max_field_bytes {
                return Err(VaultError::FieldTooLong {
                    at: format!("line {}", record.line),
                    field: name.clone(),
                    limit: self.limits.max_field_bytes,
                });
            }
        }
        Ok(Some(record))
    }
}

/// A header name as looked up: trimmed and lower-cased.
fn normalise(name: &str) -> String {
    name.trim().trim_matches('"').trim().to_lowercase()
}

/// Commas, unless the first line has none and has tabs (Excel "Unicode
/// text") or semicolons (Excel in locales with a decimal comma).
fn delimiter_of(text: &str) -> char {
    let first = text.lines().next().unwrap_or_default();
    if first.contains(',') {
        ','
    } else if first.contains('\t') {
        '\t'
    } else if first.contains(';') {
        ';'
    } else {
        ','
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn rows(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut records = Records::new(text, ',');
        let mut out = Vec::new();
        while let Some(r) = records.next_record().unwrap() {
            out.push((r.line, r.fields.iter().map(|f| f.to_string()).collect()));
        }
        out
    }

    #[test]
    fn splits_quotes_newlines_and_crlf() {
        let got = rows("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",z\n\nlast,row");
        assert_eq!(got[0], (1, vec!["a".into(), "b".into()]));
        assert_eq!(got[1], (2, vec!["x,1".into(), "say \"hi\"".into()]));
        assert_eq!(got[2], (3, vec!["two\nlines".into(), "z".into()]));
        assert_eq!(got[3], (6, vec!["last".into(), "row".into()]));
    }

    #[test]
    fn unclosed_quote_names_its_line() {
        let mut records = Records::new("a\n\"open\n", ',');
        records.next_record().unwrap();
        assert!(matches!(records.next_record(), Err(VaultError::Csv { line: 2, .. })));
    }

    #[test]
    fn decodes_boms_and_windows_1252() {
        assert_eq!(decode(b"\xEF\xBB\xBFa").as_str(), "a");
        assert_eq!(decode(b"\xFF\xFEa\x00").as_str(), "a");
        assert_eq!(decode(b"\xFE\xFF\x00a").as_str(), "a");
        assert_eq!(decode(b"caf\xE9").as_str(), "café");
    }
}
