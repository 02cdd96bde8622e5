//! `GET/POST /enrol`: a first sign-in sets up the authenticator app. The
//! page shows a QR code and the same key as text; the seed is stored only
//! once a code from the app proves it arrived. Then the ten recovery codes
//! are shown, once.

use askama::Template;
use axum::Form as Posted;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use portcullis_app::App;
use portcullis_app::auth::{AuthError, SignedIn};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{is_for_the_person, with_session};
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::passkey_form::PasskeyForm;
use crate::qr;
use crate::session::Session;

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    layout: Layout,
    form: Form,
    /// The QR code as a `data:` URI.
    qr: Option<Zeroizing<String>>,
    /// The key in groups of four, for typing.
    secret: Zeroizing<String>,
    /// The sealed seed `app` checks the code against.
    pending: String,
    /// The passkey alternative, where the server can offer it.
    passkey: Option<PasskeyForm>,
}

impl std::fmt::Debug for EnrolPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnrolPage(…)")
    }
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub(crate) struct RecoveryCodesPage {
    pub layout: Layout,
    pub codes: Vec<Zeroizing<String>>,
    /// What has just succeeded.
    pub banner: &'static str,
    /// Where "continue" goes.
    pub next: &'static str,
}

impl std::fmt::Debug for RecoveryCodesPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCodesPage(…)")
    }
}

fn form(error: Option<String>) -> Form {
    let code = Field::code("code", "Code from your authenticator app").hint("It is 6 digits, for example 123456.");
    Form::new(vec![match error {
        Some(message) => code.error(message),
        None => code,
    }])
}

/// A page offering a fresh seed.
async fn fresh(app: &App, who: &SignedIn, layout: Layout, error: Option<String>) -> Result<Html<String>, PageError> {
    let start = app.begin_totp_enrolment(who)?;
    let qr = qr::svg_data_uri(&start.uri);
    let passkey = passkey_form(app, who).await?;
    render(&EnrolPage { layout, form: form(error), qr, secret: start.secret_text, pending: start.pending, passkey })
}

async fn passkey_form(app: &App, who: &SignedIn) -> Result<Option<PasskeyForm>, PageError> {
    Ok(app.begin_passkey_registration(who).await?.map(PasskeyForm::enrol))
}

/// `GET /enrol`
pub(crate) async fn show(layout: Layout, State(app): State<App>, session: Session) -> Result<Html<String>, PageError> {
    fresh(&app, &session.who, layout, None).await
}

/// What the enrolment form sends.
#[derive(Deserialize)]
pub(crate) struct EnrolForm {
    #[serde(default)]
    pending: String,
    #[serde(default)]
    code: String,
}

/// `POST /enrol`
pub(crate) async fn submit(
    layout: Layout,
    State(app): State<App>,
    session: Session,
    Posted(sent): Posted<EnrolForm>,
) -> Result<Response, PageError> {
    // After a wrong code, show the same key again (reopened from the sealed
    // `pending` value, which only this session can open), so the entry the
    // person already added to their app keeps working.
    let again = async |layout: Layout, message: String| -> Result<Html<String>, PageError> {
        match app.resume_totp_enrolment(&session.who, &sent.pending) {
            Ok(start) => {
                let qr = qr::svg_data_uri(&start.uri);
                let passkey = passkey_form(&app, &session.who).await?;
                render(&EnrolPage {
                    layout,
                    form: form(Some(message)),
                    qr,
                    secret: start.secret_text,
                    pending: start.pending,
                    passkey,
                })
            }
            Err(_) => fresh(&app, &session.who, layout, Some(message)).await,
        }
    };
    if sent.code.trim().is_empty() {
        return Ok(again(layout, "Enter the 6-digit code from your authenticator app".to_owned())
            .await?
            .into_response());
    }
    match app.finish_totp_enrolment(&session.who, &sent.pending, &sent.code).await {
        Ok((token, codes)) => {
            // Drawn for the session that has just ended: no sign-out button
            // carrying its token.
            let layout = Layout { signed_in: false, ..layout };
            with_session(
                &token,
                render(&RecoveryCodesPage {
                    layout,
                    codes: codes.0,
                    banner: "Your authenticator app is set up.",
                    next: "/",
                })?,
            )
        }
        // The sealed seed did not open: altered, or from another sign-in.
        // Start again with a new key.
        Err(AuthError::Seal(_)) => {
            let message = "This page has expired. Add Portcullis to your app again using this new QR code or key, \
                           then enter the code it shows";
            Ok(fresh(&app, &session.who, layout, Some(message.to_owned())).await?.into_response())
        }
        Err(e) if is_for_the_person(&e) => Ok(again(layout, e.to_string()).await?.into_response()),
        Err(e) => Err(e.into()),
    }
}

/// What the passkey form sends.
#[derive(Deserialize)]
pub(crate) struct PasskeyPost {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub credential: String,
    #[serde(default)]
    pub passkey_name: String,
}

/// `POST /enrol/passkey`: the browser's new passkey, instead of a code.
pub(crate) async fn submit_passkey(
    layout: Layout,
    State(app): State<App>,
    session: Session,
    Posted(sent): Posted<PasskeyPost>,
) -> Result<Response, PageError> {
    match app.finish_passkey_enrolment(&session.who, &sent.state, &sent.credential, &sent.passkey_name).await {
        Ok((token, codes)) => {
            let layout = Layout { signed_in: false, ..layout };
            with_session(
                &token,
                render(&RecoveryCodesPage { layout, codes: codes.0, banner: "Your passkey is set up.", next: "/" })?,
            )
        }
        Err(e) if is_for_the_person(&e) => {
            Ok(fresh(&app, &session.who, layout, Some(e.to_string())).await?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}
