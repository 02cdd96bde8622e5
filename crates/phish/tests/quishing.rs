//! Quishing: the sign-in link is in a QR code picture, where mail filters
//! do not look. Triage reads the code and judges its link like any other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, Luma};
use portcullis_phish::{Limits, Office, Triager, Verdict};
use qrcode::{Color, QrCode};

fn triager() -> Triager {
    Triager::new(Office { domains: vec!["office.example".into()], ..Office::default() }, Limits::default())
}

/// `text` as a QR code in a PNG, 6 pixels a module, with its quiet zone.
fn qr_png(text: &str) -> Vec<u8> {
    let code = QrCode::new(text.as_bytes()).unwrap();
    let modules = u32::try_from(code.width()).unwrap();
    let colors = code.to_colors();
    let side = (modules + 8) * 6;
    let image = GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / 6, y / 6);
        let dark = (4..modules + 4).contains(&mx)
            && (4..modules + 4).contains(&my)
            && colors[((my - 4) * modules + (mx - 4)) as usize] == Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    });
    let mut png = Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(image).write_to(&mut png, ImageFormat::Png).unwrap();
    png.into_inner()
}

/// A `multipart/{kind}` message whose only content besides a line of text
/// is `image`, as base64 under `part_headers`.
fn message_with_image(kind: &str, part_headers: &str, image: &[u8]) -> String {
    let encoded = data_encoding::BASE64_MIME.encode(image);
    format!(
        "From: IT Service Desk <helpdesk@mailer.example>\r\nTo: jo@office.example\r\n\
         Subject: Your mailbox password expires today\r\nDate: Mon, 1 Dec 2025 09:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/{kind}; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nPlease scan the attached code with your phone.\r\n\
         --b\r\n{part_headers}Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b--\r\n"
    )
}

fn codes(raw: &str) -> (Verdict, Vec<&'static str>) {
    let triage = triager().triage(raw.as_bytes()).unwrap();
    (triage.verdict, triage.reasons.iter().map(|r| r.code).collect())
}

#[test]
fn a_qr_code_attachment_leading_to_a_fake_sign_in_page_is_not_clean() {
    let png = qr_png("https://login-microsoftonline.web.app/");
    let raw = message_with_image(
        "mixed",
        "Content-Type: image/png; name=\"scan.png\"\r\nContent-Disposition: attachment; filename=\"scan.png\"\r\n",
        &png,
    );
    let (verdict, codes) = codes(&raw);
    assert_ne!(verdict, Verdict::Clean, "{codes:?}");
    assert!(codes.contains(&"qr_code_link"), "{codes:?}");
    assert!(codes.contains(&"free_hosting_link"), "{codes:?}");
}

#[test]
fn an_inline_qr_code_in_a_related_part_is_read_too() {
    let png = qr_png("https://192.0.2.9/m365");
    let raw = message_with_image("related", "Content-Type: image/png\r\nContent-ID: <qr@x>\r\n", &png);
    let (_, codes) = codes(&raw);
    assert!(codes.contains(&"qr_code_link"), "{codes:?}");
    assert!(codes.contains(&"ip_link"), "{codes:?}");
}

#[test]
fn an_image_labelled_as_anything_else_is_known_by_its_bytes() {
    let png = qr_png("https://192.0.2.9/m365");
    let raw = message_with_image("mixed", "Content-Type: application/octet-stream\r\n", &png);
    let (_, codes) = codes(&raw);
    assert!(codes.contains(&"qr_code_link"), "{codes:?}");
    assert!(codes.contains(&"ip_link"), "{codes:?}");
}

#[test]
fn a_picture_without_a_qr_code_adds_nothing() {
    let photo = GrayImage::from_fn(120, 80, |x, y| Luma([u8::try_from((x * y) % 256).unwrap()]));
    let mut png = Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(photo).write_to(&mut png, ImageFormat::Png).unwrap();
    let raw = message_with_image("mixed", "Content-Type: image/png; name=\"photo.png\"\r\n", &png.into_inner());
    let (_, codes) = codes(&raw);
    assert!(!codes.contains(&"qr_code_link"), "{codes:?}");
}

#[test]
fn only_the_first_images_are_searched() {
    let png = qr_png("https://evil.example/");
    let part = format!(
        "--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        data_encoding::BASE64_MIME.encode(&png)
    );
    let blank = GrayImage::from_pixel(40, 40, Luma([255]));
    let mut blank_png = Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(blank).write_to(&mut blank_png, ImageFormat::Png).unwrap();
    let blank_part = format!(
        "--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        data_encoding::BASE64_MIME.encode(&blank_png.into_inner())
    );
    let with_blanks_before = |blanks: usize| {
        let raw = format!(
            "From: a@b.example\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n{}{part}--b--\r\n",
            blank_part.repeat(blanks)
        );
        codes(&raw).1.contains(&"qr_code_link")
    };
    let searched = Limits::default().max_qr_images;
    assert!(with_blanks_before(searched - 1));
    assert!(!with_blanks_before(searched));
}
