//! `GET/POST /login/code`: the second step, a code from the authenticator
//! app. Success ends the half-finished session and starts a full one.

use askama::Template;
use axum::Form as Posted;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::App;
use serde::Deserialize;

use super::{ends_the_session, is_for_the_person, with_session};
use crate::cookies;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::session::Session;

#[derive(Debug, Template)]
#[template(path = "code.html")]
struct CodePage {
    layout: Layout,
    form: Form,
}

fn form() -> Form {
    Form::new(vec![
        Field::code("code", "Code")
            .hint("It is 6 digits, for example 123456. The app shows a new one every 30 seconds."),
    ])
}

/// `GET /login/code`
pub(crate) async fn show(layout: Layout) -> Result<Html<String>, PageError> {
    render(&CodePage { layout, form: form() })
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
    let refuse = |layout: Layout, message: String| {
        let mut form = form();
        if let Some(field) = form.fields.first_mut() {
            field.error = Some(message);
        }
        render(&CodePage { layout, form })
    };
    if sent.code.trim().is_empty() {
        let message = "Enter the 6-digit code from your authenticator app".to_owned();
        return Ok(refuse(layout, message)?.into_response());
    }
    match app.sign_in_totp(&session.token, &sent.code).await {
        Ok(token) => with_session(&token, Redirect::to("/")),
        Err(e) if is_for_the_person(&e) => {
            let page = refuse(layout, e.to_string())?;
            if ends_the_session(&e) {
                return Ok(([(header::SET_COOKIE, cookies::clear(cookies::SESSION))], page).into_response());
            }
            Ok(page.into_response())
        }
        Err(e) => Err(e.into()),
    }
}
