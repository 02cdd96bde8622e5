//! Every request runs in its own task, watched: if it takes too long, panics,
//! or is still running when shutdown's patience runs out, the visitor gets an
//! error page and the handler is dropped (releasing its database handle).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::error::PageError;
use crate::state::Supervisor;

/// Middleware: run the rest of the stack under the supervisor's rules.
pub(crate) async fn supervise(State(supervisor): State<Supervisor>, req: Request, next: Next) -> Response {
    // Holding a receiver marks this request as in progress (see `Supervisor`).
    let mut stop = supervisor.stop.subscribe();
    if *stop.borrow_and_update() {
        return PageError::ShuttingDown.into_response();
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut task = AbortOnDrop(tokio::spawn(next.run(req).in_current_span()));

    tokio::select! {
        joined = &mut task.0 => match joined {
            Ok(res) => res,
            Err(e) => {
                // The panic message itself went to the panic hook; do not
                // repeat a payload that may quote user input.
                tracing::error!(%method, path, panicked = e.is_panic(), "a request handler failed");
                PageError::Internal.into_response()
            }
        },
        () = tokio::time::sleep(supervisor.timeout) => {
            task.0.abort();
            let _cancelled = (&mut task.0).await;
            tracing::warn!(%method, path, timeout = ?supervisor.timeout, "a request took too long and was stopped");
            PageError::TimedOut.into_response()
        },
        () = stopped(&mut stop) => {
            task.0.abort();
            let _cancelled = (&mut task.0).await;
            tracing::warn!(%method, path, "a request was stopped because Portcullis is shutting down");
            PageError::ShuttingDown.into_response()
        },
    }
}

/// The handler's task, cancelled if the visitor goes away (hyper then drops
/// this middleware's future) just as a handler run in place would be; a
/// detached task would escape both the timeout and the hard stop.
struct AbortOnDrop(JoinHandle<Response>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Resolves once the stop switch is on; never if its sender is gone.
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    if stop.wait_for(|on| *on).await.is_err() {
        std::future::pending::<()>().await;
    }
}
