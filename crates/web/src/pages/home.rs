//! `GET /`: the office home page of a signed-in person.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use portcullis_app::App;

use crate::display::long_date;
use crate::error::PageError;
use crate::layout::{Layout, render};
use crate::session::Full;

#[derive(Debug, Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    office: String,
    name: String,
    role: &'static str,
    people: usize,
    since: String,
}

/// `GET /`
pub(crate) async fn show(layout: Layout, State(app): State<App>, Full(who): Full) -> Result<Html<String>, PageError> {
    let summary = app.home(&who).await?;
    render(&HomePage {
        layout,
        office: summary.office.name.to_string(),
        name: who.user.name.to_string(),
        role: who.user.role.label(),
        people: summary.people,
        since: long_date(summary.office.created_at),
    })
}
