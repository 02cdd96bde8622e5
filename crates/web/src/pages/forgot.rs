//! `/login/forgot` and `/login/reset`: a forgotten password. The first says
//! the same thing whatever address is typed, so it cannot be used to learn
//! who has an account; the second sets a new password through the emailed
//! link. The second factor is untouched: it is still needed to sign in.

use askama::Template;
use axum::Form as Posted;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_app::App;
use portcullis_app::auth::ChangeError;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::message::MessagePage;
use super::query_param;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::session::ClientIp;

/// The longest reset token worth checking; ours are about 110 characters.
const MAX_TOKEN_CHARS: usize = 200;

#[derive(Debug, Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    layout: Layout,
    form: Form,
}

fn forgot_form(email: &str, error: Option<&str>) -> Form {
    let mut field = Field::email("email", "Email address", "username").value(email);
    field.error = error.map(str::to_owned);
    Form::new(vec![field])
}

/// `GET /login/forgot`
pub(crate) async fn show(layout: Layout) -> Result<Response, PageError> {
    Ok(render(&ForgotPage { layout, form: forgot_form("", None) })?.into_response())
}

/// What the forgotten-password form sends.
#[derive(Deserialize)]
pub(crate) struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /login/forgot`
pub(crate) async fn submit(
    layout: Layout,
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    Posted(sent): Posted<ForgotForm>,
) -> Result<Response, PageError> {
    let email = sent.email.trim();
    if email.is_empty() {
        let form = forgot_form("", Some("Enter your email address"));
        return Ok(render(&ForgotPage { layout, form })?.into_response());
    }
    app.request_password_reset(email, ip.as_deref()).await?;
    let page = MessagePage {
        layout,
        title: "Check your email",
        paragraphs: vec![
            "If that address has a Portcullis account, we have sent it a link to set a new password. The link works \
             once, for 60 minutes.",
            "If nothing arrives in a few minutes, check your junk folder, then ask your office manager.",
        ],
        link: Some(("/login", "Back to sign in")),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Template)]
#[template(path = "reset.html")]
struct ResetPage {
    layout: Layout,
    form: Form,
    token: String,
    email: String,
}

fn reset_form(error: Option<String>) -> Form {
    let mut field = Field::password("password", "New password", "new-password")
        .hint("Use at least 12 characters. Three random words make a good password.");
    field.error = error;
    Form::new(vec![field])
}

fn link_expired(layout: Layout) -> Result<Response, PageError> {
    let page = MessagePage {
        layout,
        title: "This reset link does not work",
        paragraphs: vec![
            "It may have expired, or it may have been used already. Each link works once, for 60 minutes.",
        ],
        link: Some(("/login/forgot", "Ask for a new link")),
    };
    Ok((axum::http::StatusCode::NOT_FOUND, render(&page)?).into_response())
}

/// `GET /login/reset?token=…`
pub(crate) async fn show_reset(
    layout: Layout,
    State(app): State<App>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let token = Zeroizing::new(query_param(query.as_deref(), "token").unwrap_or_default());
    if token.len() > MAX_TOKEN_CHARS {
        return link_expired(layout);
    }
    match app.reset_link_account(&token).await {
        Ok(user) => {
            let page =
                ResetPage { layout, form: reset_form(None), token: token.to_string(), email: user.email.to_string() };
            Ok(render(&page)?.into_response())
        }
        Err(ChangeError::Auth(e)) => Err(e.into()),
        Err(_) => link_expired(layout),
    }
}

/// What the reset form sends.
#[derive(Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// `POST /login/reset`
pub(crate) async fn submit_reset(
    layout: Layout,
    State(app): State<App>,
    Posted(mut sent): Posted<ResetForm>,
) -> Result<Response, PageError> {
    let token = Zeroizing::new(std::mem::take(&mut sent.token));
    let password = Zeroizing::new(std::mem::take(&mut sent.password));
    if token.len() > MAX_TOKEN_CHARS {
        return link_expired(layout);
    }
    let user = match app.reset_link_account(&token).await {
        Ok(user) => user,
        Err(ChangeError::Auth(e)) => return Err(e.into()),
        Err(_) => return link_expired(layout),
    };
    let problem = if password.is_empty() {
        "Enter a new password".to_owned()
    } else {
        match app.reset_password(&token, &password).await {
            Ok(()) => return Ok(Redirect::to("/login?done=reset").into_response()),
            Err(ChangeError::Policy(p)) => p.to_string(),
            Err(ChangeError::Auth(e)) => return Err(e.into()),
            Err(_) => return link_expired(layout),
        }
    };
    let page =
        ResetPage { layout, form: reset_form(Some(problem)), token: token.to_string(), email: user.email.to_string() };
    Ok(render(&page)?.into_response())
}
