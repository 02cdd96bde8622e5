//! The IMAP mailbox behind `dmarc fetch` and `mail fetch`: the account
//! from the command's options (the password from a file, never the command
//! line) and the adapter that lets the app's mailbox loop use it.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use async_trait::async_trait;
use portcullis_app::dmarc::{MailboxError, ReportMailbox};
use portcullis_net::imap::{ImapAccount, ImapSecurity, Mailbox};
use zeroize::Zeroizing;

/// Each network step of the mailbox, at most.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Longest password file line we read.
const MAX_PASSWORD_FILE: u64 = 4096;

/// How to reach a mailbox, as the fetch commands' options say.
pub(crate) struct Connection<'a> {
    /// The server's host name.
    pub host: &'a str,
    /// The port, when not the usual one.
    pub port: Option<u16>,
    /// The mailbox user name.
    pub user: &'a str,
    /// The file whose first line is the password.
    pub password_file: &'a Path,
    /// Plain text upgraded with STARTTLS instead of TLS from the start.
    pub starttls: bool,
    /// A further CA certificate (PEM) to trust.
    pub ca_file: Option<&'a Path>,
}

impl<'a> From<&'a crate::args::ImapArgs> for Connection<'a> {
    fn from(args: &'a crate::args::ImapArgs) -> Self {
        Self {
            host: &args.host,
            port: args.port,
            user: &args.user,
            password_file: &args.password_file,
            starttls: args.starttls,
            ca_file: args.ca_file.as_deref(),
        }
    }
}

impl Connection<'_> {
    /// The account to connect with; reads the password and CA files.
    pub(crate) fn account(&self) -> Result<ImapAccount> {
        let security = if self.starttls { ImapSecurity::StartTls } else { ImapSecurity::Tls };
        let password = read_password(self.password_file)?;
        let mut account = ImapAccount::new(self.host.to_owned(), security, self.user.to_owned(), password);
        account.port = self.port;
        account.timeout = TIMEOUT;
        if let Some(ca) = self.ca_file {
            account.extra_root_pem =
                Some(std::fs::read(ca).with_context(|| format!("cannot read the CA file {}", ca.display()))?);
        }
        Ok(account)
    }

    /// Log in to the mailbox.
    pub(crate) async fn connect(&self, account: &ImapAccount) -> Result<Imap> {
        let mailbox =
            Mailbox::connect(account).await.with_context(|| format!("cannot use the mailbox at {}", self.host))?;
        Ok(Imap { mailbox, host: self.host.to_owned() })
    }
}

/// The IMAP mailbox as the app sees a mailbox.
pub(crate) struct Imap {
    mailbox: Mailbox,
    host: String,
}

impl Imap {
    /// Say goodbye to the server.
    pub(crate) async fn logout(self) {
        self.mailbox.logout().await;
    }
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
fn read_password(path: &Path) -> Result<Zeroizing<String>> {
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
