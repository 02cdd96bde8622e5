//! `portcullis breach …` and `portcullis vault audit` end to end: the
//! offline index built from a real corpus file, the JSON contract, exit
//! codes, KeePass with a password file, bad input, and that no password or
//! hash ever reaches the output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use portcullis_breach::Secret;
use portcullis_breach::hash::HashKind;
use serde_json::Value;

/// Passwords the test corpus holds, with their counts.
const BREACHED: [(&str, u64); 3] = [("letmein", 250_000), ("Password1", 1_234), ("tulip-quartz", 1)];

fn portcullis(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .current_dir(dir)
        .env("PORTCULLIS_DATA_DIR", dir.join("data"))
        .env_remove("PORTCULLIS_DB")
        .env_remove("PORTCULLIS_BREACH_INDEX")
        .env_remove("PORTCULLIS_TWOFA_DIRECTORY")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the portcullis binary runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sha1_hex(password: &str) -> String {
    HashKind::Sha1.of(&Secret::from(password)).to_hex()
}

/// A sorted corpus: the breached passwords and 500 filler hashes.
fn write_corpus(dir: &Path) -> PathBuf {
    let mut lines: Vec<String> = BREACHED.iter().map(|(pw, count)| format!("{}:{count}", sha1_hex(pw))).collect();
    lines.extend((0..500).map(|i| format!("{}:{}", sha1_hex(&format!("filler-{i}")), i % 7 + 1)));
    lines.sort();
    let path = dir.join("pwned.txt");
    std::fs::write(&path, lines.join("\r\n") + "\r\n").unwrap();
    path
}

fn build_index(dir: &Path) -> PathBuf {
    let corpus = write_corpus(dir);
    let out =
        portcullis(dir, &["--json", "breach", "index", "build", corpus.to_str().unwrap(), "--out", "pwned.idx"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let built: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(built["entries"], 503);
    assert_eq!(built["kind"], "sha1");
    assert!(built["ratio"].as_f64().unwrap() < 1.0, "{built}");
    dir.join("pwned.idx")
}

const TWOFA: &str = r#"{
  "Chirp": {"domain": "chirp.example", "tfa": ["sms", "totp"], "documentation": "https://chirp.example/2fa",
            "categories": ["social"]},
  "Quiet": {"domain": "quiet.example", "tfa": ["totp"], "categories": ["other"]}
}"#;

const BITWARDEN_CSV: &str = "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\r\n\
Work,,login,Chirp,,,0,https://chirp.example/login,caseworker@mp.example,letmein,\r\n\
,,login,Bank,,,0,https://bank.example/,me@home.example,letmein,\r\n\
,,login,Quiet,,,0,https://quiet.example/,me@home.example,Glacier-Mango-Typewriter-88,otpauth://totp/Quiet?secret=JBSWY3DPEHPK3PXP\r\n\
,,note,Door code,The door code is 1234,,0,,,,\r\n";

fn setup(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::write(dir.join("twofa.json"), TWOFA).unwrap();
    std::fs::write(dir.join("export.csv"), BITWARDEN_CSV).unwrap();
    (build_index(dir), dir.join("twofa.json"))
}

fn no_secret_in(out: &Output) {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for password in ["letmein", "Glacier-Mango-Typewriter-88", "JBSWY3DPEHPK3PXP"] {
        assert!(!all.contains(password), "{password} printed: {all}");
        assert!(!all.contains(&sha1_hex(password)), "the hash of {password} printed: {all}");
    }
}

#[test]
fn a_bitwarden_export_is_audited_against_the_offline_index() {
    let dir = tempfile::tempdir().unwrap();
    let (index, twofa) = setup(dir.path());
    let args = ["--json", "vault", "audit", "export.csv", "--index", index.to_str().unwrap()];
    let out = portcullis(dir.path(), &[&args[..], &["--twofa-directory", twofa.to_str().unwrap()]].concat(), None);
    assert_eq!(out.status.code(), Some(1), "findings exit 1: {}", text(&out.stderr));
    no_secret_in(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = report["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "the note is skipped: {report}");
    let chirp = &entries[0];
    assert_eq!(chirp["title"], "Chirp");
    assert_eq!(chirp["site"], "chirp.example");
    assert_eq!(chirp["breached"], 250_000);
    assert_eq!(chirp["reused_with"], serde_json::json!(["Bank"]));
    assert_eq!(chirp["twofa_available"], true);
    assert!(chirp["strength"].as_u64().unwrap() <= 1);
    let quiet = &entries[2];
    assert_eq!((quiet["breached"].as_u64(), quiet["twofa_recorded"].as_bool()), (Some(0), Some(true)));
    assert!(quiet["todo"].as_array().unwrap().is_empty(), "{quiet}");
    let summary = &report["summary"];
    assert_eq!((summary["breached"].as_u64(), summary["reused"].as_u64()), (Some(2), Some(2)));
    assert_eq!(
        (summary["skipped"].as_u64(), summary["twofa_missing"].as_u64()),
        (Some(0), Some(1)),
        "a note is not a login"
    );
    assert_eq!(summary["breach_source"], "index");
    assert_eq!(summary["format"], "bitwarden-csv");

    let human = portcullis(dir.path(), &["vault", "audit", "export.csv", "--index", index.to_str().unwrap()], None);
    assert_eq!(human.status.code(), Some(1));
    no_secret_in(&human);
    let words = text(&human.stdout);
    assert!(words.contains("250,000 times"), "{words}");
    assert!(words.contains("Two-step sign-in not checked"), "{words}");
}

#[test]
fn breach_check_reads_the_password_from_stdin_and_never_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_index(dir.path());
    let index = index.to_str().unwrap();
    let found = portcullis(dir.path(), &["--json", "breach", "check", "--index", index], Some("Password1\n"));
    assert_eq!(found.status.code(), Some(1), "{}", text(&found.stderr));
    let answer: Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(answer, serde_json::json!({"breached": true, "count": 1234, "source": "index"}));
    let all = format!("{}{}", text(&found.stdout), text(&found.stderr));
    assert!(!all.contains("Password1") && !all.contains(&sha1_hex("Password1")), "{all}");

    let unseen = portcullis(dir.path(), &["breach", "check", "--index", index], Some("Vellum-Orchard-Kettle-53\r\n"));
    assert_eq!(unseen.status.code(), Some(0), "{}", text(&unseen.stderr));
    assert!(text(&unseen.stdout).contains("not found"));

    let nowhere = portcullis(dir.path(), &["breach", "check"], Some("x\n"));
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(text(&nowhere.stderr).contains("--index INDEX"), "{}", text(&nowhere.stderr));
}

#[test]
fn a_bad_corpus_is_refused_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (sha1_hex("a"), sha1_hex("b"));
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    for (name, body, expect) in [
        ("unsorted.txt", format!("{high}:1\n{low}:2\n"), "line 2"),
        ("badhex.txt", format!("{}:1\n", "Z".repeat(40)), "line 1"),
        ("dupe.txt", format!("{low}:1\n{low}:1\n"), "line 2"),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
        let out = portcullis(dir.path(), &["breach", "index", "build", name, "--out", "x.idx"], None);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let error = text(&out.stderr);
        assert!(error.contains(name) && error.contains(expect), "{name}: {error}");
        assert!(!dir.path().join("x.idx").exists(), "{name}: no half index is left behind");
    }
}

fn write_kdbx(path: &Path, master: &str) {
    use keepass::db::{Entry, Group, Value};
    let mut db = keepass::Database::new(keepass::config::DatabaseConfig::default());
    // A cheap key derivation: the test is about reading, not about the KDF.
    db.config.kdf_config = keepass::config::KdfConfig::Aes { rounds: 1_000 };
    let mut work = Group::new("Work");
    for (title, url, password) in
        [("Chirp", "https://chirp.example", "letmein"), ("Quiet", "https://quiet.example", "tulip-quartz")]
    {
        let mut entry = Entry::new();
        for (key, value) in [("Title", title), ("URL", url), ("UserName", "caseworker"), ("Password", password)] {
            entry.fields.insert(key.to_owned(), Value::Unprotected(value.to_owned()));
        }
        work.entries.push(entry);
    }
    db.root.groups.push(work);
    let mut file = std::fs::File::create(path).unwrap();
    db.save(&mut file, keepass::DatabaseKey::new().with_password(master)).unwrap();
}

#[test]
fn a_keepass_database_opens_with_a_password_file_and_a_wrong_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_index(dir.path());
    write_kdbx(&dir.path().join("office.kdbx"), "Heron-Lantern-Parcel-61");
    std::fs::write(dir.path().join("right.txt"), "Heron-Lantern-Parcel-61\n").unwrap();
    std::fs::write(dir.path().join("wrong.txt"), "not it\n").unwrap();
    let run = |password_file: &str| {
        let args = ["--json", "vault", "audit", "office.kdbx", "--password-file", password_file, "--index"];
        portcullis(dir.path(), &[&args[..], &[index.to_str().unwrap()]].concat(), None)
    };
    let out = run("right.txt");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let counts: Vec<(String, u64)> = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["title"].as_str().unwrap().to_owned(), e["breached"].as_u64().unwrap()))
        .collect();
    assert_eq!(counts, vec![("Chirp".to_owned(), 250_000), ("Quiet".to_owned(), 1)]);
    assert_eq!(report["summary"]["format"], "keepass", "told by its first bytes");

    let refused = run("wrong.txt");
    assert_eq!(refused.status.code(), Some(2));
    let error = text(&refused.stderr);
    assert!(error.contains("office.kdbx") && error.contains("master password"), "{error}");
    assert!(!error.contains("not it"), "{error}");
}

#[test]
fn an_unknown_export_or_format_is_refused_with_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "just some notes\n").unwrap();
    let out = portcullis(dir.path(), &["vault", "audit", "notes.txt"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("notes.txt"), "{}", text(&out.stderr));
    let out = portcullis(dir.path(), &["vault", "audit", "notes.txt", "--format", "lastpass"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("bitwarden-json"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_range_api_gives_the_same_counts_as_the_index_and_sees_only_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = setup(dir.path());
    let corpus = std::fs::read_to_string(dir.path().join("pwned.txt")).unwrap();
    let server = portcullis_testkit::pwned::RangeServer::start(&corpus).await.unwrap();
    let path = dir.path().to_owned();
    let url = server.url();
    let index = index.to_str().unwrap().to_owned();
    let (by_api, by_index) = tokio::task::spawn_blocking(move || {
        let run =
            |source: &[&str]| portcullis(&path, &[&["--json", "vault", "audit", "export.csv"], source].concat(), None);
        (run(&["--api", &url]), run(&["--index", &index]))
    })
    .await
    .unwrap();
    assert_eq!(by_api.status.code(), Some(1), "{}", text(&by_api.stderr));
    no_secret_in(&by_api);
    let counts = |out: &Output| -> Vec<Value> {
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["entries"].as_array().unwrap().iter().map(|e| e["breached"].clone()).collect()
    };
    assert_eq!(counts(&by_api), counts(&by_index));
    let report: Value = serde_json::from_slice(&by_api.stdout).unwrap();
    assert_eq!(report["summary"]["breach_source"], "api");
    assert_eq!(server.requests(), 2, "two distinct passwords, two prefixes");
    assert!(server.paths().iter().all(|p| p.len() == "/range/ABCDE".len()), "{:?}", server.paths());
}
