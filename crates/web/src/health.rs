//! `GET /healthz`: for load balancers and `systemd`-style watchdogs. No
//! sign-in, no page, no detail: `200 ok` when the database answers, `503
//! unavailable` otherwise (the reason goes to the log, not to the caller).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_app::App;

use crate::error::MachineAnswer;

/// `GET /healthz`
pub(crate) async fn healthz(State(app): State<App>) -> Response {
    match app.health().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            let mut res = (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response();
            res.extensions_mut().insert(MachineAnswer);
            res
        }
    }
}
