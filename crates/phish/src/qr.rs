//! Links hidden in QR codes ("quishing"). A QR code in an image part is a
//! link that mail filters cannot read and a phone camera opens outside the
//! office's web filter, so the links it holds are links of the message.
//!
//! Images are attacker-written, so reading one is bounded before any pixel
//! is decoded: the header's dimensions are read first and an image larger
//! than [`Limits::max_image_pixels`] is refused; the decoder is held to the
//! same size and an allocation cap; big images are scaled down before the
//! search. Any error means "no links", never a failed triage.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{DynamicImage, GenericImageView, ImageFormat, ImageReader, Rgba};

use crate::Limits;

/// The longer side an image is scaled down to before the search: QR codes
/// in mail are drawn to be scanned off a screen, so they survive it, and
/// the search costs time in proportion to the pixels.
const MAX_SEARCH_SIDE: u32 = 1024;

/// The smallest QR code (version 1) is 21 modules wide.
const MIN_SIDE: u32 = 21;

/// QR codes decoded per image, at most (each decode is a costly search).
const MAX_CODES_PER_IMAGE: usize = 8;

/// Bytes per pixel the decoder may allocate: RGBA at 16 bits a channel.
const BYTES_PER_PIXEL: u64 = 8;

/// Why an image yielded nothing (kept for tests and debugging; callers
/// only ever see "no links").
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImageRefused {
    /// Not a PNG, JPEG or GIF.
    #[error("it is not a PNG, JPEG or GIF image")]
    NotAnImage,
    /// Its header claims more pixels than the limit.
    #[error("it claims to be {width}×{height} pixels, more than the {limit}-pixel limit")]
    TooBig {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
        /// The limit, in pixels.
        limit: u64,
    },
    /// Too small to hold a QR code.
    #[error("at {width}×{height} pixels it is too small to hold a QR code")]
    TooSmall {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// The decoder gave up (truncated, corrupt, over its allocation limit).
    #[error("it could not be decoded: {0}")]
    Broken(#[from] image::ImageError),
    /// Reading the header failed.
    #[error("its header could not be read: {0}")]
    Header(#[from] std::io::Error),
}

/// Whether a part is an image that may hold a QR code: PNG, JPEG or GIF by
/// its declared type or by its first bytes (attackers label parts
/// `application/octet-stream` too).
pub(crate) fn is_image(content_type: &str, bytes: &[u8]) -> bool {
    matches!(content_type, "image/png" | "image/jpeg" | "image/jpg" | "image/pjpeg" | "image/gif")
        || format_of(bytes).is_some()
}

/// The http(s) and `www.` links in the QR codes of an image, at most
/// `limits.max_links`. Anything that goes wrong yields none.
pub(crate) fn links_in_image(bytes: &[u8], limits: &Limits) -> Vec<String> {
    let Ok(image) = decode(bytes, limits) else { return Vec::new() };
    // The detector is third-party code known to have asserted on odd
    // images; an attacker's picture must not take the triage down with it.
    catch_unwind(AssertUnwindSafe(|| search(&image, limits.max_links))).unwrap_or_default()
}

/// The decoded image, or why not.
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ImageRefused> {
    let format = format_of(bytes).ok_or(ImageRefused::NotAnImage)?;
    // The header alone: no pixel is decoded before the size is known.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format).into_dimensions()?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_image_pixels {
        return Err(ImageRefused::TooBig { width, height, limit: limits.max_image_pixels });
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(ImageRefused::TooSmall { width, height });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut bounds = image::Limits::default();
    bounds.max_image_width = Some(width);
    bounds.max_image_height = Some(height);
    bounds.max_alloc = Some(pixels.saturating_mul(BYTES_PER_PIXEL));
    reader.limits(bounds);
    Ok(reader.decode()?)
}

/// Find and decode QR codes; keep the web links.
fn search(image: &DynamicImage, max: usize) -> Vec<String> {
    let (width, height) = image.dimensions();
    let (across, down) = search_size(width, height);
    // Grey levels sampled straight from the decoded image at the search
    // size: no full-size grey copy, and the cost is bounded by the search
    // size whatever the picture's.
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(across as usize, down as usize, |x, y| {
        let sx = scaled(x, width, across);
        let sy = scaled(y, height, down);
        if image.in_bounds(sx, sy) { grey(image.get_pixel(sx, sy)) } else { u8::MAX }
    });
    let mut links = Vec::new();
    for grid in prepared.detect_grids().into_iter().take(MAX_CODES_PER_IMAGE) {
        if links.len() >= max {
            break;
        }
        if let Ok((_, content)) = grid.decode()
            && let Some(link) = web_link(&content)
            && !links.contains(&link)
        {
            links.push(link);
        }
    }
    links
}

/// The size searched: the image's, or scaled down (keeping proportions)
/// so its longer side is [`MAX_SEARCH_SIDE`].
fn search_size(width: u32, height: u32) -> (u32, u32) {
    let longer = width.max(height);
    if longer <= MAX_SEARCH_SIDE {
        return (width, height);
    }
    let scale =
        |side: u32| u32::try_from(u64::from(side) * u64::from(MAX_SEARCH_SIDE) / u64::from(longer)).unwrap_or(1).max(1);
    (scale(width), scale(height))
}

/// The source coordinate for position `at` of `to` when `from` is scaled to `to`.
fn scaled(at: usize, from: u32, to: u32) -> u32 {
    let at = u64::try_from(at).unwrap_or(u64::MAX);
    u32::try_from(at.saturating_mul(u64::from(from)) / u64::from(to.max(1))).unwrap_or(u32::MAX)
}

/// A pixel's grey level, seen over white: a QR code drawn on a transparent
/// background has black (or any) colour under its clear pixels.
fn grey(pixel: Rgba<u8>) -> u8 {
    let [r, g, b, a] = pixel.0;
    // ITU-R BT.601 weights, in 1/256ths.
    let luma = (u32::from(r) * 77 + u32::from(g) * 150 + u32::from(b) * 29) >> 8;
    let alpha = u32::from(a);
    u8::try_from((luma * alpha + 255 * (255 - alpha)) / 255).unwrap_or(u8::MAX)
}

/// The QR code's text if it is a web link (`http://`, `https://`, `www.`).
fn web_link(content: &str) -> Option<String> {
    let content = content.trim();
    let lower = content.get(..8).unwrap_or(content).to_ascii_lowercase();
    let is_link = lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.");
    (is_link && content.len() > 4 && !content.contains(char::is_whitespace)).then(|| content.to_owned())
}

/// PNG, JPEG or GIF by the file's first bytes.
fn format_of(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests;
