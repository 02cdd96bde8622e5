//! Where and how to sign in to a mailbox.

use std::fmt;
use std::time::Duration;

use zeroize::Zeroizing;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapSecurity {
    /// TLS from the first byte (IMAPS, port 993).
    Tls,
    /// Plain IMAP upgraded with STARTTLS before signing in (port 143).
    StartTls,
    /// No encryption: only to this machine (a loopback address or
    /// `localhost`), so a password never crosses a network in clear.
    Plain,
}

/// A mailbox account. `Debug` never shows the password.
#[derive(Clone)]
pub struct ImapAccount {
    /// Host name or address of the server.
    pub host: String,
    /// The port; `None` means 993 for [`ImapSecurity::Tls`], 143 otherwise.
    pub port: Option<u16>,
    /// How the connection is protected.
    pub security: ImapSecurity,
    /// The user name.
    pub user: String,
    /// The password, wiped from memory when dropped.
    pub password: Zeroizing<String>,
    /// PEM certificates of extra authorities to trust besides Mozilla's
    /// (a private or test CA).
    pub extra_root_pem: Option<Vec<u8>>,
    /// How long each network step (connecting, the TLS handshake, each
    /// command and its answer) may take.
    pub timeout: Duration,
}

impl ImapAccount {
    /// An account on the default port, trusting only Mozilla's roots, with
    /// 30 seconds a step.
    pub fn new(
        host: impl Into<String>,
        security: ImapSecurity,
        user: impl Into<String>,
        password: Zeroizing<String>,
    ) -> Self {
        Self {
            host: host.into(),
            port: None,
            security,
            user: user.into(),
            password,
            extra_root_pem: None,
            timeout: Duration::from_secs(30),
        }
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            ImapSecurity::Tls => 993,
            ImapSecurity::StartTls | ImapSecurity::Plain => 143,
        })
    }
}

impl fmt::Debug for ImapAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapAccount")
            .field("host", &self.host)
            .field("port", &self.port())
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .field("extra_root_pem", &self.extra_root_pem.as_ref().map(|p| format!("{} bytes", p.len())))
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password_and_ports_default_by_security() {
        let mut account =
            ImapAccount::new("mail.example.org", ImapSecurity::Tls, "reports", Zeroizing::new("s3cret-pw".into()));
        let shown = format!("{account:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("reports"), "{shown}");
        assert_eq!(account.port(), 993);
        account.security = ImapSecurity::StartTls;
        assert_eq!(account.port(), 143);
        account.port = Some(1143);
        assert_eq!(account.port(), 1143);
    }
}
