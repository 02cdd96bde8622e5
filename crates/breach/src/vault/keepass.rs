//! KeePass `.kdbx` databases (KDBX 3.1 and 4), opened with the `keepass`
//! crate. Every group is walked (the folder is the group path below the
//! root); the Recycle Bin is skipped. KeePass 1 `.kdb` files are refused.

use std::panic::{AssertUnwindSafe, catch_unwind};

use keepass::config::DatabaseVersion;
use keepass::db::Group;
use keepass::error::{DatabaseIntegrityError, DatabaseKeyError, DatabaseOpenError};
use keepass::{Database, DatabaseKey};

use super::collect::Collector;
use super::kdbx_header;
use super::{Entry, Limits, VaultError, VaultKey};
use crate::Secret;

/// The first four bytes of every KeePass file.
pub const MAGIC: [u8; 4] = [0x03, 0xD9, 0xA2, 0x9A];

/// Fields that hold a one-time-code secret: KeePassXC's `otp`, KeePass
/// 2.47+'s `TimeOtp-Secret*`, and the older `TOTP Seed` plug-in field.
fn is_totp_field(name: &str) -> bool {
    name == "otp" || name.starts_with("TimeOtp-Secret") || name == "TOTP Seed"
}

/// Opens `bytes` with `key` and reads its entries.
pub(crate) fn read(bytes: &[u8], key: &VaultKey, limits: &Limits) -> Result<Vec<Entry>, VaultError> {
    let kdbx4 = check_version(bytes)?;
    kdbx_header::check_kdf(bytes, kdbx4)?;
    let db_key = database_key(key)?;
    // The keepass crate indexes slices of the file it is given; a crafted
    // file must not take the program down, so a panic is caught and
    // reported as a damaged file.
    let opened = catch_unwind(AssertUnwindSafe(|| Database::parse(bytes, db_key)))
        .map_err(|_| VaultError::Damaged("its contents are inconsistent".into()))?;
    let db = opened.map_err(open_error)?;
    let recycle_bin = db.meta.recyclebin_uuid;
    let mut out = Collector::new(limits);
    let mut stack: Vec<(&Group, Option<String>)> = vec![(&db.root, None)];
    let mut index = 0_usize;
    while let Some((group, path)) = stack.pop() {
        for entry in &group.entries {
            index += 1;
            out.push(|| format!("entry {index}"), to_entry(entry, path.as_ref()))?;
        }
        for child in group.groups.iter().rev().filter(|g| Some(g.uuid) != recycle_bin) {
            let child_path = match &path {
                Some(parent) => format!("{parent}/{}", child.name),
                None => child.name.clone(),
            };
            stack.push((child, Some(child_path)));
        }
    }
    Ok(out.finish())
}

/// Refuses files that are not KDBX 3 or 4 before any key work; true for
/// KDBX 4.
fn check_version(bytes: &[u8]) -> Result<bool, VaultError> {
    match Database::get_version(&mut &*bytes) {
        Ok(DatabaseVersion::KDB3(_)) => Ok(false),
        Ok(DatabaseVersion::KDB4(_)) => Ok(true),
        Ok(DatabaseVersion::KDB(_)) => Err(VaultError::Unsupported(
            "this is a KeePass 1 (.kdb) database, which is not supported; open it in KeePass 2 or KeePassXC, \
             save it as .kdbx, and try that"
                .into(),
        )),
        Ok(DatabaseVersion::KDB2(_)) => {
            Err(VaultError::Unsupported("this is a pre-release KeePass 2 database, which is not supported".into()))
        }
        Err(DatabaseIntegrityError::InvalidKDBXVersion { .. }) => {
            Err(VaultError::Damaged("its version is not one KeePass writes".into()))
        }
        Err(_) => Err(VaultError::Damaged("it does not start with the KeePass signature".into())),
    }
}

fn database_key(key: &VaultKey) -> Result<DatabaseKey, VaultError> {
    if key.password.is_none() && key.keyfile.is_none() {
        return Err(VaultError::KeyNeeded);
    }
    let mut db_key = DatabaseKey::new();
    if let Some(password) = &key.password {
        db_key = db_key.with_password(password.expose());
    }
    if let Some(keyfile) = &key.keyfile {
        db_key = db_key.with_keyfile(&mut keyfile.as_slice()).map_err(|_| VaultError::WrongKey)?;
    }
    Ok(db_key)
}

/// The error to show, naming no value from the file.
fn open_error(err: DatabaseOpenError) -> VaultError {
    use keepass::error::CryptographyError;
    match err {
        DatabaseOpenError::Key(DatabaseKeyError::IncorrectKey | DatabaseKeyError::InvalidKeyFile) => {
            VaultError::WrongKey
        }
        // KDBX 3.1: the wrong key decrypts to bad padding before the check.
        DatabaseOpenError::DatabaseIntegrity(DatabaseIntegrityError::Cryptography(CryptographyError::Unpadding(_))) => {
            VaultError::WrongKey
        }
        DatabaseOpenError::Key(_) => VaultError::Damaged("its key settings cannot be used".into()),
        DatabaseOpenError::Io(_) => VaultError::Damaged("it ends too early; the file is cut short".into()),
        DatabaseOpenError::UnsupportedVersion => {
            VaultError::Unsupported("this KeePass version is not supported".into())
        }
        DatabaseOpenError::DatabaseIntegrity(e) => VaultError::Damaged(integrity(&e).into()),
    }
}

fn integrity(err: &DatabaseIntegrityError) -> &'static str {
    match err {
        DatabaseIntegrityError::Io(_) | DatabaseIntegrityError::BlockStream(_) => {
            "it is cut short or a block fails its checksum"
        }
        DatabaseIntegrityError::HeaderHashMismatch => "its header fails its checksum",
        DatabaseIntegrityError::Xml(_) => "its decrypted contents are not a valid database",
        _ => "its header or contents cannot be read",
    }
}

fn to_entry(entry: &keepass::db::Entry, folder: Option<&String>) -> Entry {
    let text = |value: Option<&str>| value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let changed = entry
        .times
        .get_last_modification()
        .and_then(|t| portcullis_types::Timestamp::from_unix_micros(t.and_utc().timestamp_micros()).ok());
    Entry {
        title: text(entry.get_title()).unwrap_or_default(),
        site: text(entry.get_url()),
        username: text(entry.get_username()),
        folder: folder.cloned(),
        password: Secret::new(entry.get_password().unwrap_or_default().to_owned()),
        totp: entry.fields.iter().any(|(name, value)| is_totp_field(name) && !value.is_empty()),
        changed,
    }
}
