//! `GET/POST /login`: the password step. A right password starts a
//! half-finished session and sends the person on to their second factor, or
//! to enrol one if they have none yet.

use askama::Template;
use axum::Form as Posted;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::App;
use portcullis_app::auth::PasswordOutcome;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{is_for_the_person, query_param, with_session};
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::session::ClientIp;

#[derive(Debug, Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    form: Form,
    notice: Option<&'static str>,
}

fn form(email: &str) -> Form {
    Form::new(vec![
        Field::email("email", "Email address", "username").value(email),
        Field::password("password", "Password", "current-password"),
    ])
}

/// Banners other pages can ask for with `?done=`. Fixed words chosen here, so
/// a crafted link cannot put its own text on the page.
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "signed-out" => Some("You have signed out."),
        "set-up" => Some("Your office and account are ready. Sign in to set up your authenticator app."),
        "reset" => Some("Your password has been changed. Sign in with it and your second factor."),
        _ => None,
    }
}

/// `GET /login`
pub(crate) async fn show(layout: Layout, RawQuery(query): RawQuery) -> Result<Html<String>, PageError> {
    let done = query_param(query.as_deref(), "done");
    render(&LoginPage { layout, form: form(""), notice: notice(done.as_deref()) })
}

/// What the sign-in form sends.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /login`
pub(crate) async fn submit(
    layout: Layout,
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    Posted(sent): Posted<LoginForm>,
) -> Result<Response, PageError> {
    let password = Zeroizing::new(sent.password);
    let email = sent.email.trim();
    if email.is_empty() || password.is_empty() {
        let mut form = form(email);
        for field in &mut form.fields {
            match field.id {
                "email" if email.is_empty() => field.error = Some("Enter your email address".into()),
                "password" if password.is_empty() => field.error = Some("Enter your password".into()),
                _ => {}
            }
        }
        return Ok(render(&LoginPage { layout, form, notice: None })?.into_response());
    }
    match app.sign_in_password(email, &password, ip.as_deref()).await {
        Ok(PasswordOutcome::SecondFactor(token)) => with_session(&token, Redirect::to("/login/code")),
        Ok(PasswordOutcome::MustEnrol(token)) => with_session(&token, Redirect::to("/enrol")),
        Err(e) if is_for_the_person(&e) => {
            // One message for the pair, shown at the first field: which of
            // the two was wrong is exactly what must not be said.
            let mut form = form(email);
            if let Some(first) = form.fields.first_mut() {
                first.error = Some(e.to_string());
            }
            Ok(render(&LoginPage { layout, form, notice: None })?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}
