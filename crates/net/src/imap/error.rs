//! What can go wrong talking to a mail server, in words a person can act on.
//! No message ever contains the password.

use std::time::Duration;

/// Why an IMAP step failed.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// Plain IMAP was asked for to a host that is not this machine.
    #[error(
        "refusing to send the password to {host} without encryption: plain IMAP is only allowed to this \
         machine (127.0.0.1, ::1 or localhost); use TLS or STARTTLS"
    )]
    PlainNotLoopback {
        /// The host as given.
        host: String,
    },
    /// The account settings cannot be used.
    #[error("the IMAP settings cannot be used: {0}")]
    Settings(String),
    /// No connection could be made.
    #[error("cannot connect to the mail server {host} port {port}: {reason}")]
    Connect {
        /// The host as given.
        host: String,
        /// The port tried.
        port: u16,
        /// What the system said.
        reason: String,
    },
    /// TLS could not be set up: most often the server's certificate is not
    /// trusted or not for this host name.
    #[error("a secure (TLS) connection to {host} could not be made: {reason}")]
    Tls {
        /// The host as given.
        host: String,
        /// What went wrong.
        reason: String,
    },
    /// The server refused the user name or password.
    #[error("the mail server {host} refused the login for {user}: {reason}")]
    Login {
        /// The host as given.
        host: String,
        /// The user name (never the password).
        user: String,
        /// The server's words.
        reason: String,
    },
    /// The folder does not exist.
    #[error("there is no folder named \"{0}\" in this mailbox")]
    FolderMissing(String),
    /// The folder name cannot be sent to a server.
    #[error("\"{folder}\" cannot be used as a folder name: {reason}")]
    BadFolderName {
        /// The name as given.
        folder: String,
        /// Why not.
        reason: String,
    },
    /// A message was asked for before any folder was opened.
    #[error("no folder is open: list a folder's messages before fetching or moving them")]
    NoFolderOpen,
    /// The message is not (or no longer) in the open folder.
    #[error("message {uid} is not in folder \"{folder}\" (another program may have moved or deleted it)")]
    MessageMissing {
        /// Its UID.
        uid: u32,
        /// The open folder.
        folder: String,
    },
    /// The message is bigger than the caller allows; it was not downloaded.
    #[error("message {uid} is {size} bytes, more than the limit of {limit} bytes; it was left on the server")]
    MessageTooLarge {
        /// Its UID.
        uid: u32,
        /// Its size as far as known (at least `limit + 1`).
        size: u64,
        /// The caller's limit.
        limit: u64,
    },
    /// The server answered NO or BAD.
    #[error("the mail server refused {command}: {reason}")]
    Refused {
        /// The command, without its arguments.
        command: &'static str,
        /// The server's words.
        reason: String,
    },
    /// The server did not answer in time.
    #[error("the mail server did not answer within {} seconds (while {step})", .after.as_secs_f32())]
    Timeout {
        /// What we were waiting for.
        step: &'static str,
        /// The limit.
        after: Duration,
    },
    /// The connection broke, or the server said something we cannot read.
    #[error("the connection to the mail server failed: {0}")]
    Connection(String),
}

impl ImapError {
    /// Whether the connection can still be used after this error (the
    /// server merely refused one thing).
    pub fn connection_usable(&self) -> bool {
        matches!(
            self,
            Self::FolderMissing(_)
                | Self::BadFolderName { .. }
                | Self::NoFolderOpen
                | Self::MessageMissing { .. }
                | Self::MessageTooLarge { .. }
                | Self::Refused { .. }
        )
    }
}
