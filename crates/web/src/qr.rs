//! QR codes for authenticator apps, drawn on the server as SVG and embedded
//! as a `data:` image, so the page needs no script and loads nothing else
//! (the CSP allows `img-src data:` for exactly this).

use data_encoding::BASE64;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use zeroize::Zeroizing;

/// A `data:image/svg+xml;base64,…` URI of a QR code holding `text`, or
/// `None` if the text is too long for a QR code (an `otpauth://` URI never
/// is). The URI holds the TOTP seed, so it is zeroed when dropped.
pub(crate) fn svg_data_uri(text: &str) -> Option<Zeroizing<String>> {
    // Medium error correction: survives a phone camera at an angle without
    // making the code too dense to scan from a laptop screen.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = Zeroizing::new(
        code.render::<svg::Color<'_>>()
            .min_dimensions(240, 240)
            .dark_color(svg::Color("#0b0c0c"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
    );
    Some(Zeroizing::new(format!("data:image/svg+xml;base64,{}", BASE64.encode(image.as_bytes()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_otpauth_uri_becomes_an_svg_data_uri() {
        let uri = svg_data_uri("otpauth://totp/Portcullis:sam%40example.org.uk?secret=ABCDEFGH&issuer=Portcullis");
        let uri = uri.unwrap();
        let b64 = uri.strip_prefix("data:image/svg+xml;base64,").unwrap();
        let svg = String::from_utf8(BASE64.decode(b64.as_bytes()).unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.contains("<path"));
        assert!(!svg.contains("style") && !svg.contains("script"), "nothing the CSP would need to allow");
    }

    #[test]
    fn text_too_long_for_a_qr_code_gives_none() {
        assert!(svg_data_uri(&"x".repeat(10_000)).is_none());
    }
}
