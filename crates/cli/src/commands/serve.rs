//! `portcullis serve`

use anyhow::{Context as _, Result};
use portcullis_app::Actor;
use portcullis_web::WebConfig;

use crate::args::{Cli, ServeArgs};
use crate::context::{db_url, open_app};
use crate::output::{Outcome, say};

/// Open the database, bind, serve until SIGTERM/SIGINT, then close cleanly.
pub async fn run(cli: &Cli, args: &ServeArgs) -> Result<Outcome> {
    let app = open_app(cli).await?;
    if args.demo {
        app.seed_demo(&Actor::System).await.context("cannot add the demonstration office")?;
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            app.close().await;
            return Err(e).with_context(|| format!("cannot listen on {}", args.listen));
        }
    };
    let shown = listener.local_addr().map_or_else(|_| args.listen.to_string(), |a| a.to_string());
    say(format_args!("Portcullis is running at http://{shown}/ (database: {})", db_url(cli)?.display_safe()));
    say("Press Ctrl+C to stop.");
    let served =
        portcullis_web::serve(listener, app.clone(), WebConfig { demo: args.demo }, portcullis_web::shutdown_signal())
            .await;
    // Close the database whatever happened, so the WAL is checkpointed.
    app.close().await;
    served.context("the web server stopped with an error")?;
    say("Portcullis has stopped.");
    Ok(Outcome::Clean)
}
