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
//! 2. [`session`] — who is asking: the session cookie resolved once, and the
//!    CSRF token their forms must carry;
//! 3. [`error`] — turns an error status into a plain-English HTML page in
//!    the site layout;
//! 4. [`supervise`] — request timeout, panic containment and the hard stop
//!    that [`serve`] uses when shutdown runs out of patience;
//! 5. a request body limit, then the routes of [`routes::ROUTES`], each
//!    behind its [`gate`]: sign-in stage, `app`'s policy, and CSRF.
//!
//! Architecture invariant: no handler decides anything a person could
//! dispute (who may see what, what a finding means); it asks `app`.
#![forbid(unsafe_code)]

mod assets;
mod charts;
mod cookies;
mod csrf;
mod display;
mod error;
mod forms;
mod gate;
mod headers;
mod health;
mod layout;
mod pages;
mod passkey_form;
mod qr;
mod routes;
mod serve;
mod session;
mod state;
mod supervise;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use portcullis_app::App;

pub use serve::{WebError, serve, shutdown_signal};

use crate::state::AppState;

/// The largest request body any route accepts. Forms are a few kilobytes;
/// evidence uploads will get their own, larger limit on their own route.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How the web app presents itself.
#[derive(Clone, Default)]
pub struct WebConfig {
    /// Show the "demonstration, made-up data" banner on every page.
    pub demo: bool,
    /// The one-time token that `/setup?token=…` must carry while no account
    /// exists. The CLI makes one at start on a fresh database and prints the
    /// link, so only whoever can read the server's terminal can claim it.
    /// `None` means `/setup` is never offered.
    pub setup_token: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed. A request from
    /// anywhere else is attributed to its own peer address, so nobody can
    /// dodge the sign-in throttle by sending that header themselves.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl std::fmt::Debug for WebConfig {
    // The setup token is a credential: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("demo", &self.demo)
            .field("setup_token", &self.setup_token.as_ref().map(|_| "…"))
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

/// Every route of the web app, with the security stack around it.
pub fn router(app: App, config: WebConfig) -> Router {
    build(AppState::new(app, config), Router::new())
}

/// The routes plus `extra` (tests add slow or panicking routes), layered.
fn build(state: AppState, extra: Router<AppState>) -> Router {
    routes::router(&state)
        .merge(extra)
        .fallback(error::not_found)
        // Layers wrap what is above them: the last one added runs first.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(state.clone(), supervise::supervise))
        .layer(from_fn_with_state(state.clone(), error::error_pages))
        .layer(from_fn_with_state(state.clone(), session::sessions))
        .layer(from_fn(headers::security_headers))
        .with_state(state)
}
