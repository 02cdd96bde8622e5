//! What every handler can reach: the use-cases, the presentation settings and
//! the shutdown switch.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use portcullis_app::App;
use tokio::sync::watch;

use crate::WebConfig;

/// How long one request may take before the visitor is told to try again.
/// Long enough for a slow database, short enough that a stuck request does
/// not hold a connection (and a database handle) indefinitely.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Shared, cheaply cloned state of the router.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    /// The use-cases.
    pub app: App,
    /// Presentation settings.
    pub config: Arc<WebConfig>,
    /// Limits and the hard stop that every request runs under.
    pub supervisor: Supervisor,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> Self {
        Self { app, config: Arc::new(config), supervisor: Supervisor::new(REQUEST_TIMEOUT) }
    }
}

impl FromRef<AppState> for App {
    fn from_ref(state: &AppState) -> Self {
        state.app.clone()
    }
}

impl FromRef<AppState> for Supervisor {
    fn from_ref(state: &AppState) -> Self {
        state.supervisor.clone()
    }
}

/// The request timeout and the switch that stops every request in progress.
///
/// Each request in progress holds a receiver of `stop`; [`serve`](crate::serve)
/// flips it to `true` when the shutdown grace period is over and then waits
/// for the receivers to go, which tells it no handler is still using the
/// database.
#[derive(Debug, Clone)]
pub(crate) struct Supervisor {
    pub timeout: Duration,
    pub stop: Arc<watch::Sender<bool>>,
}

impl Supervisor {
    pub fn new(timeout: Duration) -> Self {
        Self { timeout, stop: Arc::new(watch::Sender::new(false)) }
    }
}
