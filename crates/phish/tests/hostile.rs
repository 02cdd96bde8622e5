//! Hostile and malformed messages: a verdict or a clear error, quickly,
//! never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use portcullis_phish::{Limits, Office, TriageError, Triager};
use proptest::prelude::*;

fn triager() -> Triager {
    Triager::new(Office { domains: vec!["office.example".into()], ..Office::default() }, Limits::default())
}

#[test]
fn a_message_over_the_size_limit_is_refused_before_parsing() {
    let big = vec![b'a'; Limits::default().max_message_bytes + 1];
    assert!(matches!(triager().triage(&big), Err(TriageError::TooLarge { .. })));
}

#[test]
fn broken_base64_unknown_charsets_and_bad_mime_still_get_a_verdict() {
    let raw = "From: x@y.example\r\nSubject: =?x-unknown-charset?B?////?=\r\n\
               Content-Type: multipart/mixed; boundary=\"q\"\r\n\r\n\
               --q\r\nContent-Type: text/plain; charset=x-klingon\r\nContent-Transfer-Encoding: base64\r\n\r\n\
               !!!not base64 at all***\r\n--q\r\nContent-Type: application/zip; name=a.zip\r\n\
               Content-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAQ\r\n--q";
    let triage = triager().triage(raw.as_bytes()).unwrap();
    assert!(triage.score <= 100);
}

#[test]
fn a_zip_bomb_attachment_is_never_unpacked() {
    // A zip whose one member claims 4 GiB: triage reads member names from
    // the headers and never inflates anything.
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend([0; 8]);
    zip.extend(u32::MAX.to_le_bytes());
    zip.extend(u32::MAX.to_le_bytes());
    zip.extend(7u16.to_le_bytes());
    zip.extend(0u16.to_le_bytes());
    zip.extend(b"bomb.js");
    zip.extend(vec![0; 4096]);
    let encoded = data_encoding::BASE64.encode(&zip);
    let raw = format!(
        "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: application/zip; \
         name=x.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--z--\r\n"
    );
    let triage = triager().triage(raw.as_bytes()).unwrap();
    let codes: Vec<_> = triage.reasons.iter().map(|r| r.code).collect();
    assert!(codes.contains(&"dangerous_attachment"), "{codes:?}");
}

#[test]
fn deeply_nested_html_is_read_in_linear_time() {
    let html = format!("{}<a href=\"http://192.0.2.1/\">x</a>{}", "<div>".repeat(100_000), "</div>".repeat(100_000));
    let raw = format!("From: a@b.example\r\nContent-Type: text/html\r\n\r\n{html}");
    let triage = triager().triage(raw.as_bytes()).unwrap();
    assert!(triage.reasons.iter().any(|r| r.code == "ip_link"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(triage) = triager().triage(&bytes) {
            prop_assert!(triage.score <= 100);
        }
    }

    #[test]
    fn arbitrary_compound_files_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..8192)) {
        let mut bytes = portcullis_phish::msg::CFB_MAGIC.to_vec();
        bytes.extend(tail);
        if let Ok(triage) = triager().triage(&bytes) {
            prop_assert!(triage.score <= 100);
        }
    }

    #[test]
    fn arbitrary_bytes_labelled_as_images_never_panic(
        kind in prop_oneof![Just("png"), Just("jpeg"), Just("gif")],
        body in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        // Behind each format's real signature, so the decoders are reached.
        let magic: &[u8] = match kind {
            "png" => b"\x89PNG\r\n\x1a\n",
            "jpeg" => &[0xFF, 0xD8, 0xFF],
            _ => b"GIF89a",
        };
        let mut image = magic.to_vec();
        image.extend(body);
        let raw = format!(
            "From: a@b.example\r\nSubject: scan me\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n\
             --z\r\nContent-Type: image/{kind}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--z--\r\n",
            data_encoding::BASE64.encode(&image)
        );
        let triage = triager().triage(raw.as_bytes()).unwrap();
        prop_assert!(triage.score <= 100);
    }

    #[test]
    fn arbitrary_headers_and_html_never_panic(
        from in "[ -~]{0,80}",
        subject in "\\PC{0,80}",
        body in "(<[a-z]{1,6}( href=\"[ -~]{0,40}\")?>|[ -~]{0,20}|&#?[a-z0-9]{0,6};?){0,40}",
    ) {
        let raw = format!("From: {from}\r\nSubject: {subject}\r\nContent-Type: text/html\r\n\r\n{body}");
        if let Ok(triage) = triager().triage(raw.as_bytes()) {
            prop_assert!(triage.score <= 100);
            prop_assert!(!triage.reasons.iter().any(|r| r.explanation.is_empty()));
        }
    }
}
