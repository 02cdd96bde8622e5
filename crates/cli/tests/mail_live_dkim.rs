//! Live DKIM in phishing triage, against the real DNS lab
//! (`../shared/dns-lab/start.sh`), which publishes the keys whose private
//! halves are in `keys/dkim/`: messages are signed here with those keys and
//! checked as `mail triage --live-dkim` would. Skipped, saying so, when the
//! lab is not given in `PORTCULLIS_DNS_LAB` (IP:PORT of its resolver);
//! `PORTCULLIS_REQUIRE_DNS_LAB=1` (set by ./scripts/test) turns the skip into
//! a failure, and an unreachable lab fails the assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter as _;
use mail_auth::dkim::{Canonicalization, DkimSigner};
use portcullis_net::{DkimVerifier, verify_dkim};
use portcullis_phish::{DkimOutcome, Limits, LiveDkim, Office, Triage, Triager};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject as _;
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(5);

fn lab() -> Option<SocketAddr> {
    match std::env::var("PORTCULLIS_DNS_LAB") {
        Ok(addr) => Some(addr.parse().expect("PORTCULLIS_DNS_LAB is IP:PORT")),
        Err(_) => {
            assert!(std::env::var("PORTCULLIS_REQUIRE_DNS_LAB").as_deref() != Ok("1"), "the DNS lab is required");
            eprintln!("SKIPPED: PORTCULLIS_DNS_LAB is not set (start ../shared/dns-lab/start.sh)");
            None
        }
    }
}

/// An ordinary message from `from`, CRLF line ends.
fn message(from: &str, body: &str) -> String {
    format!(
        "From: Accounts <{from}>\r\nTo: caseworker@office.example\r\nSubject: Your statement\r\n\
         Date: Mon, 1 Jun 2026 09:00:00 +0000\r\nMessage-ID: <1@example>\r\n\r\n{body}\r\n"
    )
}

/// `message` signed for `domain` at `selector` with the lab's private key
/// `key_file` (read from the shared directory, never copied here):
/// RSA-SHA256, relaxed/relaxed.
fn signed(message: &str, key_file: &str, domain: &str, selector: &str) -> String {
    let path = portcullis_testkit::shared_dir().join("dns-lab/keys/dkim").join(key_file);
    let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let key = RsaKey::<Sha256>::from_key_der(PrivateKeyDer::from_pem_slice(&pem).unwrap()).unwrap();
    let signature = DkimSigner::from_key(key)
        .domain(domain)
        .selector(selector)
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .header_canonicalization(Canonicalization::Relaxed)
        .body_canonicalization(Canonicalization::Relaxed)
        .sign(message.as_bytes())
        .unwrap();
    format!("{}{message}", signature.to_header())
}

fn triage(raw: &str, live: &LiveDkim) -> Triage {
    Triager::new(Office::default(), Limits::default()).triage_with(raw.as_bytes(), Some(live)).unwrap()
}

fn codes(triage: &Triage) -> Vec<&'static str> {
    triage.reasons.iter().map(|r| r.code).collect()
}

const BODY: &str = "Your monthly statement is ready.\r\nKind regards,\r\nAccounts";

#[tokio::test]
async fn a_message_signed_by_its_senders_domain_is_verified_live() {
    let Some(server) = lab() else { return };
    let raw =
        signed(&message("accounts@dkim-valid.test", BODY), "dkim-valid-s1-rsa2048.pem", "dkim-valid.test", "selector1");
    let live = verify_dkim(raw.as_bytes(), Some(server), TIMEOUT).await;
    assert_eq!(live.results.len(), 1, "{live:?}");
    assert_eq!((live.results[0].domain.as_str(), &live.results[0].outcome), ("dkim-valid.test", &DkimOutcome::Pass));
    let result = triage(&raw, &live);
    assert!(codes(&result).contains(&"dkim_verified"), "{:?}", result.reasons);
    let reason = result.reasons.iter().find(|r| r.code == "dkim_verified").unwrap();
    assert_eq!(reason.weight, -20);
    assert!(reason.explanation.contains("from dkim-valid.test checks out"), "{}", reason.explanation);
}

#[tokio::test]
async fn a_message_changed_after_signing_is_called_broken() {
    let Some(server) = lab() else { return };
    let raw =
        signed(&message("accounts@dkim-valid.test", BODY), "dkim-valid-s1-rsa2048.pem", "dkim-valid.test", "selector1");
    let altered = raw.replace("Your monthly statement is ready.", "Your account is locked: pay now.");
    let live = verify_dkim(altered.as_bytes(), Some(server), TIMEOUT).await;
    assert!(matches!(live.results[..], [ref c] if matches!(c.outcome, DkimOutcome::Fail(_))), "{live:?}");
    let result = triage(&altered, &live);
    assert!(codes(&result).contains(&"dkim_broken"), "{:?}", result.reasons);
    assert!(!codes(&result).contains(&"dkim_verified"));
}

#[tokio::test]
async fn a_signature_made_with_another_key_is_called_broken() {
    let Some(server) = lab() else { return };
    // The google selector's key, claiming to be selector1's.
    let raw = signed(
        &message("accounts@dkim-valid.test", BODY),
        "dkim-valid-google-rsa2048.pem",
        "dkim-valid.test",
        "selector1",
    );
    let live = verify_dkim(raw.as_bytes(), Some(server), TIMEOUT).await;
    let result = triage(&raw, &live);
    assert!(codes(&result).contains(&"dkim_broken"), "{live:?} {:?}", result.reasons);
}

#[tokio::test]
async fn a_good_signature_from_an_unrelated_domain_says_nothing() {
    let Some(server) = lab() else { return };
    let raw =
        signed(&message("accounts@bank.example", BODY), "dkim-valid-s1-rsa2048.pem", "dkim-valid.test", "selector1");
    let live = verify_dkim(raw.as_bytes(), Some(server), TIMEOUT).await;
    assert_eq!(live.results[0].outcome, DkimOutcome::Pass, "{live:?}");
    let result = triage(&raw, &live);
    assert!(!codes(&result).iter().any(|c| c.starts_with("dkim_")), "{:?}", result.reasons);
}

#[tokio::test]
async fn an_unreachable_resolver_says_nothing_within_the_timeout() {
    // Needs no lab: nothing listens on the discard port.
    let raw =
        signed(&message("accounts@dkim-valid.test", BODY), "dkim-valid-s1-rsa2048.pem", "dkim-valid.test", "selector1");
    let timeout = Duration::from_millis(800);
    let started = Instant::now();
    let live = verify_dkim(raw.as_bytes(), Some("127.0.0.1:9".parse().unwrap()), timeout).await;
    let result = triage(&raw, &live);
    assert!(started.elapsed() < timeout + Duration::from_millis(500), "took {:?}", started.elapsed());
    assert!(live.results.iter().all(|c| c.outcome == DkimOutcome::TempError), "{live:?}");
    assert!(!codes(&result).iter().any(|c| c.starts_with("dkim_")), "{:?}", result.reasons);
}

#[tokio::test]
async fn an_offline_batch_stops_asking_after_a_few_messages() {
    let raw =
        signed(&message("accounts@dkim-valid.test", BODY), "dkim-valid-s1-rsa2048.pem", "dkim-valid.test", "selector1");
    let verifier = DkimVerifier::new(Some("127.0.0.1:9".parse().unwrap()), Duration::from_millis(300)).unwrap();
    for _ in 0..3 {
        let live = verifier.verify(raw.as_bytes()).await;
        assert!(!live.results.is_empty() && live.results.iter().all(|c| c.outcome == DkimOutcome::TempError));
    }
    // DNS is taken to be unreachable: no more lookups, nothing to say.
    let started = Instant::now();
    assert_eq!(verifier.verify(raw.as_bytes()).await, LiveDkim::default());
    assert!(started.elapsed() < Duration::from_millis(100), "took {:?}", started.elapsed());
}

#[test]
fn mail_triage_live_dkim_checks_each_message_on_its_threads() {
    let Some(server) = lab() else { return };
    let dir = tempfile::tempdir().unwrap();
    let good =
        signed(&message("accounts@dkim-valid.test", BODY), "dkim-valid-s1-rsa2048.pem", "dkim-valid.test", "selector1");
    let altered = good.replace("Kind regards", "Click here");
    let unsigned = message("accounts@dkim-valid.test", BODY);
    std::fs::write(dir.path().join("a-good.eml"), &good).unwrap();
    std::fs::write(dir.path().join("b-altered.eml"), &altered).unwrap();
    std::fs::write(dir.path().join("c-unsigned.eml"), &unsigned).unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args(["--json", "mail", "triage"])
            .args(extra)
            .args(["a-good.eml", "b-altered.eml", "c-unsigned.eml"])
            .current_dir(dir.path())
            .env("PORTCULLIS_DATA_DIR", dir.path().join("data"))
            .env_remove("PORTCULLIS_DB")
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
        let lines: Vec<Value> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        lines
            .iter()
            .map(|line| {
                let codes: Vec<String> = line["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["code"].as_str().unwrap().to_owned())
                    .filter(|c| c.starts_with("dkim_"))
                    .collect();
                (line["path"].as_str().unwrap().to_owned(), codes)
            })
            .collect::<Vec<_>>()
    };
    let server = server.to_string();
    let live = run(&["--live-dkim", "--resolver", &server]);
    assert_eq!(
        live,
        vec![
            ("a-good.eml".to_owned(), vec!["dkim_verified".to_owned()]),
            ("b-altered.eml".to_owned(), vec!["dkim_broken".to_owned()]),
            ("c-unsigned.eml".to_owned(), vec![]),
        ]
    );
    // Without the flag nothing is looked up and nothing is said.
    assert!(run(&[]).iter().all(|(_, codes)| codes.is_empty()));
}
