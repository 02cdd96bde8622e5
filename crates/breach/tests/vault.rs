//! Reading each password-manager export format into entries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{Cursor, Write};

use keepass::config::KdfConfig;
use keepass::db::{Entry as KpEntry, Group, Times, Value};
use keepass::{Database, DatabaseKey};
use portcullis_breach::Secret;
use portcullis_breach::vault::{self, Entry, Format, Limits, VaultError, VaultKey};
use portcullis_types::Timestamp;
use zeroize::Zeroizing;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/vault/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn read(name: &str, bytes: &[u8], format: Format) -> Result<Vec<Entry>, VaultError> {
    vault::read(name, bytes, format, &VaultKey::default(), &Limits::default())
}

fn find<'a>(entries: &'a [Entry], title: &str) -> &'a Entry {
    entries.iter().find(|e| e.title == title).unwrap_or_else(|| panic!("no entry {title:?} in {entries:?}"))
}

fn ts(text: &str) -> Option<Timestamp> {
    Some(Timestamp::parse_rfc3339(text).unwrap())
}

/// A `.1pux` archive holding `export_data`.
fn onepux(export_data: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("export.attributes", options).unwrap();
    zip.write_all(br#"{"version":3,"description":"1Password Unencrypted Export","createdAt":1709251200}"#).unwrap();
    zip.start_file("export.data", options).unwrap();
    zip.write_all(export_data).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn bitwarden_json() {
    let entries = read("export.json", &fixture("bitwarden.json"), Format::BitwardenJson).unwrap();
    assert_eq!(entries.len(), 3, "the note and the card are skipped: {entries:?}");
    let portal = find(&entries, "Council portal");
    assert_eq!(portal.site.as_deref(), Some("https://portal.council.example/login"));
    assert_eq!(portal.username.as_deref(), Some("m.pryce@office.example"));
    assert_eq!(portal.password.expose(), "Tr1cky,pass\"word");
    assert_eq!(portal.folder.as_deref(), Some("Constituency"));
    assert!(portal.totp);
    assert_eq!(portal.changed, ts("2024-02-03T10:20:30Z"), "passwordRevisionDate wins");
    let unicode = find(&entries, "Café Ünïcode 日本");
    assert_eq!((unicode.site.as_deref(), unicode.folder.as_deref(), unicode.totp), (None, None, false));
    assert_eq!(unicode.changed, ts("2023-11-12T13:14:15Z"), "else revisionDate");
    let email = find(&entries, "Email");
    assert_eq!(email.site.as_deref(), Some("https://mail.example.org"), "first non-blank URI");
    assert_eq!(email.folder.as_deref(), Some("Personal"));
    assert!(!email.totp, "a blank totp is no totp");
}

#[test]
fn bitwarden_csv() {
    let entries = read("export.csv", &fixture("bitwarden.csv"), Format::BitwardenCsv).unwrap();
    assert_eq!(entries.len(), 2, "note and card rows are skipped: {entries:?}");
    let portal = find(&entries, "Council portal");
    assert_eq!(portal.password.expose(), "Tr1cky,pass\"word");
    assert_eq!(portal.folder.as_deref(), Some("Constituency"));
    assert_eq!(portal.username.as_deref(), Some("m.pryce@office.example"));
    assert!(portal.totp);
    let unicode = find(&entries, "Café Ünïcode 日本");
    assert_eq!(unicode.site.as_deref(), Some("https://mail.example.org"), "first of several URIs");
    assert_eq!(unicode.folder.as_deref(), Some("Personal"));
    assert!(!unicode.totp);
    assert_eq!(unicode.changed, None);
}

#[test]
fn onepassword_1pux() {
    let archive = onepux(&fixture("1pux-export.data.json"));
    let entries = read("QWERTY.1pux", &archive, Format::OnePassword1pux).unwrap();
    let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Council portal", "Café Ünïcode 日本 Wi-Fi", "Email"], "archived, note, trashed skipped");
    let portal = find(&entries, "Council portal");
    assert_eq!(portal.username.as_deref(), Some("m.pryce@office.example"));
    assert_eq!(portal.password.expose(), "Tr1cky,pass\"word");
    assert_eq!(portal.site.as_deref(), Some("https://portal.council.example/login"));
    assert_eq!(portal.folder.as_deref(), Some("Constituency"));
    assert!(portal.totp);
    assert_eq!(portal.changed, ts("2024-03-01T00:00:00Z"));
    let wifi = find(&entries, "Café Ünïcode 日本 Wi-Fi");
    assert_eq!(wifi.password.expose(), "wifi-pass-123", "a password item's own password");
    assert!(!wifi.totp);
    let email = find(&entries, "Email");
    assert_eq!(email.site.as_deref(), Some("https://mail.example.org"), "from overview.urls");
    assert_eq!(email.folder.as_deref(), Some("Personal"));
    assert_eq!(email.password.expose(), "correct horse battery staple");
}

#[test]
fn onepassword_csv() {
    let entries = read("1password.csv", &fixture("onepassword.csv"), Format::OnePasswordCsv).unwrap();
    let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Council portal", "Café Ünïcode 日本", "Email"], "archived and note rows skipped");
    let portal = find(&entries, "Council portal");
    assert_eq!(portal.password.expose(), "Tr1cky,pass\"word");
    assert_eq!(portal.site.as_deref(), Some("https://portal.council.example/login"));
    assert!(portal.totp);
    assert!(!find(&entries, "Email").totp);
}

#[test]
fn onepassword_csv_maps_columns_by_name_in_any_case_and_order() {
    let csv = "notes,PASSWORD,username,otpauth,title,url\n,pw1,ann,,Site A,https://a.example\n";
    let entries = read("x.csv", csv.as_bytes(), Format::OnePasswordCsv).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].title, "Site A");
    assert_eq!(entries[0].password.expose(), "pw1");
    assert_eq!(entries[0].username.as_deref(), Some("ann"));
    assert_eq!(entries[0].site.as_deref(), Some("https://a.example"));
}

#[test]
fn chrome_csv() {
    let entries = read("Chrome Passwords.csv", &fixture("chrome.csv"), Format::ChromeCsv).unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(find(&entries, "portal.council.example").password.expose(), "Tr1cky,pass\"word");
    let unicode = find(&entries, "Café Ünïcode 日本");
    assert_eq!(unicode.username.as_deref(), Some("owain"));
    assert_eq!(unicode.password.expose(), "hunter2");
    let untitled = find(&entries, "mail.example.org");
    assert_eq!(untitled.site.as_deref(), Some("https://mail.example.org/login"), "title falls back to the host");
}

#[test]
fn firefox_csv() {
    let entries = read("logins.csv", &fixture("firefox.csv"), Format::FirefoxCsv).unwrap();
    assert_eq!(entries.len(), 3);
    let portal = find(&entries, "portal.council.example");
    assert_eq!(portal.password.expose(), "Tr1cky,pass\"word");
    assert_eq!(portal.changed, ts("2024-03-01T00:00:00Z"));
    let unicode = find(&entries, "xn--nicode-3ya.example");
    assert_eq!(unicode.changed, ts("2020-09-13T12:26:40Z"));
    assert_eq!(find(&entries, "intranet.office.example").changed, None);
}

#[test]
fn auto_tells_every_format() {
    let cases: [(&str, Vec<u8>, usize); 6] = [
        ("bitwarden_export.json", fixture("bitwarden.json"), 3),
        ("bitwarden_export.csv", fixture("bitwarden.csv"), 2),
        ("1password.csv", fixture("onepassword.csv"), 3),
        ("Chrome Passwords.csv", fixture("chrome.csv"), 3),
        ("logins.csv", fixture("firefox.csv"), 3),
        ("account.1pux", onepux(&fixture("1pux-export.data.json")), 3),
    ];
    for (name, bytes, count) in cases {
        assert_eq!(read(name, &bytes, Format::Auto).unwrap().len(), count, "{name}");
        assert_eq!(read("no-extension", &bytes, Format::Auto).unwrap().len(), count, "{name} by content");
    }
}

#[test]
fn auto_error_lists_the_format_names() {
    let err = read("mystery.csv", b"colour,shape\nred,round\n", Format::Auto).unwrap_err();
    assert!(matches!(err, VaultError::UnknownFormat { .. }));
    let text = err.to_string();
    for name in ["bitwarden-json", "bitwarden-csv", "keepass", "1password-1pux", "1password-csv", "chrome-csv"] {
        assert!(text.contains(name), "{text}");
    }
    assert!(!text.contains("auto,"), "{text}");
}

// --- KeePass ---------------------------------------------------------------

/// A cheap-to-open KDBX 4 database: entries in the root, in nested groups,
/// with each kind of TOTP field, and one in the Recycle Bin.
fn kdbx(key: DatabaseKey) -> Vec<u8> {
    let mut db = Database::new(Default::default());
    db.config.kdf_config = KdfConfig::Aes { rounds: 10 };
    let changed = 1_709_251_200;
    db.root.entries.push(kp_entry(
        "Council portal",
        "m.pryce@office.example",
        "Tr1cky,pass\"word",
        &[("otp", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")],
        Some(changed),
    ));
    let mut office = Group::new("Office");
    let mut email = Group::new("Email");
    email.entries.push(kp_entry(
        "Café Ünïcode 日本",
        "owain",
        "hunter2",
        &[("TimeOtp-Secret-Base32", "JBSWY3DPEHPK3PXP")],
        None,
    ));
    email.entries.push(kp_entry("Legacy", "leg", "legacy-pass", &[("TOTP Seed", "JBSWY3DPEHPK3PXP")], None));
    office.entries.push(kp_entry("Intranet", "morwenna", "correct horse battery staple", &[], None));
    office.groups.push(email);
    db.root.groups.push(office);
    let mut bin = Group::new("Recycle Bin");
    bin.entries.push(kp_entry("Deleted", "gone", "binned-pass", &[], None));
    db.meta.recyclebin_uuid = Some(bin.uuid);
    db.root.groups.push(bin);
    let mut out = Vec::new();
    db.save(&mut out, key).unwrap();
    out
}

fn kp_entry(title: &str, username: &str, password: &str, extra: &[(&str, &str)], changed: Option<u64>) -> KpEntry {
    let mut entry = KpEntry::new();
    let mut set = |k: &str, v: &str| entry.fields.insert(k.to_owned(), Value::Unprotected(v.to_owned()));
    set("Title", title);
    set("UserName", username);
    set("Password", password);
    set("URL", "https://site.example/");
    for (k, v) in extra {
        set(k, v);
    }
    if let Some(changed) = changed {
        entry.times.set_last_modification(Times::epoch() + std::time::Duration::from_secs(changed));
    }
    entry
}

fn key(password: Option<&str>, keyfile: Option<&[u8]>) -> VaultKey {
    VaultKey { password: password.map(Secret::from), keyfile: keyfile.map(|k| Zeroizing::new(k.to_vec())) }
}

fn read_kdbx(bytes: &[u8], key: &VaultKey) -> Result<Vec<Entry>, VaultError> {
    vault::read("office.kdbx", bytes, Format::Keepass, key, &Limits::default())
}

#[test]
fn keepass_with_the_right_password() {
    let bytes = kdbx(DatabaseKey::new().with_password("open sesame"));
    let entries = read_kdbx(&bytes, &key(Some("open sesame"), None)).unwrap();
    let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Council portal", "Intranet", "Café Ünïcode 日本", "Legacy"], "the Recycle Bin is skipped");
    let portal = find(&entries, "Council portal");
    assert_eq!(portal.folder, None);
    assert_eq!(portal.password.expose(), "Tr1cky,pass\"word");
    assert_eq!(portal.site.as_deref(), Some("https://site.example/"));
    assert!(portal.totp, "KeePassXC otp");
    assert_eq!(portal.changed, ts("2024-03-01T00:00:00Z"));
    assert_eq!(find(&entries, "Intranet").folder.as_deref(), Some("Office"));
    assert!(!find(&entries, "Intranet").totp);
    let unicode = find(&entries, "Café Ünïcode 日本");
    assert_eq!(unicode.folder.as_deref(), Some("Office/Email"));
    assert!(unicode.totp, "KeePass TimeOtp-Secret");
    assert!(find(&entries, "Legacy").totp, "legacy TOTP Seed");
    // Auto tells a .kdbx by its signature.
    let auto = vault::read("renamed.bin", &bytes, Format::Auto, &key(Some("open sesame"), None), &Limits::default());
    assert_eq!(auto.unwrap().len(), 4);
}

#[test]
fn keepass_wrong_password() {
    let bytes = kdbx(DatabaseKey::new().with_password("open sesame"));
    let err = read_kdbx(&bytes, &key(Some("open sesame!"), None)).unwrap_err();
    assert_eq!(err, VaultError::WrongKey);
    assert_eq!(err.to_string(), "the master password or key file is wrong");
    assert_eq!(read_kdbx(&bytes, &VaultKey::default()).unwrap_err(), VaultError::KeyNeeded);
}

#[test]
fn keepass_key_file() {
    let keyfile = b"a key file made of bytes that are not XML and not 32 long".as_slice();
    let both = kdbx(DatabaseKey::new().with_password("pw").with_keyfile(&mut { keyfile }).unwrap());
    assert_eq!(read_kdbx(&both, &key(Some("pw"), Some(keyfile))).unwrap().len(), 4);
    assert_eq!(read_kdbx(&both, &key(Some("pw"), None)).unwrap_err(), VaultError::WrongKey);
    assert_eq!(read_kdbx(&both, &key(Some("pw"), Some(b"another key file"))).unwrap_err(), VaultError::WrongKey);
    let only = kdbx(DatabaseKey::new().with_keyfile(&mut { keyfile }).unwrap());
    assert_eq!(read_kdbx(&only, &key(None, Some(keyfile))).unwrap().len(), 4);
}

#[test]
fn keepass_truncated() {
    let bytes = kdbx(DatabaseKey::new().with_password("pw"));
    for cut in [4, 12, 40, 200, bytes.len() / 2, bytes.len() - 1] {
        let err = read_kdbx(&bytes[..cut], &key(Some("pw"), None)).unwrap_err();
        assert!(matches!(err, VaultError::Damaged(_)), "cut at {cut}: {err:?}");
        assert!(err.to_string().contains("damaged or not a KeePass database"), "{err}");
    }
}
