//! What the CLI's integration tests share.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, dead_code)]

use std::path::Path;

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

/// `COMMAND fetch --json` and the options that reach the test dovecot over
/// STARTTLS, its password and CA written into `dir`.
pub fn fetch_args(command: &str, server: &Dovecot, dir: &Path) -> Vec<String> {
    let password = dir.join("password");
    std::fs::write(&password, format!("{}\n", server.password)).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).unwrap();
    let port = server.port.to_string();
    [
        command,
        "fetch",
        "--json",
        "--imap",
        &server.host,
        "--port",
        &port,
        "--user",
        &server.user,
        "--password-file",
        password.to_str().unwrap(),
        "--starttls",
        "--ca-file",
        ca.to_str().unwrap(),
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect()
}
