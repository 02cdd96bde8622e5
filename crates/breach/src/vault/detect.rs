//! `--format auto`: telling the format from the file name and first bytes.

use std::io::Cursor;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::csv_text::{self, Table};
use super::{Format, Limits, VaultError, keepass};

/// The zip signature (a local file header).
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The format of the export called `name` holding `bytes`, as
/// [`Format::Auto`] reads it.
///
/// # Errors
/// [`VaultError`] listing the `--format` names when it cannot tell.
pub fn detect(name: &str, bytes: &[u8]) -> Result<Format, VaultError> {
    let extension = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    if bytes.starts_with(&keepass::MAGIC) || matches!(extension.as_str(), "kdbx" | "kdb") {
        return Ok(Format::Keepass);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return if extension == "1pux" || has_export_data(bytes) { Ok(Format::OnePassword1pux) } else { unknown() };
    }
    if extension == "1pux" {
        return Ok(Format::OnePassword1pux);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return if extension == "json" || is_bitwarden_json(body) { Ok(Format::BitwardenJson) } else { unknown() };
    }
    csv_format(bytes)
}

/// The `--format` names, for the error when the format cannot be told.
fn unknown() -> Result<Format, VaultError> {
    let names: Vec<&str> = Format::NAMES.iter().copied().filter(|n| *n != "auto").collect();
    Err(VaultError::UnknownFormat { names: names.join(", ") })
}

fn has_export_data(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes)).is_ok_and(|archive| archive.file_names().any(|n| n == "export.data"))
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    items: Option<IgnoredAny>,
    #[serde(default)]
    encrypted: Option<IgnoredAny>,
}

fn is_bitwarden_json(body: &[u8]) -> bool {
    serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.items.is_some() || p.encrypted.is_some())
}

/// Which CSV export, from the header's column names.
fn csv_format(bytes: &[u8]) -> Result<Format, VaultError> {
    let text = csv_text::decode(bytes);
    let table = match Table::open(text.as_str(), &Limits::default()) {
        Ok(table) => table,
        Err(VaultError::Empty) => return Err(VaultError::Empty),
        Err(_) => return unknown(),
    };
    let names = table.names();
    let has = |name: &str| names.iter().any(|n| n == name);
    let format = if has("login_password") && has("type") {
        Format::BitwardenCsv
    } else if has("timepasswordchanged") || has("httprealm") || has("formactionorigin") {
        Format::FirefoxCsv
    } else if has("title") && has("password") {
        Format::OnePasswordCsv
    } else if has("name") && has("url") && has("username") && has("password") {
        Format::ChromeCsv
    } else if has("url") && has("username") && has("password") {
        Format::FirefoxCsv
    } else {
        return unknown();
    };
    Ok(format)
}
