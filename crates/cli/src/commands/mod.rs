//! One module per command group.

mod breach;
mod dmarc;
pub(crate) mod domain;
mod files;
mod imap;
mod mail;
mod office;
mod operator;
pub(crate) mod serve;
mod vault;

use anyhow::Result;

use crate::args::{Cli, Command};
use crate::output::{Outcome, say};

/// Run the parsed command.
pub async fn run(cli: Cli) -> Result<Outcome> {
    match &cli.command {
        Command::Serve(args) => serve::run(&cli, args).await,
        Command::Migrate => {
            let app = crate::context::open_app(&cli).await?;
            app.close().await;
            if !cli.json {
                say("The database schema is up to date.");
            }
            Ok(Outcome::Clean)
        }
        Command::Domain(cmd) => domain::run(&cli, cmd).await,
        Command::Office(cmd) => office::run(&cli, cmd).await,
        Command::Operator(cmd) => operator::run(&cli, cmd).await,
        Command::Dmarc(cmd) => dmarc::run(&cli, cmd).await,
        Command::Mail(cmd) => mail::run(&cli, cmd).await,
        Command::Breach(cmd) => breach::run(&cli, cmd).await,
        Command::Vault(cmd) => vault::run(&cli, cmd).await,
    }
}
