//! Bounds on what one message may cost to read.

/// How much of a message is looked at. Beyond these, the rest is ignored
/// (and said so) rather than read: an attacker controls every byte.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A message bigger than this is refused.
    pub max_message_bytes: usize,
    /// MIME parts looked at, at most.
    pub max_parts: usize,
    /// Body text (after HTML is turned into text) looked at, in bytes.
    pub max_text_bytes: usize,
    /// Links looked at, at most.
    pub max_links: usize,
    /// HTML read to find links and text, in bytes per part.
    pub max_html_bytes: usize,
    /// Pixels (width × height, as the image's header claims them) an image
    /// may have to be searched for QR codes; a bigger one is not decoded.
    pub max_image_pixels: u64,
    /// Images searched for QR codes per message, at most: each costs a
    /// decode and a search, so a message of a hundred pictures reads five.
    pub max_qr_images: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: 50 * 1024 * 1024,
            max_parts: 500,
            max_text_bytes: 256 * 1024,
            max_links: 500,
            max_html_bytes: 2 * 1024 * 1024,
            max_image_pixels: 4_000 * 4_000,
            max_qr_images: 5,
        }
    }
}
