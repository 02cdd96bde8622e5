#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
use super::*;
use crate::Secret;

/// A breach source that counts what it was asked, or cannot answer.
struct Counting {
    inner: MemoryLookup,
    asked: usize,
    fail: bool,
}

impl Counting {
    fn with(passwords: &[(&str, u64)]) -> Self {
        Self { inner: MemoryLookup::sha1_of(passwords), asked: 0, fail: false }
    }
}

impl BreachLookup for Counting {
    fn kind(&self) -> HashKind {
        HashKind::Sha1
    }
    fn source(&self) -> &'static str {
        "index"
    }
    fn counts(&mut self, hashes: &[PasswordHash]) -> Result<Vec<u64>, LookupError> {
        if self.fail {
            return Err(LookupError("the Pwned Passwords API could not be reached".into()));
        }
        self.asked += hashes.len();
        self.inner.counts(hashes)
    }
}

fn entry(title: &str, site: &str, password: &str) -> Entry {
    Entry { title: title.into(), site: Some(site.into()), password: Secret::from(password), ..Entry::default() }
}

fn directory() -> Directory {
    Directory::from_json(
        br#"{"Chirp": {"domain": "chirp.example", "tfa": ["sms", "totp"], "documentation": "https://chirp.example/2fa",
                        "categories": []},
            "Quiet": {"domain": "quiet.example", "categories": []}}"#,
    )
    .unwrap()
}

fn options() -> Options {
    Options::new(Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").unwrap(), [9; 32])
}

#[test]
fn each_finding_is_reported_with_its_todo() {
    let mut chirp = entry("Chirp", "https://www.chirp.example/login", "letmein");
    chirp.changed = Some(Timestamp::parse_rfc3339("2019-05-01T00:00:00Z").unwrap());
    let bank = entry("Bank", "bank.example", "letmein");
    let strong = entry("Quiet", "quiet.example", "Glacier-Mango-Typewriter-88");
    let mut with_code = entry("Chirp work", "chirp.example", "Harbour-Violin-Stapler-17");
    with_code.totp = true;
    let note = Entry { title: "Door code".into(), ..Entry::default() };
    let mut breach = Counting::with(&[("letmein", 250_000)]);
    let report =
        audit(&[chirp, bank, strong, with_code, note], Some(&directory()), Some(&mut breach), &options()).unwrap();

    assert_eq!(breach.asked, 3, "the shared password is looked up once");
    let first = &report.entries[0];
    assert_eq!(first.site.as_deref(), Some("www.chirp.example"));
    assert_eq!(first.breached, Some(250_000));
    assert!(first.weak && first.old && first.twofa_available && !first.twofa_recorded);
    assert_eq!(first.reused_with, vec!["Bank".to_owned()]);
    let codes: Vec<TodoCode> = first.todo.iter().map(|todo| todo.code).collect();
    assert_eq!(codes, TodoCode::ALL.to_vec());
    assert_eq!(first.todo[1].priority, Priority::High, "reuse of a breached password is urgent");
    assert!(first.todo[0].action.contains("250,000 times"));
    assert!(first.todo[3].action.contains("https://chirp.example/2fa"));

    let quiet = &report.entries[2];
    assert_eq!(quiet.breached, Some(0));
    assert!(quiet.todo.is_empty(), "{:?}", quiet.todo);
    assert!(!quiet.twofa_available, "a service without 2FA is not a to-do");
    assert!(report.entries[3].todo.is_empty(), "2FA recorded and a strong password");

    let summary = &report.summary;
    assert_eq!((summary.entries, summary.skipped), (5, 1));
    assert_eq!((summary.breached, summary.reused, summary.weak, summary.old, summary.twofa_missing), (2, 2, 2, 1, 1));
    assert_eq!(summary.needs_action, 2);
    assert_eq!(summary.breach_source.as_deref(), Some("index"));
}

#[test]
fn without_a_breach_source_counts_are_unknown_not_zero() {
    let report = audit(&[entry("A", "a.example", "letmein")], None, None, &options()).unwrap();
    assert_eq!(report.entries[0].breached, None);
    assert_eq!(report.summary.breach_source, None);
    assert!(!report.entries[0].twofa_available);
}

#[test]
fn a_source_that_cannot_answer_stops_the_audit() {
    let mut breach = Counting { fail: true, ..Counting::with(&[]) };
    let error = audit(&[entry("A", "a.example", "x")], None, Some(&mut breach), &options()).unwrap_err();
    assert!(error.0.contains("could not be reached"));
}

#[test]
fn the_report_holds_no_password_hash_or_user_name() {
    let mut secret = entry("Mail", "https://alice:pw@mail.example/?t=1", "S3cret-Tulip-Quartz");
    secret.username = Some("alice@example.org".into());
    let report = audit(&[secret], Some(&directory()), Some(&mut Counting::with(&[])), &options()).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    let sha1 = HashKind::Sha1.of(&Secret::from("S3cret-Tulip-Quartz")).to_hex();
    for leaked in ["S3cret-Tulip-Quartz", sha1.as_str(), &sha1[..5].to_ascii_lowercase(), "alice", "?t=1"] {
        assert!(!json.contains(leaked), "{leaked} in {json}");
    }
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn an_uploaded_report_is_recomputed_from_its_facts() {
    let mut breach = Counting::with(&[("letmein", 3)]);
    let report =
        audit(&[entry("A", "a.example", "letmein")], Some(&directory()), Some(&mut breach), &options()).unwrap();
    let mut forged = report.clone();
    forged.entries[0].todo.clear();
    forged.summary.breached = 0;
    forged.summary.needs_action = 0;
    assert_eq!(recompute(forged), report);
}

#[test]
fn judging_on_several_threads_gives_the_same_report() {
    let entries: Vec<Entry> =
        (0..37).map(|i| entry(&format!("Site {i}"), &format!("s{i}.example"), &format!("pw-{}", i % 5))).collect();
    let one = audit(&entries, Some(&directory()), Some(&mut Counting::with(&[("pw-1", 9)])), &options()).unwrap();
    let mut many = options();
    many.threads = 4;
    let four = audit(&entries, Some(&directory()), Some(&mut Counting::with(&[("pw-1", 9)])), &many).unwrap();
    assert_eq!(one, four);
    assert_eq!(four.entries[36].title, "Site 36");
}
