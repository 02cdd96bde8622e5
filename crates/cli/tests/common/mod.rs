//! What the CLI's integration tests share.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, dead_code)]

use portcullis_net::imap::{ImapAccount, ImapSecurity};
use portcullis_testkit::dovecot::Dovecot;

/// The test dovecot's account over `security` on `port`, trusting its CA.
pub fn imap_account(server: &Dovecot, security: ImapSecurity, port: u16) -> ImapAccount {
    let mut account = ImapAccount::new(
        server.host.clone(),
        security,
        server.user.clone(),
        zeroize::Zeroizing::new(server.password.clone()),
    );
    account.port = Some(port);
    account.extra_root_pem = Some(server.ca_pem.clone().into_bytes());
    account
}
