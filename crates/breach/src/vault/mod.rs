//! Password-manager exports, read into one shape ([`Entry`]).
//!
//! Every reader takes the export's bytes (the caller reads the file, within
//! [`Limits::max_export_bytes`]) and returns the entries or a [`VaultError`]
//! that says where the file went wrong (line, or part of an archive).
//!
//! Formats: Bitwarden JSON and CSV, 1Password `.1pux` and CSV, KeePass
//! `.kdbx`, Chrome/Edge CSV and Firefox CSV, or `auto` (told from the name
//! and first bytes). CSV text may be UTF-8 (with or without a BOM), UTF-16
//! with a BOM, or Windows-1252; columns are found by header name. Only login
//! items are read: notes, cards, identities, archived and deleted items are
//! skipped. Passwords are held in [`Secret`]s only, and the decoded text and
//! CSV fields that held them are wiped.

use crate::Secret;

mod bitwarden;
mod browser;
mod collect;
mod csv_text;
mod detect;
mod entry;
mod error;
mod format;
mod kdbx_header;
mod keepass;
mod limits;
mod onepassword;

pub use detect::detect;
pub use entry::Entry;
pub use error::VaultError;
pub use format::Format;
pub use keepass::MAGIC as KDBX_MAGIC;
pub use limits::Limits;

/// What opens an encrypted vault (KeePass): a master password, a key file,
/// or both. Wiped when dropped.
#[derive(Debug, Default, Clone)]
pub struct VaultKey {
    /// The master password.
    pub password: Option<Secret>,
    /// The key file's bytes.
    pub keyfile: Option<zeroize::Zeroizing<Vec<u8>>>,
}

/// Reads an export of `format` (or, for [`Format::Auto`], of the format its
/// name and content show) into its login entries. `name` is the file's name
/// (only its extension is used, by [`Format::Auto`]); `key` is used only by
/// [`Format::Keepass`].
///
/// # Errors
/// [`VaultError`] naming what is wrong and where (CSV line, JSON line and
/// column, archive member, KeePass key or damage), or which limit the export
/// passes. No error message holds a password.
pub fn read(
    name: &str,
    bytes: &[u8],
    format: Format,
    key: &VaultKey,
    limits: &Limits,
) -> Result<Vec<Entry>, VaultError> {
    if bytes.len() > limits.max_export_bytes {
        return Err(VaultError::TooBig {
            size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            limit: u64::try_from(limits.max_export_bytes).unwrap_or(u64::MAX),
        });
    }
    if bytes.is_empty() {
        return Err(VaultError::Empty);
    }
    let format = match format {
        Format::Auto => detect::detect(name, bytes)?,
        chosen => chosen,
    };
    match format {
        Format::Auto => Err(VaultError::Unsupported("could not tell the format".into())),
        Format::BitwardenJson => bitwarden::read_json(bytes, limits),
        Format::BitwardenCsv => bitwarden::read_csv(bytes, limits),
        Format::Keepass => keepass::read(bytes, key, limits),
        Format::OnePassword1pux => onepassword::read_1pux(bytes, limits),
        Format::OnePasswordCsv => onepassword::read_csv(bytes, limits),
        Format::ChromeCsv => browser::read_chrome(bytes, limits),
        Format::FirefoxCsv => browser::read_firefox(bytes, limits),
    }
}
