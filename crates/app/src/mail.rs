//! Email that Portcullis itself sends: invitations and password-reset links.
//!
//! `app` composes the message; a [`Mailer`] delivers it. The real adapter is
//! [`SmtpMailer`] (lettre, over the SMTP relay the office or operator
//! configures); the CLI adds one that prints links to the server's terminal
//! for a machine with no mail set up, and tests use a real SMTP exchange
//! with a loopback sink. Message bodies carry one-time links, so they are
//! zeroized and never logged.

mod smtp;

use async_trait::async_trait;
use portcullis_types::Email;
use zeroize::Zeroizing;

pub use smtp::SmtpMailer;

/// One plain-text message to one person.
pub struct OutgoingMail {
    /// The recipient.
    pub to: Email,
    /// Their name, for the `To:` header.
    pub to_name: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body (holds a secret link).
    pub body: Zeroizing<String>,
}

impl std::fmt::Debug for OutgoingMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMail").field("to", &self.to).field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// How a message left, as far as Portcullis can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Handed to the mail server.
    Sent,
    /// Printed on the server's terminal (no mail server configured).
    Printed,
    /// Nowhere: no way of sending mail is configured.
    NotSent,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configured mail server address is not usable.
    #[error("the mail server address is not valid: {0}")]
    Config(String),
    /// An address could not be put in a message.
    #[error("the email address {0} cannot be used in a message")]
    Address(String),
    /// The mail server refused or could not be reached.
    #[error("the mail server did not accept the message: {0}")]
    Transport(String),
}

/// Delivers [`OutgoingMail`].
#[async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Send one message.
    async fn send(&self, mail: &OutgoingMail) -> Result<Delivery, MailError>;
}

/// The mailer of a server with no mail configured: nothing leaves, and the
/// caller shows links in person instead (an invitation link to the manager
/// who made it).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMailer;

#[async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _mail: &OutgoingMail) -> Result<Delivery, MailError> {
        Ok(Delivery::NotSent)
    }
}
