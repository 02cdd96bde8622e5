//! `GET/POST /login/recovery`: the second step with a recovery code, for
//! someone without their phone. Each code works once; the page after says
//! how many are left.

use askama::Template;
use axum::Form as Posted;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use portcullis_app::App;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{ends_the_session, is_for_the_person, with_session};
use crate::cookies;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::session::Session;

#[derive(Debug, Template)]
#[template(path = "recovery.html")]
struct RecoveryPage {
    layout: Layout,
    form: Form,
}

#[derive(Debug, Template)]
#[template(path = "recovery_used.html")]
struct RecoveryUsedPage {
    layout: Layout,
    left: u32,
}

fn form() -> Form {
    Form::new(vec![
        Field::text("code", "Recovery code", "one-time-code")
            .hint("One of the codes you saved when you set up your authenticator app, for example k7fq2-wm9xa.")
            .width("pc-input--width-20"),
    ])
}

/// `GET /login/recovery`
pub(crate) async fn show(layout: Layout) -> Result<Html<String>, PageError> {
    render(&RecoveryPage { layout, form: form() })
}

/// What the recovery form sends.
#[derive(Deserialize)]
pub(crate) struct RecoveryForm {
    #[serde(default)]
    code: String,
}

/// `POST /login/recovery`
pub(crate) async fn submit(
    layout: Layout,
    State(app): State<App>,
    session: Session,
    Posted(sent): Posted<RecoveryForm>,
) -> Result<Response, PageError> {
    let code = Zeroizing::new(sent.code);
    let refuse = |layout: Layout, message: String| {
        let mut form = form();
        if let Some(field) = form.fields.first_mut() {
            field.error = Some(message);
        }
        render(&RecoveryPage { layout, form })
    };
    if code.trim().is_empty() {
        return Ok(refuse(layout, "Enter one of your recovery codes".to_owned())?.into_response());
    }
    match app.sign_in_recovery(&session.token, &code).await {
        Ok((token, left)) => {
            // The page is drawn for the session that has just ended; the new
            // one starts with the next request.
            let layout = Layout { signed_in: false, ..layout };
            with_session(&token, render(&RecoveryUsedPage { layout, left })?)
        }
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
