//! `GET /`: what Portcullis is, and the offices it holds.
//!
//! Until accounts exist there is no sign-in in front of this page, so it
//! shows only office names and dates, nothing from inside an office.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use portcullis_app::App;

use crate::display::long_date;
use crate::error::PageError;
use crate::layout::{Layout, render};

/// One row of the offices table.
#[derive(Debug)]
struct OfficeRow {
    name: String,
    created: String,
    demo: bool,
}

#[derive(Debug, Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    offices: Vec<OfficeRow>,
}

/// `GET /`
pub(crate) async fn show(layout: Layout, State(app): State<App>) -> Result<Html<String>, PageError> {
    let offices = app
        .offices()
        .await?
        .into_iter()
        .map(|o| OfficeRow { name: o.name.to_string(), created: long_date(o.created_at), demo: o.demo })
        .collect();
    render(&HomePage { layout, offices })
}
