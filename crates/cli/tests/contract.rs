//! The command-line contract of DESIGN.md: exit codes, one-line errors,
//! help for every command, JSON output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::{Command, Output};

fn portcullis(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("PORTCULLIS_KEY_FILE", data_dir.join("secret.key"))
        .env_remove("PORTCULLIS_DB")
        .env_remove("RUST_LOG")
        .output()
        .expect("the portcullis binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_one_plain_line(out: &Output) {
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "expected one line on stderr, got:\n{err}");
    for rust_noise in ["panicked", "RUST_BACKTRACE", "Error {", "Os {", "kind:"] {
        assert!(!err.contains(rust_noise), "stderr shows Rust internals ({rust_noise}):\n{err}");
    }
}

#[test]
fn a_nonsense_database_url_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = portcullis(dir.path(), &["--db", "nonsense://x", "serve"]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_plain_line(&out);
    assert!(stderr(&out).contains("'nonsense://x' is not a database Portcullis can use"), "{}", stderr(&out));
}

#[test]
fn an_unwritable_sqlite_path_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be created beneath a regular file, even by root.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let db = format!("sqlite://{}/sub/portcullis.db", file.display());
    let out = portcullis(dir.path(), &["--db", &db, "serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_plain_line(&out);
    assert!(stderr(&out).contains("cannot use the database"), "{}", stderr(&out));
}

#[test]
fn a_busy_port_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = portcullis(dir.path(), &["serve", "--listen", &addr]);
    assert_eq!(out.status.code(), Some(2));
    assert_one_plain_line(&out);
    assert!(stderr(&out).contains(&format!("cannot listen on {addr}")), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(portcullis(dir.path(), &["no-such-command"]).status.code(), Some(2));
    assert_eq!(portcullis(dir.path(), &["serve", "--listen", "not-an-address"]).status.code(), Some(2));
    for cmd in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["office", "--help"],
        &["office", "create", "--help"],
        &["office", "list", "--help"],
    ] {
        let out = portcullis(dir.path(), cmd);
        assert_eq!(out.status.code(), Some(0), "{cmd:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"), "{cmd:?}");
    }
}

#[test]
fn first_run_creates_the_database_in_the_data_dir_and_migrate_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh/portcullis");
    for _ in 0..2 {
        let out = portcullis(&data, &["migrate"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert!(data.join("portcullis.db").is_file());
}

#[test]
fn offices_are_created_and_listed_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let made = portcullis(dir.path(), &["--json", "office", "create", "Office of Jane <Smith> MP"]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let created: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    let listed = portcullis(dir.path(), &["office", "list", "--json"]);
    let line: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(line["id"], created["id"]);
    assert_eq!(line["name"], "Office of Jane <Smith> MP");
    let bad = portcullis(dir.path(), &["office", "create", "   "]);
    assert_eq!(bad.status.code(), Some(2));
    assert_one_plain_line(&bad);
    assert!(stderr(&bad).contains("the office name is empty"));
}

fn portcullis_with_stdin(data_dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("PORTCULLIS_KEY_FILE", data_dir.join("secret.key"))
        .env_remove("PORTCULLIS_DB")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the portcullis binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn an_operator_is_added_with_a_password_from_stdin_that_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["operator", "add", "--email", "ops@service.example.org", "--name", "Ola Operator", "--json"];

    let weak = portcullis_with_stdin(dir.path(), &args, "password1234\n");
    assert_eq!(weak.status.code(), Some(2));
    assert_one_plain_line(&weak);
    assert!(stderr(&weak).contains("attackers try first"), "{}", stderr(&weak));

    let made = portcullis_with_stdin(dir.path(), &args, "marble teapot harbour\n");
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let line: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!((line["role"].as_str(), line["email"].as_str()), (Some("operator"), Some("ops@service.example.org")));
    let printed = format!("{}{}", String::from_utf8_lossy(&made.stdout), stderr(&made));
    assert!(!printed.contains("marble"), "the password must not be printed: {printed}");

    let again = portcullis_with_stdin(dir.path(), &args, "marble teapot harbour\n");
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    let empty = portcullis_with_stdin(dir.path(), &args, "");
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("no password"), "{}", stderr(&empty));
}

#[test]
fn domain_monitor_once_checks_what_is_due_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let out = portcullis(dir.path(), &["domain", "monitor", "--once", "--json", "--resolver", "127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["checked"], 0, "a fresh database watches nothing");
}

#[test]
fn domain_suggest_prints_a_staged_rollout_and_refuses_unknown_services() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        portcullis(dir.path(), &["domain", "suggest", "jane-smith.org.uk", "--sends-via", "microsoft365", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &plan["stages"][0]["records"];
    assert_eq!(first[0]["value"], "v=spf1 include:spf.protection.outlook.com -all");
    assert!(first[1]["value"].as_str().unwrap().contains("p=none"));
    let bad = portcullis(dir.path(), &["domain", "suggest", "jane-smith.org.uk", "--sends-via", "carrier-pigeon"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_one_plain_line(&bad);
    assert!(stderr(&bad).contains("unknown mail service 'carrier-pigeon'"));
}
