//! 1Password exports: the `.1pux` archive (a zip holding `export.data`,
//! JSON `accounts → vaults → items`) and 1Password 8's CSV
//! (`Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes`,
//! mapped by header name).
//!
//! Only `export.data` is unpacked, and only within
//! [`Limits::max_unpacked_bytes`] and a compression-ratio bound, so a zip
//! bomb is refused part-way rather than unpacked.

use std::io::{Cursor, Read};

use serde::Deserialize;
use serde::de::IgnoredAny;
use zeroize::Zeroizing;

use super::collect::{self, Collector};
use super::csv_text::{self, Table};
use super::{Entry, Limits, VaultError};
use crate::Secret;

/// The archive member holding the data.
const EXPORT_DATA: &str = "export.data";
/// Members an archive may list.
const MAX_MEMBERS: usize = 50_000;
/// Unpacked bytes allowed per compressed byte, beyond [`RATIO_FLOOR`].
const MAX_RATIO: u64 = 200;
/// Unpacked bytes always allowed (up to the limit), whatever the ratio.
const RATIO_FLOOR: u64 = 16 * 1024 * 1024;
/// 1Password's category for a login, and for a password item.
const LOGIN: &str = "001";
const PASSWORD: &str = "005";

#[derive(Deserialize)]
struct ExportData {
    #[serde(default)]
    accounts: Option<Vec<Account>>,
}

#[derive(Deserialize)]
struct Account {
    #[serde(default)]
    vaults: Option<Vec<Vault>>,
}

#[derive(Deserialize)]
struct Vault {
    #[serde(default)]
    attrs: Option<VaultAttrs>,
    #[serde(default)]
    items: Option<Vec<Item>>,
}

#[derive(Deserialize)]
struct VaultAttrs {
    #[serde(default)]
    name: Option<String>,
}

/// An item; older exports wrap each in `{"item": {...}}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    item: Option<Box<Item>>,
    #[serde(default)]
    trashed: Option<bool>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    category_uuid: Option<String>,
    #[serde(default)]
    updated_at: Option<i64>,
    #[serde(default)]
    overview: Option<Overview>,
    #[serde(default)]
    details: Option<Details>,
}

#[derive(Deserialize)]
struct Overview {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    urls: Option<Vec<OverviewUrl>>,
}

#[derive(Deserialize)]
struct OverviewUrl {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Details {
    #[serde(default)]
    login_fields: Option<Vec<LoginField>>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    sections: Option<Vec<Section>>,
}

#[derive(Deserialize)]
struct LoginField {
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    designation: Option<String>,
}

#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    fields: Option<Vec<SectionField>>,
}

#[derive(Deserialize)]
struct SectionField {
    #[serde(default)]
    value: Option<FieldValue>,
}

/// A section field's value: an object with one key naming its kind.
#[derive(Deserialize)]
struct FieldValue {
    #[serde(default)]
    totp: Option<IgnoredAny>,
}

/// Reads a `.1pux` archive.
pub(crate) fn read_1pux(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>, VaultError> {
    let data = unpack_export_data(bytes, limits)?;
    let export: ExportData = serde_json::from_slice(&data).map_err(|e| VaultError::json(EXPORT_DATA, &e))?;
    let mut out = Collector::new(limits);
    let mut index = 0_usize;
    for account in export.accounts.unwrap_or_default() {
        for vault in account.vaults.unwrap_or_default() {
            let folder = vault.attrs.and_then(|a| collect::non_blank(a.name));
            for item in vault.items.unwrap_or_default() {
                index += 1;
                if let Some(entry) = item_entry(item, folder.as_ref()) {
                    out.push(|| format!("{EXPORT_DATA}: item {index}"), entry)?;
                }
            }
        }
    }
    Ok(out.finish())
}

/// Unpacks `export.data`, refusing an archive that is not a zip, lacks the
/// member, or would unpack past the limits.
fn unpack_export_data(bytes: &[u8], limits: &Limits) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        VaultError::archive("the archive", "is not a readable zip file (is this really a .1pux export?)")
    })?;
    if archive.len() > MAX_MEMBERS {
        return Err(VaultError::archive("the archive", format!("lists more than {MAX_MEMBERS} files")));
    }
    let mut member = archive.by_name(EXPORT_DATA).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => {
            VaultError::archive(EXPORT_DATA, "is missing from the archive (is this really a .1pux export?)")
        }
        _ => VaultError::archive(EXPORT_DATA, "cannot be unpacked (damaged, encrypted or an unsupported compression)"),
    })?;
    let allowed = limits.max_unpacked_bytes.min(member.compressed_size().saturating_mul(MAX_RATIO).max(RATIO_FLOOR));
    if member.size() > allowed {
        return Err(too_big(limits, allowed));
    }
    let mut data = Zeroizing::new(Vec::new());
    let read = (&mut member)
        .take(allowed.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|_| VaultError::archive(EXPORT_DATA, "is damaged and cannot be unpacked"))?;
    if u64::try_from(read).unwrap_or(u64::MAX) > allowed {
        return Err(too_big(limits, allowed));
    }
    Ok(data)
}

fn too_big(limits: &Limits, allowed: u64) -> VaultError {
    let why = if allowed < limits.max_unpacked_bytes {
        format!("unpacks far larger than it is packed (more than {allowed} bytes); refused as a possible zip bomb")
    } else {
        format!("unpacks to more than the limit of {allowed} bytes")
    };
    VaultError::archive(EXPORT_DATA, why)
}

/// The entry for a login or password item that is not archived or trashed.
fn item_entry(item: Item, folder: Option<&String>) -> Option<Entry> {
    let item = match item.item {
        Some(inner) => *inner,
        None => item,
    };
    let archived = matches!(item.state.as_deref(), Some("archived" | "trashed"));
    let category = item.category_uuid.as_deref();
    if item.trashed == Some(true) || archived || !matches!(category, Some(LOGIN | PASSWORD) | None) {
        return None;
    }
    let (title, site) = match item.overview {
        Some(o) => (collect::non_blank(o.title), collect::non_blank(o.url).or_else(|| first_url(o.urls))),
        None => (None, None),
    };
    let details = item.details?;
    let totp = details.sections.as_deref().is_some_and(has_totp);
    let (username, password) = login_fields(details.login_fields, details.password);
    if category.is_none() && password.is_none() {
        return None;
    }
    Some(Entry {
        title: title.unwrap_or_default(),
        site,
        username,
        folder: folder.cloned(),
        password: Secret::new(password.unwrap_or_default()),
        totp,
        changed: item.updated_at.and_then(collect::from_unix_seconds),
    })
}

fn first_url(urls: Option<Vec<OverviewUrl>>) -> Option<String> {
    urls.unwrap_or_default().into_iter().find_map(|u| collect::non_blank(u.url))
}

fn has_totp(sections: &[Section]) -> bool {
    sections
        .iter()
        .flat_map(|s| s.fields.as_deref().unwrap_or_default())
        .any(|f| f.value.as_ref().is_some_and(|v| v.totp.is_some()))
}

/// The user name and password: the login fields designated so, else the
/// password item's own password.
fn login_fields(fields: Option<Vec<LoginField>>, own: Option<String>) -> (Option<String>, Option<String>) {
    let mut username = None;
    let mut password = None;
    for field in fields.unwrap_or_default() {
        match field.designation.as_deref() {
            Some("username") if username.is_none() => username = collect::non_blank(field.value),
            Some("password") if password.is_none() => password = field.value,
            _ => {}
        }
    }
    (username, password.or(own))
}

/// Reads 1Password 8's CSV export (archived rows skipped).
pub(crate) fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>, VaultError> {
    let text = csv_text::decode(bytes);
    let mut table = Table::open(text.as_str(), limits)?;
    let title = table.need("title")?;
    let password = table.need("password")?;
    let url = table.find_any(&["url", "website", "urls"]);
    let username = table.find("username");
    let otp = table.find_any(&["otpauth", "one-time password", "otp"]);
    let archived = table.find("archived");
    let mut out = Collector::new(limits);
    while let Some(mut row) = table.next_row()? {
        if row.get(archived).eq_ignore_ascii_case("true") {
            continue;
        }
        let site = row.take(url).and_then(|urls| collect::first_address(&urls));
        let entry = Entry {
            title: row.take(Some(title)).unwrap_or_default(),
            site,
            username: row.take(username),
            totp: !row.get(otp).is_empty(),
            password: Secret::new(row.take_raw(Some(password))),
            ..Entry::default()
        };
        if entry.password.is_empty() && entry.username.is_none() && entry.site.is_none() {
            continue;
        }
        let line = row.line;
        out.push(|| format!("line {line}"), entry)?;
    }
    Ok(out.finish())
}
