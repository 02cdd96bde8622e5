//! `GET/POST /login/code`: the second step, a code from the authenticator
//! app. Success ends the half-finished session and starts a full one.

use askama::Template;
use axum::Form as Posted;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::App;
use portcullis_app::auth::{AuthError, SessionToken, SignedIn};
use serde::Deserialize;

use super::enrol::PasskeyPost;
use super::{ends_the_session, is_for_the_person, with_session};
use crate::cookies;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::passkey_form::PasskeyForm;
use crate::session::Session;

#[derive(Debug, Template)]
#[template(path = "code.html")]
struct CodePage {
    layout: Layout,
    form: Form,
    passkey: Option<PasskeyForm>,
}

fn form() -> Form {
    Form::new(vec![
        Field::code("code", "Code")
            .hint("It is 6 digits, for example 123456. The app shows a new one every 30 seconds."),
    ])
}

async fn page(app: &App, who: &SignedIn, layout: Layout, error: Option<String>) -> Result<Html<String>, PageError> {
    let mut form = form();
    if let Some(field) = form.fields.first_mut() {
        field.error = error;
    }
    // After a failure that ended the sign-in there is nothing to offer.
    let passkey = match app.begin_passkey_sign_in(who).await {
        Ok(challenge) => challenge.map(PasskeyForm::sign_in),
        Err(_) => None,
    };
    render(&CodePage { layout, form, passkey })
}

/// `GET /login/code`
pub(crate) async fn show(layout: Layout, State(app): State<App>, session: Session) -> Result<Html<String>, PageError> {
    page(&app, &session.who, layout, None).await
}

/// What the code form sends.
#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /login/code`
pub(crate) async fn submit(
    layout: Layout,
    State(app): State<App>,
    session: Session,
    Posted(sent): Posted<CodeForm>,
) -> Result<Response, PageError> {
    if sent.code.trim().is_empty() {
        let message = "Enter the 6-digit code from your authenticator app".to_owned();
        return Ok(page(&app, &session.who, layout, Some(message)).await?.into_response());
    }
    let outcome = app.sign_in_totp(&session.token, &sent.code).await;
    answer(&app, &session, layout, outcome).await
}

/// Where a second-factor attempt leads: home, or this page again saying why.
async fn answer(
    app: &App,
    session: &Session,
    layout: Layout,
    outcome: Result<SessionToken, AuthError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(token) => with_session(&token, Redirect::to("/")),
        Err(e) if is_for_the_person(&e) => {
            let page = page(app, &session.who, layout, Some(e.to_string())).await?;
            if ends_the_session(&e) {
                return Ok(([(header::SET_COOKIE, cookies::clear(cookies::SESSION))], page).into_response());
            }
            Ok(page.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /login/passkey`: the passkey instead of a code.
pub(crate) async fn submit_passkey(
    layout: Layout,
    State(app): State<App>,
    session: Session,
    Posted(sent): Posted<PasskeyPost>,
) -> Result<Response, PageError> {
    let outcome = app.sign_in_passkey(&session.token, &sent.state, &sent.credential).await;
    answer(&app, &session, layout, outcome).await
}
