//! `/operator`: the central operator's console. It lists the offices the
//! deployment serves and opens new ones, inviting each one's first manager.
//! It shows nothing from inside an office beyond its name and head count.

use askama::Template;
use axum::Form as Posted;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use portcullis_app::{App, INVITATION_DAYS, NewOfficeRequest, OpenOfficeError};
use serde::Deserialize;

use super::invite::{InvitedPage, field_error};
use crate::display::long_date;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::session::Full;

/// One office in the list.
#[derive(Debug)]
struct OfficeRow {
    name: String,
    since: String,
    people: usize,
    demo: bool,
}

#[derive(Debug, Template)]
#[template(path = "operator.html")]
struct OperatorPage {
    layout: Layout,
    offices: Vec<OfficeRow>,
    form: Form,
    days: i64,
}

/// What the new-office form sends.
#[derive(Deserialize, Default)]
pub(crate) struct OfficeForm {
    #[serde(default)]
    office_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

fn form(sent: &OfficeForm) -> Form {
    Form::new(vec![
        Field::text("office_name", "Office name", "off")
            .hint("For example, Office of Jane Smith MP")
            .value(sent.office_name.trim()),
        Field::text("name", "Office manager's full name", "off").value(sent.name.trim()),
        Field::email("email", "Office manager's email address", "off")
            .hint("Their work address, where the invitation will go")
            .value(sent.email.trim()),
    ])
}

async fn page(
    app: &App,
    who: &portcullis_app::auth::SignedIn,
    layout: Layout,
    form: Form,
) -> Result<Response, PageError> {
    let offices = app
        .operator_offices(who)
        .await?
        .into_iter()
        .map(|s| OfficeRow {
            name: s.office.name.to_string(),
            since: long_date(s.office.created_at),
            people: s.people,
            demo: s.office.demo,
        })
        .collect();
    Ok(render(&OperatorPage { layout, offices, form, days: INVITATION_DAYS })?.into_response())
}

/// `GET /operator`
pub(crate) async fn show(layout: Layout, State(app): State<App>, Full(who): Full) -> Result<Response, PageError> {
    page(&app, &who, layout, form(&OfficeForm::default())).await
}

/// `POST /operator/offices`: open an office and invite its manager.
pub(crate) async fn open_office(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<OfficeForm>,
) -> Result<Response, PageError> {
    let mut errors = crate::forms::blank_fields(&[
        ("office_name", sent.office_name.as_str(), "Enter the office's name"),
        ("name", sent.name.as_str(), "Enter the office manager's full name"),
        ("email", sent.email.as_str(), "Enter the office manager's email address"),
    ]);
    if errors.is_empty() {
        let request = NewOfficeRequest {
            office_name: sent.office_name.trim(),
            manager_name: sent.name.trim(),
            manager_email: sent.email.trim(),
        };
        match app.open_office(&who, &request).await {
            Ok((office, invited)) => {
                let title = format!("{} is set up", office.name);
                return InvitedPage::render(layout, title, invited, ("/operator", "Back to offices"));
            }
            Err(OpenOfficeError::OfficeName(m)) => errors.push(("office_name", m)),
            Err(OpenOfficeError::Invite(e)) => errors.push(field_error(e)?),
        }
    }
    let mut form = form(&sent);
    form.set_errors(&errors);
    page(&app, &who, layout, form).await
}
