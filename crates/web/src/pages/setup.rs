//! `GET/POST /setup`: the first run. While no account exists, whoever has
//! the link the server printed (`/setup?token=…`) creates the office and its
//! manager. Without the right token, or once anyone has an account, there is
//! no such page: a fresh server on a network cannot be claimed by the first
//! passer-by.

use askama::Template;
use axum::Form as Posted;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::{AccountError, AccountForm, AppError};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use super::query_param;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::state::AppState;

#[derive(Debug, Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    form: Form,
    /// Carried in a hidden field so the form's POST proves it too.
    token: String,
}

/// Whether `/setup` exists for this token: only with the configured token,
/// compared in constant time, and only while there are no accounts.
async fn offered(state: &AppState, token: &str) -> Result<bool, PageError> {
    let Some(expected) = state.config.setup_token.as_deref() else { return Ok(false) };
    let right = !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(token.as_bytes()));
    Ok(right && state.app.needs_setup().await?)
}

fn form(sent: Option<&SetupForm>) -> Form {
    let value = |f: fn(&SetupForm) -> &str| sent.map(f).unwrap_or_default().trim().to_owned();
    Form::new(vec![
        Field::text("office_name", "Office name", "organization")
            .hint("For example, Office of Jane Smith MP")
            .value(&value(|s| &s.office_name)),
        Field::text("name", "Your full name", "name").value(&value(|s| &s.name)),
        Field::email("email", "Your email address", "username")
            .hint("You will use this to sign in")
            .value(&value(|s| &s.email)),
        Field::password("password", "Create a password", "new-password")
            .hint("Use at least 12 characters. Three random words make a good password."),
    ])
}

/// `GET /setup?token=…`
pub(crate) async fn show(
    layout: Layout,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let token = Zeroizing::new(query_param(query.as_deref(), "token").unwrap_or_default());
    if !offered(&state, &token).await? {
        return Err(PageError::NotFound);
    }
    render(&SetupPage { layout, form: form(None), token: token.to_string() })
}

/// What the setup form sends.
#[derive(Deserialize)]
pub(crate) struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    office_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /setup`
pub(crate) async fn submit(
    layout: Layout,
    State(state): State<AppState>,
    Posted(mut sent): Posted<SetupForm>,
) -> Result<Response, PageError> {
    if !offered(&state, &sent.token).await? {
        return Err(PageError::NotFound);
    }
    let password = Zeroizing::new(std::mem::take(&mut sent.password));
    let mut errors = blank_fields(&sent, &password);
    if errors.is_empty() {
        let account = AccountForm { name: sent.name.trim(), email: sent.email.trim(), password: &password };
        match state.app.set_up(sent.office_name.trim(), &account).await {
            Ok(_) => return Ok(Redirect::to("/login?done=set-up").into_response()),
            Err(AccountError::AlreadySetUp) => return Err(PageError::NotFound),
            Err(AccountError::Name(message)) => errors.push(("name", message)),
            Err(AccountError::Email(message)) => errors.push(("email", message)),
            Err(AccountError::Password(problem)) => errors.push(("password", problem.to_string())),
            // Name and email are checked first, so invalid text now is the
            // office name.
            Err(AccountError::Other(AppError::Invalid(problem))) => {
                errors.push(("office_name", capitalise(&problem.to_string())));
            }
            Err(AccountError::Other(other)) => return Err(other.into()),
        }
    }
    let mut form = form(Some(&sent));
    for field in &mut form.fields {
        field.error = errors.iter().find(|(id, _)| *id == field.id).map(|(_, message)| message.clone());
    }
    Ok(render(&SetupPage { layout, form, token: sent.token.clone() })?.into_response())
}

/// GOV.UK's "Enter …" for each field left empty, all at once.
fn blank_fields(sent: &SetupForm, password: &str) -> Vec<(&'static str, String)> {
    crate::forms::blank_fields(&[
        ("office_name", sent.office_name.as_str(), "Enter the name of your office"),
        ("name", sent.name.as_str(), "Enter your full name"),
        ("email", sent.email.as_str(), "Enter your email address"),
        ("password", password, "Enter a password"),
    ])
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
