//! `/people`: the office's accounts for its manager. The list, one account
//! (`/people/{id}`) with its role and whether it may sign in, and the forms
//! that change those. Ids in these URLs are checked by `app`: another
//! office's account is "not found", and asking is audited.

use askama::Template;
use axum::Form as Posted;
use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::{App, AppError};
use portcullis_store::{Invitation, User};
use portcullis_types::{Role, Timestamp};
use serde::Deserialize;

use super::query_param;
use crate::display::date_time;
use crate::error::PageError;
use crate::forms::{Choice, Form, Radios};
use crate::layout::{Layout, render};
use crate::session::Full;

/// One account as a row of the list.
#[derive(Debug)]
struct AccountRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    /// (tag colour, words)
    status: (&'static str, &'static str),
}

impl AccountRow {
    fn new(user: &User, now: Timestamp) -> Self {
        Self {
            id: user.id.to_string(),
            name: user.name.to_string(),
            email: user.email.to_string(),
            role: user.role.label(),
            status: status(user, now),
        }
    }
}

fn status(user: &User, now: Timestamp) -> (&'static str, &'static str) {
    if user.suspended {
        ("red", "Suspended")
    } else if user.locked_until.is_some_and(|until| until > now) {
        ("orange", "Locked for now")
    } else if user.second_factor_at.is_none() {
        ("yellow", "Setting up sign-in")
    } else {
        ("green", "Active")
    }
}

#[derive(Debug)]
struct InvitationRow {
    name: String,
    email: String,
    role: &'static str,
    invited_by: String,
    state: String,
}

impl InvitationRow {
    fn new(i: &Invitation, now: Timestamp) -> Self {
        let state = match i.used_at {
            Some(at) => format!("Accepted {}", date_time(at)),
            None if i.expires_at <= now => "Expired".to_owned(),
            None => format!("Waiting, link works until {}", date_time(i.expires_at)),
        };
        Self {
            name: i.name.to_string(),
            email: i.email.to_string(),
            role: i.role.label(),
            invited_by: i.invited_by.clone(),
            state,
        }
    }
}

#[derive(Debug, Template)]
#[template(path = "people.html")]
struct PeoplePage {
    layout: Layout,
    accounts: Vec<AccountRow>,
    invitations: Vec<InvitationRow>,
}

/// `GET /people`
pub(crate) async fn list(layout: Layout, State(app): State<App>, Full(who): Full) -> Result<Html<String>, PageError> {
    let now = app.clock().now();
    let accounts = app.accounts(&who).await?.iter().map(|u| AccountRow::new(u, now)).collect();
    let invitations = app.invitations(&who).await?.iter().map(|i| InvitationRow::new(i, now)).collect();
    render(&PeoplePage { layout, accounts, invitations })
}

/// The roles a manager can give, with what each may do.
pub(crate) fn role_choices() -> Vec<Choice> {
    let hint = |role: Role| -> &'static str {
        match role {
            Role::Mp | Role::Manager => "Everything in the office, including people, settings and the audit log",
            Role::Caseworker => "Casework and evidence, checks and their results",
            Role::Staff => "Run checks and see their results; no casework",
            Role::Readonly => "See check results only",
            Role::Operator => "",
        }
    };
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Operator)
        .map(|r| Choice { value: r.as_str(), label: r.label(), hint: Some(hint(r)) })
        .collect()
}

#[derive(Debug, Template)]
#[template(path = "person.html")]
struct PersonPage {
    layout: Layout,
    account: AccountRow,
    suspended: bool,
    is_self: bool,
    since: String,
    form: Form,
    notice: Option<&'static str>,
}

fn person_page(layout: Layout, user: &User, who: &User, now: Timestamp, notice: Option<&'static str>) -> PersonPage {
    let form = Form::default().with_radios(Radios::new("role", "Role", role_choices()).selected(user.role.as_str()));
    PersonPage {
        layout,
        account: AccountRow::new(user, now),
        suspended: user.suspended,
        is_self: user.id == who.id,
        since: date_time(user.created_at),
        form,
        notice,
    }
}

/// Banners after a change, by fixed name so a link cannot choose the words.
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "role" => Some("The role has been changed. They have been signed out and will see it when they sign in."),
        "suspended" => Some("The account is suspended. Its sessions have ended and it cannot sign in."),
        "restored" => Some("The account is restored and can sign in again."),
        _ => None,
    }
}

/// `GET /people/{id}`
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let user = app.account(&who, &id).await?;
    let done = query_param(query.as_deref(), "done");
    render(&person_page(layout, &user, &who.user, app.clock().now(), notice(done.as_deref())))
}

/// What the role form sends.
#[derive(Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /people/{id}/role`
pub(crate) async fn change_role(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Path(id): Path<String>,
    Posted(sent): Posted<RoleForm>,
) -> Result<Response, PageError> {
    match app.change_role(&who, &id, &sent.role).await {
        Ok(user) => Ok(Redirect::to(&format!("/people/{}?done=role", user.id)).into_response()),
        Err(AppError::Refused(message)) => {
            let user = app.account(&who, &id).await?;
            let mut page = person_page(layout, &user, &who.user, app.clock().now(), None);
            page.form.set_errors(&[("role", message)]);
            Ok(render(&page)?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// What the suspend form sends.
#[derive(Deserialize)]
pub(crate) struct SuspendForm {
    #[serde(default)]
    suspend: String,
}

/// `POST /people/{id}/suspend` with `suspend=yes` or `suspend=no`.
pub(crate) async fn suspend(
    State(app): State<App>,
    Full(who): Full,
    Path(id): Path<String>,
    Posted(sent): Posted<SuspendForm>,
) -> Result<Response, PageError> {
    let suspended = match sent.suspend.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            // Access first (another office's id is "not found"), then the form.
            app.account(&who, &id).await?;
            return Err(PageError::App(AppError::Refused("choose to suspend or restore".into())));
        }
    };
    let user = app.set_account_suspended(&who, &id, suspended).await?;
    let done = if suspended { "suspended" } else { "restored" };
    Ok(Redirect::to(&format!("/people/{}?done={done}", user.id)).into_response())
}
