//! Running the router on a socket, and stopping it without cutting anyone off.
//!
//! On shutdown: stop accepting connections, let requests in progress finish
//! for up to [`SHUTDOWN_GRACE`], then stop whatever is still running (each
//! such visitor gets a "try again" page) and return. The caller closes the
//! database afterwards, so no handler may still be using it by then.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use portcullis_app::App;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::state::{AppState, Supervisor};
use crate::{WebConfig, build};

/// How long requests in progress may run on after the shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long to wait for stopped requests to let go, after the grace period.
const HARD_STOP_WAIT: Duration = Duration::from_secs(2);

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The listening socket failed.
    #[error("the web server's listening socket failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Serve until `shutdown` resolves, then stop accepting, let in-flight
/// requests finish (for up to ten seconds), and return. The caller closes the
/// [`App`] (database) afterwards.
pub async fn serve(
    listener: TcpListener,
    app: App,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let state = AppState::new(app, config);
    let supervisor = state.supervisor.clone();
    serve_router(listener, build(state, Router::new()), supervisor, shutdown, SHUTDOWN_GRACE).await
}

async fn serve_router(
    listener: TcpListener,
    router: Router,
    supervisor: Supervisor,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> Result<(), WebError> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "Portcullis is listening");
    }
    let (signalled_tx, signalled_rx) = oneshot::channel();
    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections; finishing requests in progress");
        let _ = signalled_tx.send(());
    };
    // Handlers see the peer address (sign-in throttling, the audit log).
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut server = axum::serve(listener, service).with_graceful_shutdown(signal).into_future();

    tokio::select! {
        done = &mut server => return Ok(done?),
        Ok(()) = signalled_rx => {}
    }
    if let Ok(done) = tokio::time::timeout(grace, &mut server).await {
        tracing::info!("all requests finished; stopped");
        return Ok(done?);
    }
    tracing::warn!(grace = ?grace, "requests still running after the grace period; stopping them");
    supervisor.stop.send_replace(true);
    if tokio::time::timeout(HARD_STOP_WAIT, supervisor.stop.closed()).await.is_err() {
        tracing::error!("some requests did not stop; closing anyway");
    }
    Ok(())
}

/// Resolves when the process is asked to stop: SIGTERM (systemd, containers)
/// or SIGINT (Ctrl-C).
#[cfg(unix)]
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};

    let wait = |kind: SignalKind, name: &'static str| async move {
        match signal(kind) {
            Ok(mut stream) => {
                stream.recv().await;
                tracing::info!("received {name}");
            }
            // Without this signal we can still stop on the other one.
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for {name}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = wait(SignalKind::terminate(), "SIGTERM") => {}
        () = wait(SignalKind::interrupt(), "SIGINT") => {}
    }
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
pub async fn shutdown_signal() {
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::error!(error = %e, "cannot listen for Ctrl-C");
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests;
