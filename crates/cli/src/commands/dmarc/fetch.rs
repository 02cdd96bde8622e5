//! `portcullis dmarc fetch --imap HOST …`: read every message in a mailbox
//! folder, store its reports, and move it on.

use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use async_trait::async_trait;
use portcullis_app::Actor;
use portcullis_app::dmarc::{Folders, MailboxError, ReportMailbox};
use portcullis_net::imap::{ImapAccount, ImapSecurity, Mailbox};
use zeroize::Zeroizing;

use crate::args::{Cli, DmarcCommand};
use crate::context::open_app;

/// Each network step of the mailbox, at most.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Longest password file line we read.
const MAX_PASSWORD_FILE: u64 = 4096;

/// The IMAP mailbox as the app sees a report mailbox.
struct Imap {
    mailbox: Mailbox,
    host: String,
}

fn words(e: impl std::fmt::Display) -> MailboxError {
    MailboxError(e.to_string())
}

#[async_trait]
impl ReportMailbox for Imap {
    async fn message_uids(&mut self, folder: &str) -> Result<Vec<u32>, MailboxError> {
        self.mailbox.message_uids(folder).await.map_err(words)
    }

    async fn fetch(&mut self, uid: u32, max_bytes: u64) -> Result<Vec<u8>, MailboxError> {
        self.mailbox.fetch(uid, max_bytes).await.map_err(words)
    }

    async fn move_to(&mut self, uid: u32, folder: &str) -> Result<(), MailboxError> {
        self.mailbox.move_to(uid, folder).await.map_err(words)
    }

    fn describe(&self, folder: &str, uid: u32) -> String {
        format!("imap://{}/{folder};UID={uid}", self.host)
    }
}

/// The first line of the password file, never echoed anywhere.
fn read_password(path: &std::path::Path) -> Result<Zeroizing<String>> {
    use std::io::Read as _;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read the password file {}", path.display()))?;
    let mut raw = Zeroizing::new(String::new());
    file.take(MAX_PASSWORD_FILE)
        .read_to_string(&mut raw)
        .with_context(|| format!("cannot read the password file {}", path.display()))?;
    let line = raw.lines().next().unwrap_or_default();
    if line.is_empty() {
        bail!("the password file {} is empty: put the password on its first line", path.display());
    }
    Ok(Zeroizing::new(line.to_owned()))
}

/// Run `dmarc fetch`.
pub async fn run(cli: &Cli, cmd: &DmarcCommand) -> Result<crate::output::Outcome> {
    let DmarcCommand::Fetch {
        host,
        port,
        user,
        password_file,
        folder,
        move_to,
        unreadable_to,
        tls: _,
        starttls,
        ca_file,
        office,
    } = cmd
    else {
        bail!("not a fetch command");
    };
    let security = if *starttls { ImapSecurity::StartTls } else { ImapSecurity::Tls };
    let mut account = ImapAccount::new(host.clone(), security, user.clone(), read_password(password_file)?);
    account.port = *port;
    account.timeout = TIMEOUT;
    if let Some(ca) = ca_file {
        account.extra_root_pem =
            Some(std::fs::read(ca).with_context(|| format!("cannot read the CA file {}", ca.display()))?);
    }
    let folders = Folders { source: folder.clone(), processed: move_to.clone(), unreadable: unreadable_to.clone() };
    let app = open_app(cli).await?;
    let result = async {
        let office = app.cli_office(office.as_deref()).await?;
        let mailbox = Mailbox::connect(&account).await.with_context(|| format!("cannot use the mailbox at {host}"))?;
        let mut imap = Imap { mailbox, host: host.clone() };
        let outcomes = app.fetch_reports(office, &mut imap, &folders, &Actor::Cli, super::printer(cli.json, 0)).await;
        imap.mailbox.logout().await;
        anyhow::Ok(outcomes?)
    }
    .await;
    app.close().await;
    Ok(super::conclude(cli, &result?))
}
