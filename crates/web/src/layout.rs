//! The frame around every page (`templates/base.html`): service name, office
//! name, phase banner, skip link, footer.
//!
//! Handlers take a [`Layout`] as an extractor and put it in their page
//! struct as `layout`; the base template reads it from there. When sign-in
//! arrives, the extractor is where the signed-in person, their office and
//! the CSRF token will be read, so every page (error pages included) shows
//! them without each handler repeating it. The error-page middleware builds
//! a `Layout` for every request, so building one must stay cheap: a session
//! middleware (outside `error::error_pages`) should look the session up once
//! and leave it in the request extensions for this extractor to read.

use std::convert::Infallible;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;

use crate::assets;
use crate::error::PageError;
use crate::state::AppState;

/// What the base template needs to know about this request.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Show the demonstration banner.
    pub demo: bool,
    /// The office being worked in, shown beside the service name.
    pub office_name: Option<String>,
    /// The stylesheet's URL, with its content hash for cache busting.
    pub stylesheet: &'static str,
}

impl Layout {
    /// The frame for a visitor who is not signed in.
    pub fn anonymous(demo: bool) -> Self {
        Self { demo, office_name: None, stylesheet: assets::stylesheet_href() }
    }
}

impl FromRequestParts<AppState> for Layout {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self::anonymous(state.config.demo))
    }
}

/// Render a page template into an HTML response.
pub(crate) fn render<T: Template>(page: &T) -> Result<Html<String>, PageError> {
    Ok(Html(page.render()?))
}
