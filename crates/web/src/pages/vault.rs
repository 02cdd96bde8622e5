//! `/vault`: the office's password audits. People check their passwords on
//! their own computer (`portcullis vault audit`) and upload the findings
//! here; the export itself never comes to the server. Each person sees their
//! own to-do list; the MP and managers see everyone's counts and progress.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::policy::{Action, permits};
use portcullis_app::vault::{PersonPage, PersonPasswords, RecordedSummary};
use portcullis_app::{App, AppError};
use portcullis_breach::audit::{EntryReport, Priority, Summary};

use super::query_param;
use crate::charts::{self, DayBar, Labels, StackWords};
use crate::display::{date_time, long_date};
use crate::error::PageError;
use crate::layout::{Layout, render};
use crate::session::Full;

/// The upload form's file input.
const FILE_FIELD: &str = "results";

/// Counts shown for one audit.
#[derive(Debug)]
struct Counts {
    at: String,
    entries: usize,
    needs_action: usize,
    breached: usize,
    reused: usize,
    weak: usize,
    twofa_missing: usize,
    old: usize,
    source: &'static str,
}

impl Counts {
    fn of(recorded: &RecordedSummary) -> Self {
        let s: &Summary = &recorded.summary;
        Self {
            at: date_time(recorded.recorded_at),
            entries: s.entries.saturating_sub(s.skipped),
            needs_action: s.needs_action,
            breached: s.breached,
            reused: s.reused,
            weak: s.weak,
            twofa_missing: s.twofa_missing,
            old: s.old,
            source: match recorded.source {
                portcullis_store::AuditSource::Upload => "Uploaded",
                portcullis_store::AuditSource::Cli => "Command line",
            },
        }
    }
}

#[derive(Debug)]
struct PersonRow {
    id: String,
    name: String,
    latest: Option<Counts>,
}

#[derive(Debug, Template)]
#[template(path = "vault.html")]
struct VaultPage {
    layout: Layout,
    rows: Vec<PersonRow>,
    sees_everyone: bool,
    can_upload: bool,
    own_id: String,
    upload_error: Option<String>,
}

/// One to-do, for the list.
#[derive(Debug)]
struct TodoRow {
    title: String,
    site: Option<String>,
    label: &'static str,
    action: String,
}

/// The to-dos of one priority.
#[derive(Debug)]
struct TodoGroup {
    heading: &'static str,
    rows: Vec<TodoRow>,
}

#[derive(Debug, Template)]
#[template(path = "vault_person.html")]
struct PersonView {
    layout: Layout,
    name: String,
    own: bool,
    groups: Vec<TodoGroup>,
    history: Vec<Counts>,
    chart: String,
    notice: Option<&'static str>,
}

/// `GET /vault`
pub(crate) async fn list(layout: Layout, State(app): State<App>, Full(who): Full) -> Result<Html<String>, PageError> {
    list_page(&app, &who, layout, None).await
}

async fn list_page(
    app: &App,
    who: &portcullis_app::auth::SignedIn,
    layout: Layout,
    upload_error: Option<String>,
) -> Result<Html<String>, PageError> {
    let people = app.vault_overview(who).await?;
    render(&VaultPage {
        layout,
        rows: people.iter().map(person_row).collect(),
        sees_everyone: portcullis_app::vault::sees_everyone(who),
        can_upload: permits(who.user.role, Action::RunChecks),
        own_id: who.user.id.to_string(),
        upload_error,
    })
}

fn person_row(person: &PersonPasswords) -> PersonRow {
    PersonRow {
        id: person.user.id.to_string(),
        name: person.user.name.to_string(),
        latest: person.latest.as_ref().map(Counts::of),
    }
}

/// `POST /vault`: record an uploaded results file for the signed-in person.
pub(crate) async fn upload(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let file = match form {
        Ok(form) => super::read_upload(form, FILE_FIELD).await?,
        Err(_) => None,
    };
    let error = match file {
        None => "Select the results file (results.json) to upload".to_owned(),
        Some((_, bytes)) => match app.upload_vault_results(&who, &bytes).await {
            Ok(_) => return Ok(Redirect::to(&format!("/vault/{}?done=recorded", who.user.id)).into_response()),
            Err(AppError::Refused(message)) => message,
            Err(other) => return Err(other.into()),
        },
    };
    Ok(list_page(&app, &who, layout, Some(error)).await?.into_response())
}

/// `GET /vault/{id}`: one person's progress, and their to-do list when it
/// is their own page.
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let page: PersonPage = app.vault_person(&who, &id).await?;
    let notice = (query_param(query.as_deref(), "done").as_deref() == Some("recorded"))
        .then_some("Your results have been recorded. No passwords were sent or stored.");
    let own = page.user.id == who.user.id;
    let groups = page.latest.as_ref().map(|report| todo_groups(&report.entries)).unwrap_or_default();
    render(&PersonView {
        layout,
        name: page.user.name.to_string(),
        own,
        groups,
        chart: progress_chart(&page.history),
        history: page.history.iter().map(Counts::of).collect(),
        notice,
    })
}

/// The to-dos of every entry, grouped by how soon, most urgent first.
fn todo_groups(entries: &[EntryReport]) -> Vec<TodoGroup> {
    [(Priority::High, "Do now"), (Priority::Medium, "Do this week"), (Priority::Low, "When convenient")]
        .into_iter()
        .map(|(priority, heading)| TodoGroup {
            heading,
            rows: entries
                .iter()
                .flat_map(|entry| {
                    entry.todo.iter().filter(move |todo| todo.priority == priority).map(move |todo| TodoRow {
                        title: entry.title.clone(),
                        site: entry.site.clone(),
                        label: todo.code.label(),
                        action: todo.action.clone(),
                    })
                })
                .collect(),
        })
        .filter(|group| !group.rows.is_empty())
        .collect()
}

/// Entries fine and entries to act on, per audit, oldest first.
fn progress_chart(history: &[RecordedSummary]) -> String {
    let bars: Vec<DayBar> = history
        .iter()
        .rev()
        .map(|recorded| {
            let s = &recorded.summary;
            let audited = s.entries.saturating_sub(s.skipped);
            DayBar {
                label: long_date(recorded.recorded_at),
                passed: u64::try_from(audited.saturating_sub(s.needs_action)).unwrap_or(u64::MAX),
                failed: u64::try_from(s.needs_action).unwrap_or(u64::MAX),
            }
        })
        .collect();
    let words = StackWords {
        good: "fine",
        bad: "to act on",
        good_legend: "Nothing to do (solid)",
        bad_legend: "Something to do (hatched)",
        empty: "No audits recorded yet",
    };
    let desc = "Entries in each recorded audit, oldest first: those with nothing to do, and those with \
                something to do. The table below gives the same figures.";
    charts::stacked_chart(&Labels { id: "chart-progress", title: "Progress", desc }, &words, &bars)
}
