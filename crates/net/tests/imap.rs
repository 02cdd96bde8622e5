//! The IMAP client against a real Dovecot (Debian's `dovecot-imapd`),
//! started privately for each test on free loopback ports by
//! `portcullis_testkit::dovecot`. Skipped, saying so, when Dovecot is not
//! installed; `PORTCULLIS_REQUIRE_IMAP=1` (set by ./scripts/test) turns the
//! skip into a failure. The tests that need no server always run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

use std::path::Path;
use std::time::{Duration, Instant};

use portcullis_net::{ImapAccount, ImapError, ImapSecurity, Mailbox};
use portcullis_testkit::dovecot::{self, Dovecot};
use zeroize::Zeroizing;

fn server() -> Option<Dovecot> {
    started(Dovecot::launch)
}

fn started(launch: impl FnOnce() -> Result<Dovecot, dovecot::DovecotError>) -> Option<Dovecot> {
    if !dovecot::installed() {
        assert!(!dovecot::required(), "{}=1 but dovecot is not installed", dovecot::REQUIRE_VAR);
        eprintln!("SKIPPED: dovecot is not installed (apt-get install dovecot-imapd)");
        return None;
    }
    Some(launch().unwrap_or_else(|e| panic!("{e}")))
}

fn account(server: &Dovecot, security: ImapSecurity) -> ImapAccount {
    let port = if security == ImapSecurity::Tls { server.tls_port } else { server.port };
    let mut account =
        ImapAccount::new(server.host.clone(), security, server.user.clone(), Zeroizing::new(server.password.clone()));
    account.port = Some(port);
    account.extra_root_pem = Some(server.ca_pem.as_bytes().to_vec());
    account.timeout = Duration::from_secs(10);
    account
}

/// A small report-like message, CRLF throughout as servers store mail.
fn message(n: usize, body: &str) -> Vec<u8> {
    format!(
        "From: noreply-dmarc@example.net\r\nTo: dmarc@example.org\r\nSubject: Report Domain: example.org \
         Submitter: example.net Report-ID: {n}\r\nMessage-ID: <report-{n}@example.net>\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// Every file Dovecot keeps for the messages of a maildir folder.
fn stored_files(folder: &Path) -> Vec<String> {
    ["cur", "new"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(folder.join(sub)).into_iter().flatten())
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Whether Dovecot recorded any message of the folder as read (`S` in the
/// maildir flags after `:2,`).
fn any_seen(folder: &Path) -> bool {
    stored_files(folder).iter().any(|name| name.rsplit_once(":2,").is_some_and(|(_, flags)| flags.contains('S')))
}

#[tokio::test]
async fn appends_lists_fetches_and_moves_into_a_new_folder() {
    let Some(server) = server() else { return };
    let mut mailbox = Mailbox::connect(&account(&server, ImapSecurity::Plain)).await.unwrap();
    let sent: Vec<Vec<u8>> = (1..=3).map(|n| message(n, &format!("report number {n}"))).collect();
    for m in &sent {
        mailbox.append("INBOX", m).await.unwrap();
    }

    let uids = mailbox.message_uids("INBOX").await.unwrap();
    assert_eq!(uids.len(), 3, "{uids:?}");
    for (uid, expected) in uids.iter().zip(&sent) {
        assert_eq!(&mailbox.fetch(*uid, 1 << 20).await.unwrap(), expected);
    }
    assert!(!any_seen(&server.maildir()), "fetching marked a message read: {:?}", stored_files(&server.maildir()));

    mailbox.move_to(uids[0], "Processed").await.unwrap();
    mailbox.move_to(uids[2], "Processed").await.unwrap();
    let left = mailbox.message_uids("INBOX").await.unwrap();
    assert_eq!(left, [uids[1]]);
    assert_eq!(mailbox.fetch(left[0], 1 << 20).await.unwrap(), sent[1]);

    let processed = mailbox.message_uids("Processed").await.unwrap();
    assert_eq!(processed.len(), 2);
    let mut moved = Vec::new();
    for uid in processed {
        moved.push(mailbox.fetch(uid, 1 << 20).await.unwrap());
    }
    assert_eq!(moved, [sent[0].clone(), sent[2].clone()]);
    assert_eq!(stored_files(&server.maildir().join(".Processed")).len(), 2);
    mailbox.logout().await;
}

#[tokio::test]
async fn moves_without_the_move_capability() {
    // UIDPLUS: COPY, mark deleted, UID EXPUNGE of that message only.
    // Neither: COPY, mark deleted, EXPUNGE.
    for capabilities in ["IMAP4rev1 LITERAL+ UIDPLUS", "IMAP4rev1"] {
        let Some(server) = started(|| Dovecot::launch_with_capabilities(capabilities)) else { return };
        let mut mailbox = Mailbox::connect(&account(&server, ImapSecurity::Plain)).await.unwrap();
        assert!(!format!("{mailbox:?}").contains("\"MOVE\""), "{mailbox:?}");
        for n in 1..=3 {
            mailbox.append("INBOX", &message(n, "x")).await.unwrap();
        }
        let uids = mailbox.message_uids("INBOX").await.unwrap();
        mailbox.move_to(uids[1], "Done").await.unwrap();
        assert_eq!(mailbox.message_uids("INBOX").await.unwrap(), [uids[0], uids[2]], "with {capabilities}");
        let done = mailbox.message_uids("Done").await.unwrap();
        assert_eq!(done.len(), 1, "with {capabilities}");
        assert_eq!(mailbox.fetch(done[0], 4096).await.unwrap(), message(2, "x"));
        mailbox.logout().await;
    }
}

#[tokio::test]
async fn implicit_tls_and_starttls_trust_the_given_ca() {
    let Some(server) = server() else { return };
    for security in [ImapSecurity::Tls, ImapSecurity::StartTls] {
        let mut mailbox = Mailbox::connect(&account(&server, security)).await.unwrap();
        let m = message(7, &format!("over {security:?}"));
        mailbox.append("INBOX", &m).await.unwrap();
        let uids = mailbox.message_uids("INBOX").await.unwrap();
        assert_eq!(mailbox.fetch(*uids.last().unwrap(), 1 << 20).await.unwrap(), m);
        mailbox.logout().await;
    }
    // Dovecot notes each login's protection: both sessions were encrypted.
    let log = server.log();
    let tls_logins = log.lines().filter(|l| l.contains("Login: user=<") && l.contains(", TLS")).count();
    assert_eq!(tls_logins, 2, "{log}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error() {
    let Some(server) = server() else { return };
    for security in [ImapSecurity::Tls, ImapSecurity::StartTls] {
        let mut untrusting = account(&server, security);
        untrusting.extra_root_pem = None;
        let err = Mailbox::connect(&untrusting).await.unwrap_err();
        assert!(matches!(err, ImapError::Tls { .. }), "{security:?}: {err:?}");
        assert!(err.to_string().contains("certificate is not trusted"), "{err}");
    }
}

#[tokio::test]
async fn a_wrong_password_is_a_login_error_that_does_not_repeat_it() {
    let Some(server) = server() else { return };
    for security in [ImapSecurity::Plain, ImapSecurity::Tls] {
        let mut wrong = account(&server, security);
        let guess = format!("{}-wrong", server.password);
        wrong.password = Zeroizing::new(guess.clone());
        let err = Mailbox::connect(&wrong).await.unwrap_err();
        assert!(matches!(err, ImapError::Login { .. }), "{err:?}");
        let said = format!("{err} {err:?}");
        assert!(!said.contains(&guess) && !said.contains(&server.password), "{said}");
        assert!(said.contains(&server.user), "{said}");
    }
}

#[tokio::test]
async fn a_message_over_the_limit_is_refused_and_left_unread() {
    let Some(server) = server() else { return };
    let mut mailbox = Mailbox::connect(&account(&server, ImapSecurity::Plain)).await.unwrap();
    let big = message(1, &"a fairly long line of an aggregate report\r\n".repeat(2000));
    mailbox.append("INBOX", &big).await.unwrap();
    let uid = mailbox.message_uids("INBOX").await.unwrap()[0];

    let err = mailbox.fetch(uid, 10_000).await.unwrap_err();
    match err {
        ImapError::MessageTooLarge { uid: u, size, limit } => {
            assert_eq!((u, size, limit), (uid, big.len() as u64, 10_000));
        }
        other => panic!("expected MessageTooLarge, got {other:?}"),
    }
    assert!(!any_seen(&server.maildir()));
    // The connection is still good, and a big enough limit gets it all.
    assert_eq!(mailbox.fetch(uid, big.len() as u64).await.unwrap(), big);
    mailbox.logout().await;
}

#[tokio::test]
async fn missing_folders_and_messages_are_named() {
    let Some(server) = server() else { return };
    let mut mailbox = Mailbox::connect(&account(&server, ImapSecurity::Plain)).await.unwrap();
    assert!(matches!(mailbox.fetch(1, 100).await, Err(ImapError::NoFolderOpen)));
    let err = mailbox.message_uids("No Such Folder").await.unwrap_err();
    assert!(matches!(&err, ImapError::FolderMissing(f) if f == "No Such Folder"), "{err:?}");
    let err = mailbox.append("Nowhere", &message(1, "x")).await.unwrap_err();
    assert!(matches!(&err, ImapError::FolderMissing(f) if f == "Nowhere"), "{err:?}");
    assert!(mailbox.message_uids("INBOX").await.unwrap().is_empty());
    assert!(matches!(mailbox.fetch(42, 100).await, Err(ImapError::MessageMissing { uid: 42, .. })));
    assert!(matches!(mailbox.move_to(42, "Processed").await, Err(ImapError::MessageMissing { uid: 42, .. })));
    // A non-ASCII folder name round-trips through the server's encoding.
    mailbox.append("INBOX", &message(3, "x")).await.unwrap();
    let uid = mailbox.message_uids("INBOX").await.unwrap()[0];
    mailbox.move_to(uid, "Traités").await.unwrap();
    assert_eq!(mailbox.message_uids("Traités").await.unwrap().len(), 1);
    mailbox.logout().await;
}

#[tokio::test]
async fn plain_imap_to_another_machine_is_refused_before_connecting() {
    // 192.0.2.1 is TEST-NET-1: never routed. The refusal must come at once.
    let mut remote = ImapAccount::new("192.0.2.1", ImapSecurity::Plain, "reports", Zeroizing::new("pw".to_owned()));
    remote.timeout = Duration::from_secs(30);
    let started = Instant::now();
    let err = Mailbox::connect(&remote).await.unwrap_err();
    assert!(matches!(err, ImapError::PlainNotLoopback { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(err.to_string().contains("without encryption"), "{err}");
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // Accepts the connection but never greets.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(socket);
    });
    let mut silent = ImapAccount::new("127.0.0.1", ImapSecurity::Plain, "reports", Zeroizing::new("pw".to_owned()));
    silent.port = Some(port);
    silent.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = Mailbox::connect(&silent).await.unwrap_err();
    assert!(matches!(err, ImapError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    hold.abort();
}

/// A scripted server that understates a message's size and then sends
/// `body_len` bytes whatever part was asked for.
async fn lying_server(body_len: usize) -> u16 {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut io = BufReader::new(socket);
        io.get_mut().write_all(b"* OK fake server\r\n").await.unwrap();
        loop {
            // One command, with any literals in it.
            let mut command = String::new();
            loop {
                let mut line = String::new();
                if io.read_line(&mut line).await.unwrap() == 0 {
                    return;
                }
                command.push_str(&line);
                let Some(n) = line.trim_end().strip_suffix('}').and_then(|l| l.rsplit_once('{')).map(|(_, n)| n) else {
                    break;
                };
                io.get_mut().write_all(b"+ go on\r\n").await.unwrap();
                let mut literal = vec![0; n.parse().unwrap()];
                io.read_exact(&mut literal).await.unwrap();
            }
            let (tag, verb) = command.split_once(' ').unwrap();
            let reply = if verb.starts_with("CAPABILITY") {
                "* CAPABILITY IMAP4rev1\r\n".to_owned()
            } else if verb.starts_with("UID SEARCH") {
                "* SEARCH 5\r\n".to_owned()
            } else if verb.contains("RFC822.SIZE") {
                "* 1 FETCH (UID 5 RFC822.SIZE 10)\r\n".to_owned()
            } else if verb.contains("BODY.PEEK[]") {
                format!("* 1 FETCH (UID 5 BODY[] {{{body_len}}}\r\n{})\r\n", "x".repeat(body_len))
            } else {
                String::new()
            };
            io.get_mut().write_all(format!("{reply}{tag} OK done\r\n").as_bytes()).await.unwrap();
        }
    });
    port
}

#[tokio::test]
async fn a_server_that_understates_a_size_cannot_push_more_than_the_limit() {
    for (sent, expect_too_large) in [(1_000, true), (500_000, false)] {
        let mut account =
            ImapAccount::new("127.0.0.1", ImapSecurity::Plain, "reports", Zeroizing::new("pw".to_owned()));
        account.port = Some(lying_server(sent).await);
        account.timeout = Duration::from_secs(5);
        let mut mailbox = Mailbox::connect(&account).await.unwrap();
        assert_eq!(mailbox.message_uids("INBOX").await.unwrap(), [5]);
        let err = mailbox.fetch(5, 100).await.unwrap_err();
        if expect_too_large {
            assert!(matches!(err, ImapError::MessageTooLarge { uid: 5, size: 1_000, limit: 100 }), "{err:?}");
        } else {
            // Far past the limit: reading stops, and the connection is done with.
            assert!(matches!(err, ImapError::Connection(_)), "{err:?}");
            assert!(!err.connection_usable());
            assert!(matches!(mailbox.message_uids("INBOX").await, Err(ImapError::Connection(_))));
        }
    }
}
