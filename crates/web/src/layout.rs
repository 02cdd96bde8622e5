//! The frame around every page (`templates/base.html`): service name, the
//! signed-in person and their office, navigation, the sign-out button, phase
//! banner, skip link, footer.
//!
//! Handlers take a [`Layout`] as an extractor and put it in their page
//! struct as `layout`; the base template reads it from there. It is built
//! from the [`Visitor`] the session middleware resolved, so every page
//! (error pages included) shows who is signed in without each handler
//! repeating it, and building one costs no database work.

use std::convert::Infallible;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use portcullis_app::policy::{Action, permits};

use crate::assets;
use crate::error::PageError;
use crate::session::Visitor;
use crate::state::AppState;

/// What the base template needs to know about this request.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Show the demonstration banner.
    pub demo: bool,
    /// The office being worked in, shown beside the service name.
    pub office_name: Option<String>,
    /// The signed-in person (after the second factor only).
    pub person_name: Option<String>,
    /// Any session, finished or not: offer "Sign out".
    pub signed_in: bool,
    /// Links for the header navigation: (path, label).
    pub nav: Vec<(&'static str, &'static str)>,
    /// The token every form on the page carries in its `csrf` field.
    pub csrf: String,
    /// The stylesheet's URL, with its content hash for cache busting.
    pub stylesheet: &'static str,
    /// The passkey script's URL, for pages with a passkey form.
    pub passkey_script: &'static str,
}

impl Layout {
    /// The frame for a visitor who is not signed in (and whose forms, if
    /// any, cannot be sent).
    pub fn anonymous(demo: bool) -> Self {
        Self {
            demo,
            office_name: None,
            person_name: None,
            signed_in: false,
            nav: Vec::new(),
            csrf: String::new(),
            stylesheet: assets::stylesheet_href(),
            passkey_script: assets::passkey_script_href(),
        }
    }

    /// The frame for this visitor.
    pub fn for_visitor(demo: bool, visitor: &Visitor) -> Self {
        let mut layout = Self::anonymous(demo);
        layout.csrf = visitor.csrf.to_string();
        let Some(who) = &visitor.who else { return layout };
        layout.signed_in = true;
        if who.is_full() {
            layout.person_name = Some(who.user.name.to_string());
            layout.office_name.clone_from(&visitor.office_name);
            // Links only to what the policy would let them open; the gate
            // still decides when they follow one.
            let links = [
                ("/", "Home", Action::ViewOfficeHome),
                ("/operator", "Offices", Action::OperateOffices),
                ("/domains", "Email domains", Action::ViewChecks),
                ("/dmarc", "DMARC reports", Action::ViewChecks),
                ("/triage", "Phishing triage", Action::ViewChecks),
                ("/vault", "Passwords", Action::ViewChecks),
                ("/people", "People", Action::ManageAccounts),
                ("/audit", "Audit log", Action::ViewAuditLog),
                ("/account", "Your account", Action::ManageOwnAccount),
            ];
            layout.nav =
                links.into_iter().filter(|(_, _, a)| permits(who.user.role, *a)).map(|(p, l, _)| (p, l)).collect();
        }
        layout
    }
}

impl FromRequestParts<AppState> for Layout {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(match parts.extensions.get::<Visitor>() {
            Some(visitor) => Self::for_visitor(state.config.demo, visitor),
            None => Self::anonymous(state.config.demo),
        })
    }
}

/// Render a page template into an HTML response.
pub(crate) fn render<T: Template>(page: &T) -> Result<Html<String>, PageError> {
    Ok(Html(page.render()?))
}
