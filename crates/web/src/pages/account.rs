//! `/account`: the signed-in person's own account: change the password
//! (which ends every other session), add and remove passkeys, and replace
//! the recovery codes.

use askama::Template;
use axum::Form as Posted;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::App;
use portcullis_app::auth::{ChangeError, SignedIn};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::enrol::{PasskeyPost, RecoveryCodesPage};
use super::{is_for_the_person, query_param, with_session};
use crate::display::date_time;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::passkey_form::PasskeyForm;
use crate::session::{ClientIp, Full};

#[derive(Debug, Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    form: Form,
    notice: Option<&'static str>,
    name: String,
    email: String,
    role: &'static str,
    password_changed: String,
    recovery_left: u32,
    /// (credential id, name, added, last used) of each passkey.
    passkeys: Vec<(String, String, String, String)>,
    passkey: Option<PasskeyForm>,
    /// Why adding a passkey failed, shown in the passkeys section.
    passkey_error: Option<String>,
}

fn form() -> Form {
    Form::new(vec![
        Field::password("current", "Current password", "current-password"),
        Field::password("password", "New password", "new-password")
            .hint("Use at least 12 characters. Three random words make a good password."),
    ])
}

async fn page(
    app: &App,
    who: &SignedIn,
    layout: Layout,
    form: Form,
    notice: Option<&'static str>,
) -> Result<Html<String>, PageError> {
    page_with(app, who, layout, form, notice, None).await
}

async fn page_with(
    app: &App,
    who: &SignedIn,
    layout: Layout,
    form: Form,
    notice: Option<&'static str>,
    passkey_error: Option<String>,
) -> Result<Html<String>, PageError> {
    let recovery_left = app.recovery_codes_left(who).await?;
    let passkeys = app
        .my_passkeys(who)
        .await?
        .into_iter()
        .map(|p| {
            let used = p.last_used_at.map(date_time).unwrap_or_else(|| "Never".into());
            (p.credential_id, p.name, date_time(p.created_at), used)
        })
        .collect();
    let passkey = app.begin_passkey_registration(who).await?.map(PasskeyForm::add);
    render(&AccountPage {
        layout,
        form,
        notice,
        name: who.user.name.to_string(),
        email: who.user.email.to_string(),
        role: who.user.role.label(),
        password_changed: date_time(who.user.password_changed_at),
        recovery_left,
        passkeys,
        passkey,
        passkey_error,
    })
}

/// `GET /account`
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let notice = match query_param(query.as_deref(), "done").as_deref() {
        Some("password") => Some("Your password has been changed. Any other sessions have been signed out."),
        Some("passkey") => Some("Your passkey has been added. You can use it the next time you sign in."),
        Some("passkey-removed") => Some("Your passkey has been removed. It can no longer be used to sign in."),
        _ => None,
    };
    page(&app, &who, layout, form(), notice).await
}

/// What the password form sends.
#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/password`
pub(crate) async fn change_password(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    ClientIp(ip): ClientIp,
    Posted(mut sent): Posted<PasswordForm>,
) -> Result<Response, PageError> {
    let current = Zeroizing::new(std::mem::take(&mut sent.current));
    let new = Zeroizing::new(std::mem::take(&mut sent.password));
    let mut errors: Vec<(&str, String)> = Vec::new();
    if current.is_empty() {
        errors.push(("current", "Enter your current password".into()));
    }
    if new.is_empty() {
        errors.push(("password", "Enter a new password".into()));
    }
    if errors.is_empty() {
        match app.change_password(&who, &current, &new, ip.as_deref()).await {
            Ok(token) => return with_session(&token, Redirect::to("/account?done=password")),
            Err(ChangeError::WrongCurrent) => errors.push(("current", ChangeError::WrongCurrent.to_string())),
            Err(ChangeError::Policy(p)) => errors.push(("password", p.to_string())),
            Err(ChangeError::Expired) => return Err(PageError::NotFound),
            Err(ChangeError::Auth(e)) => return Err(e.into()),
        }
    }
    let mut form = form();
    form.set_errors(&errors);
    Ok(page(&app, &who, layout, form, None).await?.into_response())
}

/// `POST /account/recovery-codes`
pub(crate) async fn new_recovery_codes(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
) -> Result<Html<String>, PageError> {
    let codes = app.replace_recovery_codes(&who).await?;
    render(&RecoveryCodesPage {
        layout,
        codes: codes.0,
        banner: "You have new recovery codes. The old ones no longer work.",
        next: "/account",
    })
}

/// `POST /account/passkeys`: register another passkey.
pub(crate) async fn add_passkey(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<PasskeyPost>,
) -> Result<Response, PageError> {
    match app.add_passkey(&who, &sent.state, &sent.credential, &sent.passkey_name).await {
        Ok(()) => Ok(Redirect::to("/account?done=passkey").into_response()),
        Err(e) if is_for_the_person(&e) => {
            Ok(page_with(&app, &who, layout, form(), None, Some(e.to_string())).await?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// What the remove-passkey button sends.
#[derive(Deserialize)]
pub(crate) struct RemovePasskeyForm {
    #[serde(default)]
    credential: String,
}

/// `POST /account/passkeys/remove`: remove one of the person's passkeys,
/// unless it is their last way to confirm who they are.
pub(crate) async fn remove_passkey(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<RemovePasskeyForm>,
) -> Result<Response, PageError> {
    match app.remove_passkey(&who, &sent.credential).await {
        Ok(true) => Ok(Redirect::to("/account?done=passkey-removed").into_response()),
        Ok(false) => Err(PageError::NotFound),
        Err(e) if is_for_the_person(&e) => {
            Ok(page_with(&app, &who, layout, form(), None, Some(e.to_string())).await?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}
