//! Bitwarden exports: the unencrypted `.json` (`folders`, `items`; item
//! `type` 1 is a login) and the `.csv` (`folder,favorite,type,name,notes,
//! fields,reprompt,login_uri,login_username,login_password,login_totp`).
//! An encrypted export (`"encrypted": true`) is refused with advice.

use std::collections::HashMap;

use serde::Deserialize;

use super::collect::{self, Collector};
use super::csv_text::{self, Table};
use super::{Entry, Limits, VaultError};
use crate::Secret;

/// Bitwarden's item type for a login.
const LOGIN: i64 = 1;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    #[serde(default)]
    encrypted: Option<bool>,
    #[serde(default)]
    password_protected: Option<bool>,
    #[serde(default)]
    folders: Option<Vec<Named>>,
    #[serde(default)]
    collections: Option<Vec<Named>>,
    #[serde(default)]
    items: Option<Vec<Item>>,
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(rename = "type", default)]
    kind: Option<i64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    folder_id: Option<String>,
    #[serde(default)]
    collection_ids: Option<Vec<String>>,
    #[serde(default)]
    revision_date: Option<String>,
    #[serde(default)]
    deleted_date: Option<String>,
    #[serde(default)]
    login: Option<Login>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Login {
    #[serde(default)]
    uris: Option<Vec<Uri>>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    totp: Option<String>,
    #[serde(default)]
    password_revision_date: Option<String>,
}

#[derive(Deserialize)]
struct Uri {
    #[serde(default)]
    uri: Option<String>,
}

/// Reads Bitwarden's unencrypted JSON export.
pub(crate) fn read_json(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>, VaultError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(VaultError::Empty);
    }
    let export: Export = serde_json::from_slice(body).map_err(|e| VaultError::json("the export", &e))?;
    if export.encrypted == Some(true) || export.password_protected == Some(true) {
        return Err(VaultError::EncryptedExport);
    }
    let Some(items) = export.items else {
        return Err(VaultError::Unsupported("this JSON has no \"items\" list, so it is not a Bitwarden export".into()));
    };
    let folders = names_by_id(export.folders);
    let collections = names_by_id(export.collections);
    let mut out = Collector::new(limits);
    for (index, item) in items.into_iter().enumerate() {
        if item.kind != Some(LOGIN) || item.deleted_date.is_some() {
            continue;
        }
        let entry = json_entry(item, &folders, &collections);
        out.push(|| format!("item {}", index + 1), entry)?;
    }
    Ok(out.finish())
}

fn names_by_id(list: Option<Vec<Named>>) -> HashMap<String, String> {
    list.unwrap_or_default().into_iter().filter_map(|n| Some((n.id?, n.name?))).collect()
}

fn json_entry(item: Item, folders: &HashMap<String, String>, collections: &HashMap<String, String>) -> Entry {
    let folder = item
        .folder_id
        .as_ref()
        .and_then(|id| folders.get(id))
        .or_else(|| item.collection_ids.as_ref().and_then(|ids| ids.iter().find_map(|id| collections.get(id))));
    let login = item.login;
    let (site, username, password, totp, password_date) = match login {
        Some(login) => {
            let site = login.uris.unwrap_or_default().into_iter().find_map(|u| collect::non_blank(u.uri));
            let totp = login.totp.is_some_and(|t| !t.trim().is_empty());
            (site, collect::non_blank(login.username), login.password, totp, login.password_revision_date)
        }
        None => (None, None, None, false, None),
    };
    let changed = collect::from_rfc3339(password_date.as_deref())
        .or_else(|| collect::from_rfc3339(item.revision_date.as_deref()));
    Entry {
        title: collect::non_blank(item.name).unwrap_or_default(),
        site,
        username,
        folder: folder.cloned(),
        password: Secret::new(password.unwrap_or_default()),
        totp,
        changed,
    }
}

/// Reads Bitwarden's CSV export (login rows only).
pub(crate) fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>, VaultError> {
    let text = csv_text::decode(bytes);
    let mut table = Table::open(text.as_str(), limits)?;
    let kind = table.need("type")?;
    let name = table.need("name")?;
    let password = table.need("login_password")?;
    let uri = table.find("login_uri");
    let username = table.find("login_username");
    let totp = table.find("login_totp");
    let folder = table.find_any(&["folder", "collections"]);
    let mut out = Collector::new(limits);
    while let Some(mut row) = table.next_row()? {
        if !row.get(Some(kind)).eq_ignore_ascii_case("login") {
            continue;
        }
        let site = row.take(uri).and_then(|uris| collect::first_address(&uris));
        let entry = Entry {
            title: row.take(Some(name)).unwrap_or_default(),
            site,
            username: row.take(username),
            folder: row.take(folder),
            password: Secret::new(row.take_raw(Some(password))),
            totp: !row.get(totp).is_empty(),
            changed: None,
        };
        let line = row.line;
        out.push(|| format!("line {line}"), entry)?;
    }
    Ok(out.finish())
}
