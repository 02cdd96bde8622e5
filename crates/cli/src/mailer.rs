//! The mailer of a server with no mail server configured: each message is
//! printed on the terminal that started `portcullis serve`, so whoever runs
//! the server can pass a link on by hand. Only that person sees it.

use async_trait::async_trait;
use portcullis_app::mail::{Delivery, MailError, Mailer, OutgoingMail};

use crate::output::say;

/// Prints messages instead of sending them.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalMailer;

#[async_trait]
impl Mailer for TerminalMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<Delivery, MailError> {
        say(format_args!(
            "\n--- Email not sent (no mail server set up; see PORTCULLIS_SMTP_URL) ---\nTo: {} <{}>\nSubject: {}\n\n{}---",
            mail.to_name,
            mail.to,
            mail.subject,
            mail.body.as_str()
        ));
        Ok(Delivery::Printed)
    }
}
