//! Bad, odd and hostile exports: clear errors naming the place, never a
//! panic, never a password in a message, limits enforced.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{Cursor, Write};

use portcullis_breach::Secret;
use portcullis_breach::vault::{self, Entry, Format, Limits, VaultError, VaultKey};
use proptest::prelude::*;

const SECRET: &str = "s3cret-Pa55word";

fn read_as(format: Format, bytes: &[u8]) -> Result<Vec<Entry>, VaultError> {
    vault::read("export", bytes, format, &VaultKey::default(), &Limits::default())
}

fn chrome(bytes: &[u8]) -> Result<Vec<Entry>, VaultError> {
    read_as(Format::ChromeCsv, bytes)
}

/// The error, checked not to quote the password.
fn err_of(result: Result<Vec<Entry>, VaultError>) -> VaultError {
    let err = result.expect_err("expected an error");
    assert!(!err.to_string().contains(SECRET), "the message shows the password: {err}");
    assert!(!format!("{err:?}").contains(SECRET), "the debug form shows the password: {err:?}");
    err
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in text.encode_utf16() {
        out.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    out
}

const CHROME: &str = "name,url,username,password\nCafé 日本,https://a.example,ann,s3cret-Pa55word\n";

// --- encodings and CSV syntax ---------------------------------------------

#[test]
fn utf8_bom_is_ignored() {
    let bytes = [b"\xEF\xBB\xBF".as_slice(), CHROME.as_bytes()].concat();
    let entries = chrome(&bytes).unwrap();
    assert_eq!(entries[0].title, "Café 日本");
    assert_eq!(entries[0].password.expose(), SECRET);
}

#[test]
fn utf16_with_bom_both_byte_orders() {
    for big_endian in [false, true] {
        let entries = chrome(&utf16(CHROME, big_endian)).unwrap();
        assert_eq!(entries[0].title, "Café 日本", "big endian: {big_endian}");
        assert_eq!(entries[0].password.expose(), SECRET);
    }
}

#[test]
fn excel_unicode_text_is_utf16_and_tab_separated() {
    let text = CHROME.replace(',', "\t").replace('\n', "\r\n");
    let entries = read_as(Format::Auto, &utf16(&text, false)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].site.as_deref(), Some("https://a.example"));
}

#[test]
fn windows_1252_bytes_are_decoded() {
    let bytes = b"name,url,username,password\nCaf\xE9 \x80,https://a.example,Zo\xEB,p\xE4ss\n";
    let entries = chrome(bytes).unwrap();
    assert_eq!(entries[0].title, "Café €");
    assert_eq!(entries[0].username.as_deref(), Some("Zoë"));
    assert_eq!(entries[0].password.expose(), "päss");
}

#[test]
fn crlf_and_quoted_commas_newlines_and_quotes() {
    let csv = "name,url,username,password\r\n\"A, Ltd\",https://a.example,\"ann\",\"pa,ss\r\nwo\"\"rd \"\r\nB,https://b.example,bob,  spaced  \r\n";
    let entries = chrome(csv.as_bytes()).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].title, "A, Ltd");
    assert_eq!(entries[0].password.expose(), "pa,ss\r\nwo\"rd ");
    assert_eq!(entries[1].password.expose(), "  spaced  ", "passwords are not trimmed");
}

#[test]
fn too_few_or_too_many_columns_name_the_line() {
    let few = "name,url,username,password\nA,https://a.example,ann,pw\nB,https://b.example,s3cret-Pa55word\n";
    let err = err_of(chrome(few.as_bytes()));
    assert_eq!(err, VaultError::Csv { line: 3, message: "this row has 3 columns but the header has 4".into() });
    assert!(err.to_string().starts_with("line 3:"), "{err}");
    let many = "name,url,username,password\n\"multi\nline\",u,n,p\nB,https://b.example,bob,s3cret-Pa55word,extra\n";
    assert!(matches!(err_of(chrome(many.as_bytes())), VaultError::Csv { line: 4, .. }));
}

#[test]
fn unclosed_quote_names_the_line() {
    let csv = "name,url,username,password\nA,u,n,p\nB,u,n,\"s3cret-Pa55word\n";
    assert!(matches!(err_of(chrome(csv.as_bytes())), VaultError::Csv { line: 3, .. }));
}

#[test]
fn missing_required_column_is_named() {
    let err = err_of(chrome(b"name,url,username,pass\nA,u,n,s3cret-Pa55word\n"));
    assert!(matches!(&err, VaultError::MissingColumn { column, .. } if column == "password"), "{err:?}");
    assert!(err.to_string().contains("\"password\""), "{err}");
    let err = err_of(read_as(Format::BitwardenCsv, b"folder,name,login_password\n,x,s3cret-Pa55word\n"));
    assert!(matches!(&err, VaultError::MissingColumn { column, .. } if column == "type"), "{err:?}");
}

#[test]
fn empty_files_are_refused_and_header_only_is_empty() {
    for format in [Format::ChromeCsv, Format::FirefoxCsv, Format::BitwardenCsv, Format::OnePasswordCsv] {
        for bytes in [b"".as_slice(), b"\xEF\xBB\xBF", b"\n\r\n", b"\xFF\xFE"] {
            assert_eq!(err_of(read_as(format, bytes)), VaultError::Empty, "{format:?} {bytes:?}");
        }
    }
    assert_eq!(err_of(read_as(Format::BitwardenJson, b"  \n")), VaultError::Empty);
    assert_eq!(err_of(read_as(Format::Auto, b"")), VaultError::Empty);
    assert!(chrome(b"name,url,username,password\r\n").unwrap().is_empty());
    assert!(read_as(Format::FirefoxCsv, b"url,username,password").unwrap().is_empty());
    assert!(read_as(Format::BitwardenJson, br#"{"encrypted":false,"folders":[],"items":[]}"#).unwrap().is_empty());
}

// --- limits -----------------------------------------------------------------

#[test]
fn limits_are_enforced() {
    let small = Limits { max_export_bytes: 64, max_entries: 2, max_field_bytes: 10, max_unpacked_bytes: 1024 };
    let read = |bytes: &[u8]| vault::read("x.csv", bytes, Format::ChromeCsv, &VaultKey::default(), &small);
    let big = vec![b'a'; 65];
    assert_eq!(err_of(read(&big)), VaultError::TooBig { size: 65, limit: 64 });
    let rows = "name,url,username,password\na,u,n,p\nb,u,n,p\nc,u,n,p\n";
    assert_eq!(err_of(read(rows.as_bytes())), VaultError::TooManyEntries { limit: 2 });
    let long = "name,url,username,password\na,u,n,s3cret-Pa55word\n";
    let err = err_of(read(long.as_bytes()));
    assert_eq!(err, VaultError::FieldTooLong { at: "line 2".into(), field: "password".into(), limit: 10 });
    let json = format!(r#"{{"items":[{{"type":1,"name":"a","login":{{"password":"{SECRET}"}}}}]}}"#);
    let err = err_of(vault::read(
        "x.json",
        json.as_bytes(),
        Format::BitwardenJson,
        &VaultKey::default(),
        &Limits { max_export_bytes: 1000, ..small },
    ));
    assert_eq!(err, VaultError::FieldTooLong { at: "item 1".into(), field: "password".into(), limit: 10 });
}

// --- JSON -------------------------------------------------------------------

#[test]
fn bad_json_names_line_and_column() {
    let err = err_of(read_as(Format::BitwardenJson, b"{\n  \"items\": [\n    {\"type\": 1,,}\n  ]\n}"));
    assert!(matches!(&err, VaultError::Json { line: 3, column: 16, .. }), "{err:?}");
    assert!(err.to_string().contains("line 3, column 16"), "{err}");
    let cut = err_of(read_as(Format::BitwardenJson, b"{\"items\": [{\"type\": 1"));
    assert!(cut.to_string().contains("ends too early"), "{cut}");
}

#[test]
fn wrong_json_types_do_not_quote_the_value() {
    let json = format!(r#"{{"items":[{{"type":1,"login":{{"uris":"{SECRET}"}}}}]}}"#);
    let err = err_of(read_as(Format::BitwardenJson, json.as_bytes()));
    assert!(matches!(err, VaultError::Json { line: 1, .. }), "{err:?}");
    let json = format!(r#"{{"items":[{{"type":"{SECRET}"}}]}}"#);
    err_of(read_as(Format::BitwardenJson, json.as_bytes()));
}

#[test]
fn encrypted_bitwarden_export_is_refused_with_advice() {
    let protected = br#"{"encrypted":true,"passwordProtected":true,"salt":"c2FsdA==","kdfIterations":600000,"kdfType":0,"encKeyValidation_DO_NOT_EDIT":"2.x|y|z","data":"2.a|b|c"}"#;
    let account = br#"{"encrypted":true,"encKeyValidation_DO_NOT_EDIT":"2.x|y|z","folders":[],"items":[{"type":1,"name":"2.a|b|c","login":{"password":"2.d|e|f"}}]}"#;
    for bytes in [protected.as_slice(), account.as_slice()] {
        let err = err_of(read_as(Format::Auto, bytes));
        assert_eq!(err, VaultError::EncryptedExport);
        let text = err.to_string();
        assert!(text.contains("unencrypted") && text.contains(".csv") && text.contains("delete"), "{text}");
    }
}

#[test]
fn json_without_items_is_not_bitwarden() {
    assert!(matches!(err_of(read_as(Format::BitwardenJson, b"{\"logins\": []}")), VaultError::Unsupported(_)));
    assert!(matches!(err_of(read_as(Format::Auto, b"{\"logins\": []}")), VaultError::UnknownFormat { .. }));
}

// --- 1pux -------------------------------------------------------------------

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn onepux_not_a_zip() {
    let err = err_of(read_as(Format::OnePassword1pux, b"PK\x03\x04 but not really a zip"));
    assert!(matches!(&err, VaultError::Archive { part, .. } if part == "the archive"), "{err:?}");
}

#[test]
fn onepux_without_export_data_names_the_part() {
    let bytes = zip_of(&[("export.attributes", b"{}")]);
    let err = err_of(read_as(Format::OnePassword1pux, &bytes));
    assert!(matches!(&err, VaultError::Archive { part, .. } if part == "export.data"), "{err:?}");
    assert!(err.to_string().contains("export.data is missing"), "{err}");
}

#[test]
fn onepux_bad_json_names_the_part() {
    let bytes = zip_of(&[("export.data", b"{\"accounts\": [\n oops")]);
    let err = err_of(read_as(Format::OnePassword1pux, &bytes));
    assert!(matches!(&err, VaultError::Json { part, line: 2, .. } if part == "export.data"), "{err:?}");
}

#[test]
fn onepux_zip_bomb_is_refused_not_unpacked() {
    // Past the unpacked-bytes limit.
    let zeros = vec![0_u8; 4 * 1024 * 1024];
    let bytes = zip_of(&[("export.data", &zeros)]);
    let limits = Limits { max_unpacked_bytes: 1024 * 1024, ..Limits::default() };
    let err = err_of(vault::read("a.1pux", &bytes, Format::OnePassword1pux, &VaultKey::default(), &limits));
    assert!(matches!(&err, VaultError::Archive { part, .. } if part == "export.data"), "{err:?}");
    // Within the limit, but packed far too tightly to be an export.
    let zeros = vec![b' '; 40 * 1024 * 1024];
    let bytes = zip_of(&[("export.data", &zeros)]);
    assert!(bytes.len() < 200 * 1024, "the test archive is small: {}", bytes.len());
    let err = err_of(read_as(Format::OnePassword1pux, &bytes));
    assert!(err.to_string().contains("zip bomb"), "{err}");
}

#[test]
fn onepux_too_many_members() {
    let names: Vec<String> = (0..50_001).map(|i| format!("files/{i}")).collect();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for name in &names {
        zip.start_file(name.as_str(), options).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let err = err_of(read_as(Format::OnePassword1pux, &bytes));
    assert!(err.to_string().contains("more than 50000 files"), "{err}");
}

// --- KeePass ----------------------------------------------------------------

fn with_password() -> VaultKey {
    VaultKey { password: Some(Secret::from(SECRET)), keyfile: None }
}

#[test]
fn keepass_1_is_unsupported_and_says_so() {
    let mut kdb = vec![0x03, 0xD9, 0xA2, 0x9A, 0x65, 0xFB, 0x4B, 0xB5, 0x03, 0x00, 0x03, 0x00];
    kdb.extend([0_u8; 200]);
    let err = err_of(vault::read("old.kdb", &kdb, Format::Auto, &with_password(), &Limits::default()));
    assert!(matches!(&err, VaultError::Unsupported(m) if m.contains("KeePass 1")), "{err:?}");
}

#[test]
fn not_a_keepass_file() {
    let err =
        err_of(vault::read("x.kdbx", b"hello, not a database", Format::Keepass, &with_password(), &Limits::default()));
    assert!(err.to_string().contains("damaged or not a KeePass database"), "{err}");
}

#[test]
fn keepass_with_an_endless_key_derivation_is_refused_up_front() {
    let mut db = keepass::Database::new(Default::default());
    db.config.kdf_config = keepass::config::KdfConfig::Aes { rounds: 10 };
    let mut bytes = Vec::new();
    db.save(&mut bytes, keepass::DatabaseKey::new().with_password(SECRET)).unwrap();
    let rounds = b"\x01\x00\x00\x00R\x08\x00\x00\x00";
    let at = bytes.windows(rounds.len()).position(|w| w == rounds).unwrap() + rounds.len();
    bytes[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    let err = err_of(vault::read("x.kdbx", &bytes, Format::Keepass, &with_password(), &Limits::default()));
    assert!(matches!(&err, VaultError::Unsupported(m) if m.contains("AES rounds")), "{err:?}");
}

// --- never panics -------------------------------------------------------------

const FORMATS: [Format; 8] = [
    Format::Auto,
    Format::BitwardenJson,
    Format::BitwardenCsv,
    Format::Keepass,
    Format::OnePassword1pux,
    Format::OnePasswordCsv,
    Format::ChromeCsv,
    Format::FirefoxCsv,
];

fn small_limits() -> Limits {
    Limits { max_export_bytes: 4096, max_entries: 3, max_field_bytes: 64, max_unpacked_bytes: 8192 }
}

fn check_any(bytes: &[u8]) {
    let limits = small_limits();
    for format in FORMATS {
        if let Ok(entries) = vault::read("x", bytes, format, &with_password(), &limits) {
            assert!(entries.len() <= limits.max_entries);
            for entry in &entries {
                assert!(entry.password.expose().len() <= limits.max_field_bytes);
                assert!(entry.title.len() <= limits.max_field_bytes.max("(untitled)".len()));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        check_any(&bytes);
    }

    #[test]
    fn csv_like_text_never_panics(text in "[a-z\",\r\n\t;]{0,300}") {
        check_any(format!("name,url,username,password,title,login_password,type\n{text}").as_bytes());
    }

    #[test]
    fn signed_garbage_never_panics(
        prefix in prop::sample::select(vec![
            b"\x03\xD9\xA2\x9A\x67\xFB\x4B\xB5\x00\x00\x04\x00".to_vec(),
            b"\x03\xD9\xA2\x9A\x67\xFB\x4B\xB5\x01\x00\x03\x00".to_vec(),
            b"PK\x03\x04".to_vec(),
            b"{\"items\":[".to_vec(),
        ]),
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        check_any(&[prefix, tail].concat());
    }
}
