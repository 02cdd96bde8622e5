//! DKIM key records (RFC 6376 3.6.1): the TXT record at
//! `<selector>._domainkey.<domain>` that holds the public key receivers use
//! to check signatures.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::der;

/// The longest key record we read. A 4096-bit RSA key is under 1 KiB of
/// text; anything near this bound is not a key record.
pub const MAX_RECORD_LEN: usize = 8 * 1024;

/// Size of an Ed25519 public key (RFC 8032 5.1.5, RFC 8463 4.2).
const ED25519_KEY_LEN: usize = 32;

/// Base64 as publishers write it: with or without the `=` padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The signing algorithm a key is for (`k=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// RSA (the default when `k=` is absent).
    Rsa,
    /// Ed25519 (RFC 8463).
    Ed25519,
}

/// The public key itself (`p=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKey {
    /// `p=` is empty: the key has been withdrawn (RFC 6376 3.6.1).
    Revoked,
    /// An RSA key with a modulus of this many bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// A 32-byte Ed25519 key.
    Ed25519,
}

/// A parsed DKIM key record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimKey {
    /// `k=`.
    pub key_type: KeyType,
    /// `p=`.
    pub key: PublicKey,
    /// `t=y`: the domain is testing DKIM; receivers may treat signed and
    /// unsigned mail alike.
    pub testing: bool,
    /// `t=s`: signatures must use exactly this domain, not a subdomain.
    pub strict: bool,
    /// `h=`: hash algorithms allowed (empty: all).
    pub hashes: Vec<String>,
    /// `s=`: services the key is for (empty: all).
    pub services: Vec<String>,
    /// `n=`: notes for people.
    pub notes: Option<String>,
}

impl DkimKey {
    /// A short description: `RSA 2048`, `Ed25519`, `revoked`.
    pub fn describe(&self) -> String {
        match self.key {
            PublicKey::Revoked => "revoked".to_owned(),
            PublicKey::Rsa { bits } => format!("RSA {bits}"),
            PublicKey::Ed25519 => "Ed25519".to_owned(),
        }
    }

    /// Only SHA-1 is allowed (`h=sha1`), which receivers no longer accept
    /// (RFC 8301 3.1).
    pub fn sha1_only(&self) -> bool {
        !self.hashes.is_empty() && self.hashes.iter().all(|h| h == "sha1")
    }

    /// The key may sign email (`s=` absent, `*` or `email`; RFC 6376 3.6.1).
    pub fn for_email(&self) -> bool {
        self.services.is_empty() || self.services.iter().any(|s| s == "*" || s == "email")
    }
}

/// Parse a key record (its TXT strings already joined).
pub fn parse_key_record(text: &str) -> Result<DkimKey, String> {
    if text.len() > MAX_RECORD_LEN {
        return Err(format!("the record is {} bytes long, more than a key record can be", text.len()));
    }
    let tags = parse_tags(text)?;
    check_version(&tags)?;
    let value = |name: &str| tags.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let key_type = match value("k").map(str::to_ascii_lowercase).as_deref() {
        None | Some("rsa") => KeyType::Rsa,
        Some("ed25519") => KeyType::Ed25519,
        Some(other) => return Err(format!("unknown key type k={}", shorten(other))),
    };
    let p = value("p").ok_or("there is no public key (the p= tag is missing)")?;
    let flags = colon_list(value("t"));
    Ok(DkimKey {
        key_type,
        key: decode_key(key_type, p)?,
        testing: flags.iter().any(|f| f == "y"),
        strict: flags.iter().any(|f| f == "s"),
        hashes: colon_list(value("h")),
        services: colon_list(value("s")),
        notes: value("n").map(str::to_owned),
    })
}

/// `v=`, if present, must be the first tag and exactly `DKIM1` (RFC 6376
/// 3.6.1).
fn check_version(tags: &[(String, String)]) -> Result<(), String> {
    for (index, (name, value)) in tags.iter().enumerate() {
        if name != "v" {
            continue;
        }
        if index != 0 {
            return Err("v=DKIM1 must come first in the record".to_owned());
        }
        if value != "DKIM1" {
            return Err(format!("the version is v={}, not v=DKIM1", shorten(value)));
        }
    }
    Ok(())
}

/// A tag-list (RFC 6376 3.2): `name=value` pairs separated by `;`, with
/// optional whitespace around each part and an optional final `;`.
pub(crate) fn parse_tags(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for spec in text.split(';') {
        if spec.trim().is_empty() {
            continue;
        }
        let (name, value) =
            spec.split_once('=').ok_or_else(|| format!("'{}' is not a tag=value pair", shorten(spec.trim())))?;
        let name = name.trim();
        if !valid_tag_name(name) {
            return Err(format!("'{}' is not a valid tag name", shorten(name)));
        }
        // "if a tag name does occur more than once, the entire tag-list is
        // invalid" (RFC 6376 3.2).
        if tags.iter().any(|(n, _)| n == name) {
            return Err(format!("the tag {name}= appears twice"));
        }
        tags.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(tags)
}

/// tag-name = ALPHA *ALNUMPUNC (ALNUMPUNC is a letter, digit or `_`).
fn valid_tag_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A colon-separated tag value (`t=`, `h=`, `s=`), lower-cased.
fn colon_list(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| v.split(':').map(|p| p.trim().to_ascii_lowercase()).filter(|p| !p.is_empty()).collect())
        .unwrap_or_default()
}

/// Decode `p=`. Whitespace may be folded into the base64 (RFC 6376 3.6.1).
fn decode_key(key_type: KeyType, p: &str) -> Result<PublicKey, String> {
    let compact: String = p.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Ok(PublicKey::Revoked);
    }
    let bytes = LENIENT_BASE64.decode(compact.as_bytes()).map_err(|_| "the public key (p=) is not valid base64")?;
    match key_type {
        KeyType::Rsa => der::rsa_modulus_bits(&bytes)
            .map(|bits| PublicKey::Rsa { bits })
            .map_err(|e| format!("the RSA public key (p=) cannot be read: {e}")),
        KeyType::Ed25519 if bytes.len() == ED25519_KEY_LEN => Ok(PublicKey::Ed25519),
        KeyType::Ed25519 => {
            Err(format!("an Ed25519 key must be {ED25519_KEY_LEN} bytes (RFC 8463), this one is {}", bytes.len()))
        }
    }
}

/// At most 40 characters of `s`, for messages about hostile input.
pub(crate) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Public halves of keys generated for these tests with `openssl genrsa`
    // and `openssl genpkey -algorithm ed25519`.
    const SPKI_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCxdWVl/yrWYKeC+LSSbwL+QOzAHPKrlsgvuEY5WHmBzTFX8jbiWLqGYleL+ffWKx7G6Cq4HPsNHdOPlHbwLKaBnyh6W7RksKcsuY9i8LaW3/e6a6FcR3kCn+c1/8YbDEc+/3jWlR8Re9/P7fmqgBIAefFVbE8x8efsPmaGsMUnpQIDAQAB";
    const ED25519: &str = "vCl+8NYzMOMbD41FinD+Nq6cdP5pL22IvfufuWcX8co=";

    #[test]
    fn a_plain_rsa_record_gives_its_size() {
        let key = parse_key_record(&format!("v=DKIM1; k=rsa; p={SPKI_1024}")).unwrap();
        assert_eq!((key.key_type, key.key, key.testing), (KeyType::Rsa, PublicKey::Rsa { bits: 1024 }, false));
        assert_eq!(key.describe(), "RSA 1024");
    }

    #[test]
    fn rsa_is_the_default_and_folded_unpadded_base64_is_accepted() {
        let (head, tail) = SPKI_1024.split_at(60);
        let folded = format!("p={head}\r\n {}", tail.trim_end_matches('='));
        assert_eq!(parse_key_record(&folded).unwrap().key, PublicKey::Rsa { bits: 1024 });
    }

    #[test]
    fn ed25519_keys_are_32_bytes() {
        let key = parse_key_record(&format!("v=DKIM1; k=ed25519; p={ED25519}")).unwrap();
        assert_eq!((key.key_type, key.describe()), (KeyType::Ed25519, "Ed25519".to_owned()));
        assert!(parse_key_record("v=DKIM1; k=ed25519; p=AAAA").unwrap_err().contains("32 bytes"));
    }

    #[test]
    fn an_empty_p_means_revoked() {
        assert_eq!(parse_key_record("v=DKIM1; k=rsa; p=").unwrap().key, PublicKey::Revoked);
        assert_eq!(parse_key_record("v=DKIM1; p=;").unwrap().describe(), "revoked");
    }

    #[test]
    fn flags_hashes_services_and_notes_are_read() {
        let key = parse_key_record(&format!("v=DKIM1; t=y:s; h=sha1; s=email; n=hi; p={ED25519}; k=ed25519")).unwrap();
        assert!(key.testing && key.strict && key.sha1_only() && key.for_email());
        assert_eq!(key.notes.as_deref(), Some("hi"));
        let other = parse_key_record(&format!("s=tlsrpt; h=sha1:sha256; p={SPKI_1024}")).unwrap();
        assert!(!other.for_email() && !other.sha1_only() && !other.testing);
    }

    #[test]
    fn broken_records_say_why() {
        let cases = [
            ("k=rsa; v=DKIM1; p=", "first"),
            ("v=DKIM2; p=", "v=DKIM2"),
            ("v=DKIM1; k=dsa; p=", "unknown key type"),
            ("v=DKIM1; k=rsa", "p= tag is missing"),
            ("v=DKIM1; p=abc; p=def", "twice"),
            ("v=DKIM1; garbage; p=", "tag=value"),
            ("v=DKIM1; 1x=2; p=", "tag name"),
            ("v=DKIM1; p=!!!notbase64", "base64"),
            ("v=DKIM1; p=AAAA", "cannot be read"),
        ];
        for (record, why) in cases {
            let error = parse_key_record(record).unwrap_err();
            assert!(error.contains(why), "{record}: {error}");
        }
        assert!(parse_key_record(&"a".repeat(MAX_RECORD_LEN + 1)).unwrap_err().contains("bytes long"));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in ".{0,300}") {
            let _ = parse_key_record(&text);
        }

        #[test]
        fn never_panics_on_tag_shaped_text(text in "([a-z]{1,3}=[A-Za-z0-9+/=: ]{0,40};){0,12}") {
            let _ = parse_key_record(&text);
        }

        #[test]
        fn never_panics_on_long_input(fill in "[A-Za-z0-9+/;= ]{1,4}", len in 9_000usize..10_001) {
            let text: String = fill.chars().cycle().take(len).collect();
            let _ = parse_key_record(&text);
            let _ = parse_key_record(&format!("v=DKIM1; p={}", &text[..len.min(8_000)]));
        }
    }
}
