//! `portcullis operator …`: central operator accounts, made at the server's
//! own command line (there is no way to become an operator from the web).

use anyhow::{Result, anyhow};
use portcullis_app::{AccountError, AccountForm};
use serde::Serialize;

use crate::args::{Cli, OperatorCommand};
use crate::context::open_app;
use crate::output::{Outcome, print_json, say};
use crate::secret_input::read_secret;

#[derive(Serialize)]
struct OperatorLine<'a> {
    id: String,
    name: &'a str,
    email: &'a str,
    role: &'a str,
}

/// Add an operator account.
pub async fn run(cli: &Cli, cmd: &OperatorCommand) -> Result<Outcome> {
    match cmd {
        OperatorCommand::Add { email, name } => add(cli, email, name).await,
    }
}

async fn add(cli: &Cli, email: &str, name: &str) -> Result<Outcome> {
    let password = read_secret("Password for the new operator account (not shown): ", true)?;
    let app = open_app(cli).await?;
    let form = AccountForm { name, email, password: &password };
    let result = app.add_operator(&form).await;
    app.close().await;
    let user = result.map_err(|e| match e {
        AccountError::Name(m) | AccountError::Email(m) => anyhow!("{m}"),
        other => anyhow!(other),
    })?;
    if cli.json {
        print_json(&OperatorLine {
            id: user.id.to_string(),
            name: user.name.as_str(),
            email: user.email.as_str(),
            role: user.role.as_str(),
        })?;
    } else {
        say(format_args!("Operator account {} <{}> added.", user.name, user.email));
        say("At the first sign-in it must set up an authenticator app or a passkey, then it opens /operator.");
    }
    Ok(Outcome::Clean)
}
