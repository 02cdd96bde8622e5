//! An IMAP client (RFC 3501, with MOVE of RFC 6851 and UID EXPUNGE of
//! RFC 4315 when the server has them) for pulling report mail out of a
//! mailbox: list a folder, fetch a message without marking it read, move it
//! elsewhere once processed.
//!
//! Written here rather than taken from a crate so that nothing that could
//! carry the password is ever logged (the password is sent as a literal
//! and no command is traced), and so that every answer is read under a byte
//! budget: a message is fetched only after its size is checked, and then
//! only up to the caller's limit even if the server lied about the size.
//! Every network step runs under the account's timeout; after a timeout or
//! a broken answer the connection refuses further commands.

mod account;
mod error;
mod folder;
mod parse;
mod transport;
mod wire;

use std::fmt;

pub use account::{ImapAccount, ImapSecurity};
pub use error::ImapError;

use folder::Folder;
use wire::{Part, Reply, Wire};

/// The most an ordinary answer may hold.
const ANSWER_BUDGET: usize = 1 << 20;
/// The most a folder's UID list may hold (about two million messages).
const SEARCH_BUDGET: usize = 16 << 20;
/// Room for the FETCH wrapping around a message's bytes.
const FETCH_OVERHEAD: usize = 64 << 10;

/// A signed-in connection to a mailbox.
pub struct Mailbox {
    wire: Wire,
    host: String,
    capabilities: Vec<String>,
    open: Option<Folder>,
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailbox")
            .field("host", &self.host)
            .field("capabilities", &self.capabilities)
            .field("open", &self.open.as_ref().map(|f| &f.name))
            .finish()
    }
}

impl Mailbox {
    /// Connect, set up TLS as the account says, and sign in.
    pub async fn connect(account: &ImapAccount) -> Result<Self, ImapError> {
        let (host, port, timeout) = (account.host.as_str(), account.port(), account.timeout);
        if account.user.is_empty() || account.user.contains('\0') || account.password.contains('\0') {
            return Err(ImapError::Settings("the user name is empty, or it or the password holds a NUL".to_owned()));
        }
        let connector = match account.security {
            ImapSecurity::Plain => None,
            ImapSecurity::Tls | ImapSecurity::StartTls => {
                Some(transport::tls_connector(account.extra_root_pem.as_deref())?)
            }
        };
        let addrs = transport::resolve(host, port, account.security, timeout).await?;
        let tcp = transport::connect_tcp(&addrs, host, port, timeout).await?;
        let stream = match (&connector, account.security) {
            (Some(tls), ImapSecurity::Tls) => transport::tls_handshake(tls, host, tcp, timeout).await?,
            _ => transport::Stream::Plain(tcp),
        };
        let mut wire = Wire::new(stream, timeout);
        let mut preauth = greeted(&wire.greeting().await?)?;
        if let (Some(tls), ImapSecurity::StartTls) = (&connector, account.security) {
            if preauth {
                return Err(tls_error(host, "the server signed in before TLS could start".to_owned()));
            }
            wire = start_tls(wire, tls, host, timeout).await?;
            // What the server said before encryption is forgotten.
            preauth = false;
        }
        if !preauth {
            login(&mut wire, account).await?;
        }
        let capabilities =
            wire.run("CAPABILITY", &[Part::Text("CAPABILITY")], ANSWER_BUDGET).await?.ok("CAPABILITY")?;
        let capabilities = parse::capabilities(&capabilities.untagged);
        Ok(Self { wire, host: host.to_owned(), capabilities, open: None })
    }

    /// Open `folder` and list the UIDs of its messages, in ascending order.
    /// Later [`fetch`](Self::fetch) and [`move_to`](Self::move_to) calls act
    /// on this folder.
    pub async fn message_uids(&mut self, folder: &str) -> Result<Vec<u32>, ImapError> {
        let folder = Folder::new(folder)?;
        self.open = None;
        let command = format!("SELECT {}", folder.quoted);
        let reply = self.wire.run("SELECT", &[Part::Text(&command)], ANSWER_BUDGET).await?;
        if reply.status != wire::Status::Ok {
            return Err(if self.exists(&folder).await? { reply.refusal("SELECT") } else { missing(&folder) });
        }
        self.open = Some(folder);
        let found =
            self.wire.run("UID SEARCH", &[Part::Text("UID SEARCH ALL")], SEARCH_BUDGET).await?.ok("UID SEARCH")?;
        Ok(parse::search(&found.untagged))
    }

    /// The whole message `uid` from the open folder, as the server stores
    /// it (CRLF line ends). Its size is asked first: a message bigger than
    /// `max_bytes` is refused without being downloaded. Nothing is marked
    /// as read.
    pub async fn fetch(&mut self, uid: u32, max_bytes: u64) -> Result<Vec<u8>, ImapError> {
        let size = self.size_of(uid).await?;
        if size > max_bytes {
            return Err(ImapError::MessageTooLarge { uid, size, limit: max_bytes });
        }
        // Ask for one byte more than allowed, so a server that understated
        // the size still sends no more than that.
        let window = max_bytes.saturating_add(1).min(u64::from(u32::MAX));
        let budget = usize::try_from(window).unwrap_or(usize::MAX).saturating_add(FETCH_OVERHEAD);
        let command = format!("UID FETCH {uid} (UID BODY.PEEK[]<0.{window}>)");
        let reply = self.wire.run("UID FETCH", &[Part::Text(&command)], budget).await?.ok("UID FETCH")?;
        let body = parse::fetches(&reply.untagged)
            .into_iter()
            .find(|f| f.uid == Some(uid))
            .and_then(|f| f.body)
            .ok_or_else(|| self.message_missing(uid))?;
        let got = u64::try_from(body.len()).unwrap_or(u64::MAX);
        if got > max_bytes {
            return Err(ImapError::MessageTooLarge { uid, size: got, limit: max_bytes });
        }
        Ok(body)
    }

    /// Move message `uid` from the open folder to `folder`, creating that
    /// folder if it does not exist. Uses MOVE when the server has it; else
    /// COPY, mark deleted, and expunge (only this message when the server
    /// has UIDPLUS; without it, every message marked deleted in the folder).
    pub async fn move_to(&mut self, uid: u32, folder: &str) -> Result<(), ImapError> {
        let target = Folder::new(folder)?;
        let open = self.open.clone().ok_or(ImapError::NoFolderOpen)?;
        if target.same_as(&open) {
            return Err(ImapError::BadFolderName {
                folder: target.name,
                reason: "the message is already in that folder".to_owned(),
            });
        }
        self.size_of(uid).await?;
        self.ensure_folder(&target).await?;
        if self.has("MOVE") {
            let command = format!("UID MOVE {uid} {}", target.quoted);
            self.wire.run("UID MOVE", &[Part::Text(&command)], ANSWER_BUDGET).await?.ok("UID MOVE")?;
            return Ok(());
        }
        let copy = format!("UID COPY {uid} {}", target.quoted);
        self.wire.run("UID COPY", &[Part::Text(&copy)], ANSWER_BUDGET).await?.ok("UID COPY")?;
        let delete = format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)");
        self.wire.run("UID STORE", &[Part::Text(&delete)], ANSWER_BUDGET).await?.ok("UID STORE")?;
        let (step, expunge) = if self.has("UIDPLUS") {
            ("UID EXPUNGE", format!("UID EXPUNGE {uid}"))
        } else {
            ("EXPUNGE", "EXPUNGE".to_owned())
        };
        self.wire.run(step, &[Part::Text(&expunge)], SEARCH_BUDGET).await?.ok(step)?;
        Ok(())
    }

    /// Add a message to `folder` (which must exist).
    pub async fn append(&mut self, folder: &str, message: &[u8]) -> Result<(), ImapError> {
        let folder = Folder::new(folder)?;
        let command = format!("APPEND {} ", folder.quoted);
        let reply = self.wire.run("APPEND", &[Part::Text(&command), Part::Literal(message)], ANSWER_BUDGET).await?;
        match reply.status {
            wire::Status::Ok => Ok(()),
            _ if reply.has_code("TRYCREATE") => Err(missing(&folder)),
            _ => Err(reply.refusal("APPEND")),
        }
    }

    /// Say goodbye and close the connection (errors are of no interest now).
    pub async fn logout(mut self) {
        let _ = self.wire.run("LOGOUT", &[Part::Text("LOGOUT")], ANSWER_BUDGET).await;
        self.wire.shutdown().await;
    }

    /// Whether the server named this capability (upper case).
    fn has(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }

    /// The size of message `uid` in the open folder.
    async fn size_of(&mut self, uid: u32) -> Result<u64, ImapError> {
        if self.open.is_none() {
            return Err(ImapError::NoFolderOpen);
        }
        let command = format!("UID FETCH {uid} (UID RFC822.SIZE)");
        let reply = self.wire.run("UID FETCH", &[Part::Text(&command)], ANSWER_BUDGET).await?.ok("UID FETCH")?;
        let found = parse::fetches(&reply.untagged).into_iter().find(|f| f.uid == Some(uid));
        found.and_then(|f| f.size).ok_or_else(|| self.message_missing(uid))
    }

    /// Whether the server lists `folder`.
    async fn exists(&mut self, folder: &Folder) -> Result<bool, ImapError> {
        let command = format!("LIST \"\" {}", folder.quoted);
        let reply = self.wire.run("LIST", &[Part::Text(&command)], ANSWER_BUDGET).await?.ok("LIST")?;
        Ok(parse::listed_names(&reply.untagged).iter().any(|name| folder.is(name)))
    }

    async fn ensure_folder(&mut self, folder: &Folder) -> Result<(), ImapError> {
        if self.exists(folder).await? {
            return Ok(());
        }
        let command = format!("CREATE {}", folder.quoted);
        let reply: Reply = self.wire.run("CREATE", &[Part::Text(&command)], ANSWER_BUDGET).await?;
        // Another client may have created it meanwhile.
        if reply.status == wire::Status::Ok || reply.has_code("ALREADYEXISTS") || self.exists(folder).await? {
            Ok(())
        } else {
            Err(reply.refusal("CREATE"))
        }
    }

    fn message_missing(&self, uid: u32) -> ImapError {
        let folder = self.open.as_ref().map(|f| f.name.clone()).unwrap_or_default();
        ImapError::MessageMissing { uid, folder }
    }
}

/// Whether the greeting says we are already signed in (PREAUTH); an error
/// when the server turned us away.
fn greeted(greeting: &[u8]) -> Result<bool, ImapError> {
    let text = String::from_utf8_lossy(greeting);
    let upper = text.to_ascii_uppercase();
    if upper.starts_with("* OK") {
        Ok(false)
    } else if upper.starts_with("* PREAUTH") {
        Ok(true)
    } else {
        Err(ImapError::Connection(format!("the server turned the connection away: {}", text.trim())))
    }
}

async fn start_tls(
    mut wire: Wire,
    connector: &tokio_rustls::TlsConnector,
    host: &str,
    timeout: std::time::Duration,
) -> Result<Wire, ImapError> {
    let reply = wire.run("STARTTLS", &[Part::Text("STARTTLS")], ANSWER_BUDGET).await?;
    if reply.status != wire::Status::Ok {
        return Err(tls_error(host, format!("the server did not agree to STARTTLS ({})", reply.text)));
    }
    let tcp = wire.into_stream()?.into_tcp().ok_or_else(|| tls_error(host, "TLS had already started".to_owned()))?;
    Ok(Wire::new(transport::tls_handshake(connector, host, tcp, timeout).await?, timeout))
}

/// LOGIN with the user name and password as literals: any characters
/// pass, and the password is never part of a command line.
async fn login(wire: &mut Wire, account: &ImapAccount) -> Result<(), ImapError> {
    let parts = [
        Part::Text("LOGIN "),
        Part::Literal(account.user.as_bytes()),
        Part::Text(" "),
        Part::Literal(account.password.as_bytes()),
    ];
    let reply = wire.run("LOGIN", &parts, ANSWER_BUDGET).await?;
    if reply.status == wire::Status::Ok {
        return Ok(());
    }
    let mut reason = reply.text;
    if !account.password.is_empty() {
        reason = reason.replace(account.password.as_str(), "(password)");
    }
    Err(ImapError::Login { host: account.host.clone(), user: account.user.clone(), reason })
}

fn tls_error(host: &str, reason: String) -> ImapError {
    ImapError::Tls { host: host.to_owned(), reason }
}

fn missing(folder: &Folder) -> ImapError {
    ImapError::FolderMissing(folder.name.clone())
}
