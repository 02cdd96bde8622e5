//! `portcullis serve`

use anyhow::{Context as _, Result};
use portcullis_app::Actor;
use portcullis_web::WebConfig;

use crate::args::{Cli, ServeArgs};
use crate::context::{db_url, open_app};
use crate::output::{Outcome, say};

/// Open the database, bind, serve until SIGTERM/SIGINT, then close cleanly.
pub async fn run(cli: &Cli, args: &ServeArgs) -> Result<Outcome> {
    let public_url = public_url(args)?;
    let mailer = mailer(&args.mail_from)?;
    let mut app = open_app(cli).await?.with_public_url(&public_url).with_mailer(mailer);
    // Without a resolver the web app still runs; domain checks say why they cannot.
    match super::domain::network(args.resolver) {
        Ok((dns, web)) => app = app.with_network(dns, web),
        Err(e) => tracing::warn!("domain checks are off: {}", crate::output::one_line(&e)),
    }
    let mut demo_password = None;
    if args.demo {
        demo_password =
            app.seed_demo(&Actor::System).await.context("cannot add the demonstration office")?.manager_password;
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
    if let Some(password) = &demo_password {
        say(format_args!(
            "Demo office created. Sign in as {} with password {} (shown once; you will then set up an authenticator app).",
            portcullis_app::DEMO_MANAGER_EMAIL,
            password.as_str()
        ));
    }
    let setup_token = first_run_token(&app).await?;
    if let Some(token) = &setup_token {
        say(format_args!(
            "First run: open http://{shown}/setup?token={} to create the office and its manager account.",
            token.as_str()
        ));
    }
    say("Press Ctrl+C to stop.");
    let config = WebConfig {
        demo: args.demo,
        setup_token: setup_token.map(|t| t.to_string()),
        trusted_proxies: args.trusted_proxies.clone(),
    };
    // Watched domains are re-checked daily; the job looks for due ones every 10 minutes.
    let monitor = tokio::spawn(app.clone().monitor_domains(std::time::Duration::from_secs(600)));
    let served = portcullis_web::serve(listener, app.clone(), config, portcullis_web::shutdown_signal()).await;
    // A check in progress is dropped: its domain is due again tomorrow.
    monitor.abort();
    // Close the database whatever happened, so the WAL is checkpointed.
    app.close().await;
    served.context("the web server stopped with an error")?;
    say("Portcullis has stopped.");
    Ok(Outcome::Clean)
}

/// `--public-url`, or what the listening address implies: a loopback
/// address becomes `localhost` (passkeys need a name, not a number).
fn public_url(args: &ServeArgs) -> Result<url::Url> {
    if let Some(url) = &args.public_url {
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            anyhow::bail!("--public-url must be an http or https address such as https://portcullis.example.org.uk");
        }
        return Ok(url.clone());
    }
    let port = args.listen.port();
    let host = if args.listen.ip().is_loopback() || args.listen.ip().is_unspecified() {
        "localhost".to_owned()
    } else {
        match args.listen.ip() {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        }
    };
    url::Url::parse(&format!("http://{host}:{port}/")).context("cannot make a public address from --listen")
}

/// The SMTP relay from `PORTCULLIS_SMTP_URL` sending as `from`, or the terminal.
pub(crate) fn mailer(from: &str) -> Result<std::sync::Arc<dyn portcullis_app::mail::Mailer>> {
    match std::env::var("PORTCULLIS_SMTP_URL").ok().filter(|v| !v.trim().is_empty()) {
        Some(url) => {
            let smtp = portcullis_app::mail::SmtpMailer::new(url.trim(), from)
                .context("cannot use the mail server in PORTCULLIS_SMTP_URL")?;
            Ok(std::sync::Arc::new(smtp))
        }
        None => Ok(std::sync::Arc::new(crate::mailer::TerminalMailer)),
    }
}

/// A one-time setup token while no account exists, so that only whoever can
/// read this terminal can claim a fresh server.
async fn first_run_token(app: &portcullis_app::App) -> Result<Option<zeroize::Zeroizing<String>>> {
    if app.needs_setup().await? {
        Ok(Some(portcullis_app::auth::new_token(&portcullis_app::OsRandom)))
    } else {
        Ok(None)
    }
}
