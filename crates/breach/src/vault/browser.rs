//! Browser exports: Chrome's (and Edge's) "Export passwords" CSV
//! (`name,url,username,password[,note]`) and Firefox's "Export Logins" CSV
//! (`url,username,password,httpRealm,formActionOrigin,guid,timeCreated,
//! timeLastUsed,timePasswordChanged`, times in Unix milliseconds).

use super::collect::{self, Collector};
use super::csv_text::{self, Table};
use super::{Entry, Limits, VaultError};
use crate::Secret;

/// Reads a Chrome or Edge password CSV.
pub(crate) fn read_chrome(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>, VaultError> {
    let text = csv_text::decode(bytes);
    let mut table = Table::open(text.as_str(), limits)?;
    let name = table.need("name")?;
    let url = table.need("url")?;
    let username = table.need("username")?;
    let password = table.need("password")?;
    let mut out = Collector::new(limits);
    while let Some(mut row) = table.next_row()? {
        let entry = Entry {
            title: row.take(Some(name)).unwrap_or_default(),
            site: row.take(Some(url)),
            username: row.take(Some(username)),
            password: Secret::new(row.take_raw(Some(password))),
            ..Entry::default()
        };
        let line = row.line;
        out.push(|| format!("line {line}"), entry)?;
    }
    Ok(out.finish())
}

/// Reads a Firefox "Export Logins" CSV; `timePasswordChanged` becomes
/// [`Entry::changed`].
pub(crate) fn read_firefox(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>, VaultError> {
    let text = csv_text::decode(bytes);
    let mut table = Table::open(text.as_str(), limits)?;
    let url = table.need("url")?;
    let username = table.need("username")?;
    let password = table.need("password")?;
    let changed = table.find("timepasswordchanged");
    let mut out = Collector::new(limits);
    while let Some(mut row) = table.next_row()? {
        let when = row.get(changed).parse::<i64>().ok().and_then(collect::from_unix_millis);
        let entry = Entry {
            site: row.take(Some(url)),
            username: row.take(Some(username)),
            password: Secret::new(row.take_raw(Some(password))),
            changed: when,
            ..Entry::default()
        };
        let line = row.line;
        out.push(|| format!("line {line}"), entry)?;
    }
    Ok(out.finish())
}
