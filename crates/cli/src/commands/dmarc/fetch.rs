//! `portcullis dmarc fetch --imap HOST …`: read every message in a mailbox
//! folder, store its reports, and move it on.

use anyhow::{Result, bail};
use portcullis_app::Actor;
use portcullis_app::dmarc::Folders;

use crate::args::{Cli, DmarcCommand};
use crate::commands::imap::Connection;
use crate::context::open_app;

/// Run `dmarc fetch`.
pub async fn run(cli: &Cli, cmd: &DmarcCommand) -> Result<crate::output::Outcome> {
    let DmarcCommand::Fetch { imap, folder, move_to, unreadable_to, office } = cmd else {
        bail!("not a fetch command");
    };
    let connection = Connection::from(imap);
    let account = connection.account()?;
    let folders = Folders { source: folder.clone(), processed: move_to.clone(), unreadable: unreadable_to.clone() };
    let app = open_app(cli).await?;
    let result = async {
        let office = app.cli_office(office.as_deref()).await?;
        let mut imap = connection.connect(&account).await?;
        let outcomes = app.fetch_reports(office, &mut imap, &folders, &Actor::Cli, super::printer(cli.json, 0)).await;
        imap.logout().await;
        anyhow::Ok(outcomes?)
    }
    .await;
    app.close().await;
    Ok(super::conclude(cli, &result?))
}
