//! `GET /audit`: the office's audit log, newest first, a page at a time
//! (`?before=SEQ`), optionally one action only (`?action=auth.sign_in`).
//! Who may read it, and recording that they did, is `app`'s business.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Html;
use portcullis_app::App;
use portcullis_store::{AuditEntry, AuditQuery};

use super::query_param;
use crate::display::date_time;
use crate::error::PageError;
use crate::layout::{Layout, render};
use crate::session::Full;

/// Entries per page.
const PAGE: u32 = 50;

/// The longest action code worth asking the store about; real ones are
/// short dotted words.
const MAX_ACTION_CHARS: usize = 100;

#[derive(Debug)]
struct Row {
    iso: String,
    when: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

impl From<AuditEntry> for Row {
    fn from(e: AuditEntry) -> Self {
        Self {
            iso: e.at.to_rfc3339(),
            when: date_time(e.at),
            actor: e.actor,
            action: e.action,
            target: e.target.unwrap_or_default(),
            detail: e.detail,
        }
    }
}

#[derive(Debug, Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<Row>,
    /// The action filter, as typed.
    filter: String,
    /// Link to the next page back, if there may be one.
    older: Option<String>,
}

/// `GET /audit`
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    // A `before` that is not a number is ignored rather than refused: the
    // worst a bad link can do is show the newest page.
    let before = query_param(query.as_deref(), "before").and_then(|b| b.trim().parse::<i64>().ok());
    let filter: String =
        query_param(query.as_deref(), "action").unwrap_or_default().trim().chars().take(MAX_ACTION_CHARS).collect();
    let wanted = AuditQuery { before_seq: before, limit: PAGE, action: (!filter.is_empty()).then(|| filter.clone()) };
    let entries = app.audit_log(&who, &wanted).await?;
    let full_page = u32::try_from(entries.len()).is_ok_and(|n| n >= PAGE);
    let older = entries.last().filter(|_| full_page).map(|last| older_href(last.seq, &filter));
    let entries = entries.into_iter().map(Row::from).collect();
    render(&AuditPage { layout, entries, filter, older })
}

/// `/audit?before=SEQ[&action=…]`, the filter URL-encoded (the template then
/// escapes the whole for HTML).
fn older_href(before: i64, filter: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("before", &before.to_string());
    if !filter.is_empty() {
        query.append_pair("action", filter);
    }
    format!("/audit?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_links_keep_the_filter_encoded() {
        assert_eq!(older_href(42, ""), "/audit?before=42");
        assert_eq!(older_href(7, "a&b=c d"), "/audit?before=7&action=a%26b%3Dc+d");
    }
}
