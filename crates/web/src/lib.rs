//! The Portcullis web app: the only crate that knows HTTP.
//!
//! [`router`] turns an [`App`] into an axum [`Router`]; [`serve`] runs it on a
//! listener until told to stop. Handlers parse the request, call one `app`
//! use-case and render the answer with an askama template; business rules
//! live in `app`, never here.
//!
//! Every response, whatever produced it, passes through the same stack (outer
//! first):
//! 1. [`headers`] — the security headers (CSP, framing, referrer, caching);
//! 2. [`error`] — turns an error status into a plain-English HTML page in
//!    the site layout;
//! 3. [`supervise`] — request timeout, panic containment and the hard stop
//!    that [`serve`] uses when shutdown runs out of patience;
//! 4. a request body limit, then the routes.
//!
//! Architecture invariant: no handler decides anything a person could
//! dispute (who may see what, what a finding means); it asks `app`.
#![forbid(unsafe_code)]

mod assets;
mod display;
mod error;
mod headers;
mod health;
mod layout;
mod pages;
mod serve;
mod state;
mod supervise;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use portcullis_app::App;

pub use serve::{WebError, serve, shutdown_signal};

use crate::state::AppState;

/// The largest request body any route accepts. Forms are a few kilobytes;
/// evidence uploads will get their own, larger limit on their own route.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How the web app presents itself.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Show the "demonstration, made-up data" banner on every page.
    pub demo: bool,
}

/// Every route of the web app, with the security stack around it.
pub fn router(app: App, config: WebConfig) -> Router {
    build(AppState::new(app, config), Router::new())
}

/// The routes plus `extra` (tests add slow or panicking routes), layered.
fn build(state: AppState, extra: Router<AppState>) -> Router {
    Router::new()
        .route("/", get(pages::home::show))
        .route("/healthz", get(health::healthz))
        .route(assets::STYLESHEET_PATH, get(assets::stylesheet))
        .merge(extra)
        .fallback(error::not_found)
        // Layers wrap what is above them: the last one added runs first.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(state.clone(), supervise::supervise))
        .layer(from_fn_with_state(state.clone(), error::error_pages))
        .layer(from_fn(headers::security_headers))
        .with_state(state)
}
