//! `GET/POST /invite?token=…`: someone who was invited chooses a password.
//! Their account is created and they go straight on to enrol a second
//! factor; until they do, the account can do nothing else.

use askama::Template;
use axum::Form as Posted;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_app::{App, InviteError};
use portcullis_store::Invitation;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::message::MessagePage;
use super::{query_param, with_session};
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::session::{ClientIp, MAX_TOKEN_CHARS};

#[derive(Debug, Template)]
#[template(path = "join.html")]
struct JoinPage {
    layout: Layout,
    form: Form,
    token: String,
    inviter: String,
    office: String,
    name: String,
    email: String,
    role: &'static str,
}

fn form(error: Option<String>) -> Form {
    let mut field = Field::password("password", "Create a password", "new-password")
        .hint("Use at least 12 characters. Three random words make a good password.");
    field.error = error;
    Form::new(vec![field])
}

async fn page(
    app: &App,
    layout: Layout,
    token: &str,
    invitation: &Invitation,
    form: Form,
) -> Result<Response, PageError> {
    let office = app.store().office(invitation.office_id).await.map_err(portcullis_app::AppError::from)?;
    let page = JoinPage {
        layout,
        form,
        token: token.to_owned(),
        inviter: invitation.invited_by.clone(),
        office: office.map(|o| o.name.to_string()).unwrap_or_default(),
        name: invitation.name.to_string(),
        email: invitation.email.to_string(),
        role: invitation.role.label(),
    };
    Ok(render(&page)?.into_response())
}

fn expired(layout: Layout) -> Result<Response, PageError> {
    let page = MessagePage {
        layout,
        title: "This invitation link does not work",
        paragraphs: vec![
            "It may have expired, or it may have been used already. Each link works once, for 7 days.",
            "Ask your office manager to invite you again.",
        ],
        link: None,
    };
    Ok((axum::http::StatusCode::NOT_FOUND, render(&page)?).into_response())
}

/// `GET /invite?token=…`
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let token = Zeroizing::new(query_param(query.as_deref(), "token").unwrap_or_default());
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return expired(layout);
    }
    match app.open_invitation(&token).await {
        Ok(invitation) => page(&app, layout, &token, &invitation, form(None)).await,
        Err(InviteError::Expired) => expired(layout),
        Err(e) => Err(PageError::App(portcullis_app::AppError::Refused(e.to_string()))),
    }
}

/// What the form sends.
#[derive(Deserialize)]
pub(crate) struct JoinForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// `POST /invite`
pub(crate) async fn submit(
    layout: Layout,
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    Posted(mut sent): Posted<JoinForm>,
) -> Result<Response, PageError> {
    let token = Zeroizing::new(std::mem::take(&mut sent.token));
    let password = Zeroizing::new(std::mem::take(&mut sent.password));
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return expired(layout);
    }
    let problem = if password.is_empty() {
        "Enter a password".to_owned()
    } else {
        match app.accept_invitation(&token, &password, ip.as_deref()).await {
            Ok(session) => return with_session(&session, Redirect::to("/enrol")),
            Err(InviteError::Password(p)) => p.to_string(),
            Err(InviteError::Expired) => return expired(layout),
            Err(InviteError::Other(e)) => return Err(e.into()),
            Err(e) => e.to_string(),
        }
    };
    match app.open_invitation(&token).await {
        Ok(invitation) => page(&app, layout, &token, &invitation, form(Some(problem))).await,
        Err(_) => expired(layout),
    }
}
