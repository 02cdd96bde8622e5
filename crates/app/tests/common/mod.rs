//! What the app's integration tests share: a deployment on a real SQLite
//! store with a hand-moved clock, and signing in with an authenticator app.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use portcullis_app::auth::{PasswordOutcome, ServerKey, SignedIn, TotpSecret};
use portcullis_app::dmarc::{MailboxError, ReportMailbox};
use portcullis_app::{AccountForm, App, InviteRequest, NewOfficeRequest};
use portcullis_types::{Clock as _, FixedClock, SeqRandom, Timestamp};
use zeroize::Zeroizing;

/// The password every test account uses.
pub const PASSWORD: &str = "marble teapot harbour";

/// An app over a fresh database.
pub struct Deployment {
    pub app: App,
    pub clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

/// A fresh deployment with no accounts.
pub async fn deployment() -> Deployment {
    let dir = tempfile::tempdir().unwrap();
    let store = portcullis_store_sqlite::SqliteStore::open(&dir.path().join("p.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix_micros(1_764_063_000_000_000).unwrap()));
    let app =
        App::with_parts(Arc::new(store), clock.clone(), Arc::new(SeqRandom::new(5)), ServerKey::from_bytes([3; 32]));
    Deployment { app, clock, _dir: dir }
}

/// Sign in as `email` for the first time and enrol an authenticator app:
/// a full session.
pub async fn signed_in(d: &Deployment, email: &str) -> SignedIn {
    let PasswordOutcome::MustEnrol(token) = d.app.sign_in_password(email, PASSWORD, None).await.unwrap() else {
        panic!("a new account must enrol a second factor first");
    };
    let who = d.app.resolve_session(token.as_str()).await.unwrap().unwrap();
    assert!(!who.is_full());
    let start = d.app.begin_totp_enrolment(&who).unwrap();
    let plain: String = start.secret_text.chars().filter(|c| !c.is_whitespace()).collect();
    let secret = TotpSecret::from_bytes(Zeroizing::new(data_encoding::BASE32_NOPAD.decode(plain.as_bytes()).unwrap()));
    let (full, _) = d.app.finish_totp_enrolment(&who, &start.pending, &secret.code_at(d.clock.now())).await.unwrap();
    d.app.resolve_session(full.as_str()).await.unwrap().unwrap()
}

/// An office set up by its manager, Sam.
pub async fn office() -> (Deployment, SignedIn) {
    let d = deployment().await;
    let form = AccountForm { name: "Sam Okafor", email: "sam@example.org.uk", password: PASSWORD };
    d.app.set_up("Office of Jane Smith MP", &form).await.unwrap();
    let sam = signed_in(&d, "sam@example.org.uk").await;
    (d, sam)
}

/// Someone in Sam's office with `role`, signed in.
pub async fn colleague(d: &Deployment, sam: &SignedIn, role: &str, email: &str) -> SignedIn {
    let request = InviteRequest { name: "Kim Lee", email, role };
    let invited = d.app.invite(sam, &request).await.unwrap();
    let token = invited.link.split("token=").nth(1).unwrap().to_owned();
    d.app.accept_invitation(&token, PASSWORD, None).await.unwrap();
    signed_in(d, email).await
}

/// Two offices opened by the operator, each with its manager signed in.
pub async fn two_offices() -> (Deployment, SignedIn, SignedIn) {
    let d = deployment().await;
    let ops = AccountForm { name: "Ola Operator", email: "ops@service.example.org", password: PASSWORD };
    d.app.add_operator(&ops).await.unwrap();
    let op = signed_in(&d, "ops@service.example.org").await;
    let mut managers = Vec::new();
    for (office, email) in [("Office A", "a@office-a.example"), ("Office B", "b@office-b.example")] {
        let request = NewOfficeRequest { office_name: office, manager_name: "Manager", manager_email: email };
        let (_, invited) = d.app.open_office(&op, &request).await.unwrap();
        let token = invited.link.split("token=").nth(1).unwrap().to_owned();
        d.app.accept_invitation(&token, PASSWORD, None).await.unwrap();
        managers.push(signed_in(&d, email).await);
    }
    let b = managers.pop().unwrap();
    let a = managers.pop().unwrap();
    (d, a, b)
}

/// A mailbox in memory: folders of messages by UID.
#[derive(Default)]
pub struct FakeMailbox {
    pub folders: BTreeMap<String, BTreeMap<u32, Vec<u8>>>,
    pub listed: String,
}

#[async_trait::async_trait]
impl ReportMailbox for FakeMailbox {
    async fn message_uids(&mut self, folder: &str) -> Result<Vec<u32>, MailboxError> {
        self.listed = folder.to_owned();
        Ok(self.folders.get(folder).map(|f| f.keys().copied().collect()).unwrap_or_default())
    }

    async fn fetch(&mut self, uid: u32, max_bytes: u64) -> Result<Vec<u8>, MailboxError> {
        let message = self.folders.get(&self.listed).and_then(|f| f.get(&uid)).cloned();
        let message = message.ok_or_else(|| MailboxError(format!("no message {uid}")))?;
        if message.len() as u64 > max_bytes {
            return Err(MailboxError("too large".into()));
        }
        Ok(message)
    }

    async fn move_to(&mut self, uid: u32, folder: &str) -> Result<(), MailboxError> {
        let message = self.folders.get_mut(&self.listed).and_then(|f| f.remove(&uid)).unwrap();
        self.folders.entry(folder.to_owned()).or_default().insert(uid, message);
        Ok(())
    }

    fn describe(&self, folder: &str, uid: u32) -> String {
        format!("fake/{folder}/{uid}")
    }
}

impl FakeMailbox {
    pub fn with(messages: Vec<Vec<u8>>) -> Self {
        let mut mailbox = Self::default();
        let inbox = mailbox.folders.entry("INBOX".into()).or_default();
        for (uid, message) in (1..).zip(messages) {
            inbox.insert(uid, message);
        }
        mailbox
    }

    pub fn uids(&self, folder: &str) -> Vec<u32> {
        self.folders.get(folder).map(|f| f.keys().copied().collect()).unwrap_or_default()
    }
}
