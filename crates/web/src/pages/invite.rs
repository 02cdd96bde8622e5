//! `GET/POST /people/invite`: a manager invites a colleague. When the server
//! cannot send email, the page shows the link for the manager to pass on.

use askama::Template;
use axum::Form as Posted;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use portcullis_app::mail::Delivery;
use portcullis_app::{App, INVITATION_DAYS, InviteError, InviteRequest, Invited};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::people::role_choices;
use crate::display::date_time;
use crate::error::PageError;
use crate::forms::{Field, Form, Radios};
use crate::layout::{Layout, render};
use crate::session::Full;

#[derive(Debug, Template)]
#[template(path = "invite.html")]
struct InvitePage {
    layout: Layout,
    form: Form,
    days: i64,
}

/// The page after an invitation is made (here, or with a new office).
#[derive(Template)]
#[template(path = "invited.html")]
pub(crate) struct InvitedPage {
    pub layout: Layout,
    /// The page's heading.
    pub title: String,
    pub name: String,
    pub email: String,
    /// The link, when it was not emailed.
    pub link: Option<Zeroizing<String>>,
    pub expires: String,
    /// Where to go next: (path, words).
    pub back: (&'static str, &'static str),
}

impl InvitedPage {
    /// The page for `invited`; the link is shown only when it was not emailed.
    pub fn render(
        layout: Layout,
        title: String,
        invited: Invited,
        back: (&'static str, &'static str),
    ) -> Result<Response, PageError> {
        let page = Self {
            layout,
            title,
            name: invited.name.to_string(),
            email: invited.email.to_string(),
            link: (invited.delivery != Delivery::Sent).then_some(invited.link),
            expires: date_time(invited.expires_at),
            back,
        };
        Ok(render(&page)?.into_response())
    }
}

/// The form field an invitation error belongs to, with its message; errors
/// that belong to no field end the request.
pub(crate) fn field_error(e: InviteError) -> Result<(&'static str, String), PageError> {
    match e {
        InviteError::Name(m) => Ok(("name", m)),
        InviteError::Email(m) => Ok(("email", m)),
        InviteError::Role(m) => Ok(("role", m)),
        InviteError::Other(e) => Err(e.into()),
        e @ (InviteError::Password(_) | InviteError::Expired) => {
            Err(PageError::App(portcullis_app::AppError::Refused(e.to_string())))
        }
    }
}

impl std::fmt::Debug for InvitedPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitedPage(…)")
    }
}

/// What the invitation form sends.
#[derive(Deserialize, Default)]
pub(crate) struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

fn form(sent: &InviteForm) -> Form {
    Form::new(vec![
        Field::text("name", "Full name", "off").value(sent.name.trim()),
        Field::email("email", "Email address", "off")
            .hint("Their work address, where the invitation will go")
            .value(sent.email.trim()),
    ])
    .with_radios(Radios::new("role", "Role", role_choices()).selected(sent.role.trim()))
}

/// `GET /people/invite`
pub(crate) async fn show(layout: Layout) -> Result<Response, PageError> {
    // The route's gate has already asked `app.permit(ManageAccounts)`.
    Ok(render(&InvitePage { layout, form: form(&InviteForm::default()), days: INVITATION_DAYS })?.into_response())
}

/// `POST /people/invite`
pub(crate) async fn submit(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<InviteForm>,
) -> Result<Response, PageError> {
    let mut errors = crate::forms::blank_fields(&[
        ("name", sent.name.as_str(), "Enter their full name"),
        ("email", sent.email.as_str(), "Enter their email address"),
        ("role", sent.role.as_str(), "Choose the role they will have in the office"),
    ]);
    if errors.is_empty() {
        let request = InviteRequest { name: sent.name.trim(), email: sent.email.trim(), role: sent.role.trim() };
        match app.invite(&who, &request).await {
            Ok(invited) => {
                return InvitedPage::render(
                    layout,
                    "Invitation made".to_owned(),
                    invited,
                    ("/people", "Back to people"),
                );
            }
            Err(e) => errors.push(field_error(e)?),
        }
    }
    let mut form = form(&sent);
    form.set_errors(&errors);
    Ok(render(&InvitePage { layout, form, days: INVITATION_DAYS })?.into_response())
}
