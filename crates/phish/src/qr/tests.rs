use std::time::{Duration, Instant};

use image::{DynamicImage, GrayImage, ImageFormat, Luma};
use qrcode::{Color, QrCode};

use super::*;

/// `text` as a QR code, `scale` pixels a module, with the standard
/// four-module quiet zone, placed at (`left`, `top`) on a white canvas of
/// `canvas` pixels (or just big enough, when 0).
fn qr_image(text: &str, scale: u32, canvas: u32, left: u32, top: u32) -> GrayImage {
    let code = QrCode::new(text.as_bytes()).unwrap();
    let modules = u32::try_from(code.width()).unwrap();
    let side = (modules + 8) * scale;
    let canvas = canvas.max(side + left.max(top));
    let colors = code.to_colors();
    GrayImage::from_fn(canvas, canvas, |x, y| {
        let (mx, my) = (x.wrapping_sub(left) / scale, y.wrapping_sub(top) / scale);
        let dark = x >= left
            && y >= top
            && (4..modules + 4).contains(&mx)
            && (4..modules + 4).contains(&my)
            && colors[((my - 4) * modules + (mx - 4)) as usize] == Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    })
}

fn encoded(image: GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    let image = DynamicImage::ImageLuma8(image);
    // GIF has no grey mode: it is written as a palette of colours.
    let image = if format == ImageFormat::Gif { DynamicImage::ImageRgba8(image.to_rgba8()) } else { image };
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// A PNG with a header (IHDR) claiming `width`×`height` 8-bit RGBA
/// pixels and no pixel data at all (an empty IDAT, then IEND).
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut header = width.to_be_bytes().to_vec();
    header.extend(height.to_be_bytes());
    header.extend([8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", header.as_slice()), (b"IDAT", &[]), (b"IEND", &[])] {
        let mut chunk = kind.to_vec();
        chunk.extend(data);
        png.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_qr_code_in_a_png_is_read_as_a_link() {
    let png = encoded(qr_image("https://login-microsoftonline.web.app/", 6, 0, 0, 0), ImageFormat::Png);
    assert!(is_image("application/octet-stream", &png));
    assert_eq!(links_in_image(&png, &Limits::default()), vec!["https://login-microsoftonline.web.app/"]);
}

#[test]
fn jpeg_and_gif_qr_codes_are_read_too() {
    for format in [ImageFormat::Jpeg, ImageFormat::Gif] {
        let bytes = encoded(qr_image("https://evil.example/pay?id=7", 5, 0, 0, 0), format);
        assert!(is_image("", &bytes), "{format:?}");
        assert_eq!(links_in_image(&bytes, &Limits::default()), vec!["https://evil.example/pay?id=7"], "{format:?}");
    }
}

#[test]
fn a_qr_code_in_a_big_picture_is_found_after_scaling_down() {
    // A 3,000-pixel-wide flyer with the code in one corner.
    let flyer = qr_image("https://flyer.example/scan", 24, 3000, 1800, 2000);
    let png = encoded(flyer, ImageFormat::Png);
    assert_eq!(links_in_image(&png, &Limits::default()), vec!["https://flyer.example/scan"]);
}

#[test]
fn a_qr_code_holding_text_that_is_not_a_web_link_is_not_a_link() {
    for text in ["WIFI:S:office;T:WPA;P:secret;;", "mailto:a@b.example", "hello https://x.example"] {
        let png = encoded(qr_image(text, 6, 0, 0, 0), ImageFormat::Png);
        assert!(links_in_image(&png, &Limits::default()).is_empty(), "{text}");
    }
    assert_eq!(web_link(" www.example.com/a "), Some("www.example.com/a".to_owned()));
}

#[test]
fn an_image_without_a_qr_code_has_no_links() {
    let gradient = GrayImage::from_fn(300, 200, |x, y| Luma([u8::try_from((x + y) % 256).unwrap()]));
    assert!(links_in_image(&encoded(gradient, ImageFormat::Png), &Limits::default()).is_empty());
    let tiny = encoded(GrayImage::new(1, 1), ImageFormat::Png);
    assert!(matches!(decode(&tiny, &Limits::default()), Err(ImageRefused::TooSmall { .. })));
}

#[test]
fn truncated_and_garbage_images_have_no_links() {
    let png = encoded(qr_image("https://evil.example/", 6, 0, 0, 0), ImageFormat::Png);
    for cut in [8, 20, 40, png.len() / 2, png.len() - 5] {
        assert!(links_in_image(&png[..cut], &Limits::default()).is_empty(), "cut at {cut}");
    }
    assert!(links_in_image(b"\x89PNG\r\n\x1a\nthis is not a png at all", &Limits::default()).is_empty());
    assert!(links_in_image(b"GIF89a\xff\xff\xff\xff", &Limits::default()).is_empty());
    assert!(links_in_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], &Limits::default()).is_empty());
    assert!(matches!(decode(b"plain text", &Limits::default()), Err(ImageRefused::NotAnImage)));
    assert!(!is_image("text/plain", b"plain text"));
}

#[test]
fn an_image_claiming_huge_dimensions_is_refused_from_its_header() {
    let started = Instant::now();
    let bomb = png_header_only(100_000, 100_000);
    let refused = decode(&bomb, &Limits::default());
    assert!(matches!(refused, Err(ImageRefused::TooBig { width: 100_000, height: 100_000, .. })), "{refused:?}");
    assert!(links_in_image(&bomb, &Limits::default()).is_empty());
    assert!(started.elapsed() < Duration::from_secs(1));
    // Just within the limit by its header, but with no pixel data: the
    // decoder fails on the missing data rather than allocating for it.
    assert!(matches!(decode(&png_header_only(4_000, 4_000), &Limits::default()), Err(ImageRefused::Broken(_))));
}

#[test]
fn the_pixel_limit_is_the_callers() {
    let png = encoded(qr_image("https://evil.example/", 6, 0, 0, 0), ImageFormat::Png);
    let limits = Limits { max_image_pixels: 100 * 100, ..Limits::default() };
    assert!(links_in_image(&png, &limits).is_empty());
    let limits = Limits { max_links: 0, ..Limits::default() };
    assert!(links_in_image(&png, &limits).is_empty());
}

#[test]
fn a_qr_code_on_a_transparent_background_is_read_over_white() {
    // Clear pixels are black underneath, as many drawing tools leave them.
    let drawn = qr_image("https://clear.example/", 6, 0, 0, 0);
    let clear = image::RgbaImage::from_fn(drawn.width(), drawn.height(), |x, y| {
        if drawn.get_pixel(x, y).0 == [0] { image::Rgba([0, 0, 0, 255]) } else { image::Rgba([0, 0, 0, 0]) }
    });
    let mut png = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(clear).write_to(&mut png, ImageFormat::Png).unwrap();
    assert_eq!(links_in_image(&png.into_inner(), &Limits::default()), vec!["https://clear.example/"]);
    assert_eq!(grey(Rgba([0, 0, 0, 0])), 255);
    assert_eq!(grey(Rgba([255, 255, 255, 255])), 255);
    assert_eq!(grey(Rgba([0, 0, 0, 255])), 0);
}
