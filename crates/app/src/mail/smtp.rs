//! Sending through an SMTP relay with lettre.
//!
//! Configured by one URL, as lettre reads it: `smtps://user:pass@host:465`
//! (TLS from the start), `smtp://user:pass@host:587?tls=required`
//! (STARTTLS, refusing to go on without it) or `smtp://host:25` (plain, for
//! a relay on the same machine). The URL holds a password, so it is never
//! printed.

use async_trait::async_trait;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use super::{Delivery, MailError, Mailer, OutgoingMail};

/// A mailer that hands messages to an SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the relay at `url`, sending as `from`
    /// (`Portcullis <portcullis@example.org.uk>` or a bare address).
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // lettre's message can echo the URL, password included: say
            // only what kind of thing is wrong.
            .map_err(|_| MailError::Config("expected smtp://host:port or smtps://user:password@host:port".into()))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse::<Mailbox>().map_err(|_| MailError::Address(from.to_owned()))?;
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<Delivery, MailError> {
        let to = Mailbox::new(
            Some(mail.to_name.clone()),
            mail.to.as_str().parse().map_err(|_| MailError::Address(mail.to.to_string()))?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.to_string())
            .map_err(|e| MailError::Transport(e.to_string()))?;
        self.transport.send(message).await.map_err(|e| MailError::Transport(e.to_string()))?;
        Ok(Delivery::Sent)
    }
}
