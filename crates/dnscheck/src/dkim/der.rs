//! A small, bounded DER reader: just enough to find how big an RSA public key
//! is. DKIM publishes RSA keys as a base64 SubjectPublicKeyInfo (RFC 6376
//! 3.6.1, RFC 5280 4.1.2.7); some publishers put the bare PKCS#1
//! RSAPublicKey (RFC 8017 A.1.1) there instead, and receivers accept it, so
//! we do too. Every length is checked against the bytes actually present, so
//! hostile input can only produce an error.

use std::fmt;

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// 1.2.840.113549.1.1.1 (rsaEncryption), as DER content octets.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Longest length field we accept: four octets already allow 4 GiB, far more
/// than any key.
const MAX_LENGTH_OCTETS: usize = 4;

/// Why the bytes are not an RSA public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DerError {
    /// The data ends in the middle of an element.
    Truncated,
    /// An element of another type than the structure requires.
    UnexpectedTag {
        /// The DER tag required here.
        expected: u8,
        /// The tag found.
        found: u8,
    },
    /// A length form DER does not allow (indefinite, or absurdly long).
    BadLength,
    /// Bytes left over after the structure.
    TrailingData,
    /// A key for another algorithm than RSA.
    NotRsa,
    /// The modulus or exponent is zero or negative.
    BadInteger,
    /// The BIT STRING holding the key does not contain whole bytes.
    BadBitString,
}

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("the key data is cut short"),
            Self::UnexpectedTag { expected, found } => {
                write!(
                    f,
                    "the key data has the wrong structure (expected element 0x{expected:02x}, found 0x{found:02x})"
                )
            }
            Self::BadLength => f.write_str("the key data has an invalid length field"),
            Self::TrailingData => f.write_str("the key data has extra bytes at the end"),
            Self::NotRsa => f.write_str("the key is not an RSA key"),
            Self::BadInteger => f.write_str("the key's numbers are zero or negative"),
            Self::BadBitString => f.write_str("the key data has an invalid bit string"),
        }
    }
}

/// Reads DER elements one after another from a byte slice.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The content octets of the next element, which must have `tag`.
    fn read(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        let (&found, rest) = self.rest.split_first().ok_or(DerError::Truncated)?;
        if found != tag {
            return Err(DerError::UnexpectedTag { expected: tag, found });
        }
        let (len, rest) = read_length(rest)?;
        let (content, rest) = rest.split_at_checked(len).ok_or(DerError::Truncated)?;
        self.rest = rest;
        Ok(content)
    }

    /// Skips the next element whatever its type (algorithm parameters).
    fn skip_any(&mut self) -> Result<(), DerError> {
        match self.peek_tag() {
            Some(tag) => self.read(tag).map(|_| ()),
            None => Ok(()),
        }
    }

    fn finish(&self) -> Result<(), DerError> {
        if self.rest.is_empty() { Ok(()) } else { Err(DerError::TrailingData) }
    }
}

/// A DER length (X.690 8.1.3): one octet below 0x80, else 0x80 | count
/// followed by `count` big-endian octets. The indefinite form (0x80) is BER
/// only.
fn read_length(bytes: &[u8]) -> Result<(usize, &[u8]), DerError> {
    let (&first, rest) = bytes.split_first().ok_or(DerError::Truncated)?;
    if first < 0x80 {
        return Ok((usize::from(first), rest));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > MAX_LENGTH_OCTETS {
        return Err(DerError::BadLength);
    }
    let (digits, rest) = rest.split_at_checked(count).ok_or(DerError::Truncated)?;
    let len =
        digits.iter().try_fold(0usize, |acc, &b| acc.checked_mul(256).and_then(|v| v.checked_add(usize::from(b))));
    Ok((len.ok_or(DerError::BadLength)?, rest))
}

/// The size in bits of the RSA modulus in `der`, which is either a
/// SubjectPublicKeyInfo or a bare PKCS#1 RSAPublicKey.
pub fn rsa_modulus_bits(der: &[u8]) -> Result<usize, DerError> {
    let mut outer = Reader::new(der);
    let body = outer.read(TAG_SEQUENCE)?;
    outer.finish()?;
    let inner = Reader::new(body);
    // SubjectPublicKeyInfo starts with the AlgorithmIdentifier SEQUENCE;
    // RSAPublicKey starts straight away with the modulus INTEGER.
    match inner.peek_tag() {
        Some(TAG_INTEGER) => pkcs1_bits(inner),
        _ => spki_bits(inner),
    }
}

/// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
/// subjectPublicKey BIT STRING } (RFC 5280 4.1), already inside the SEQUENCE.
fn spki_bits(mut spki: Reader<'_>) -> Result<usize, DerError> {
    let mut algorithm = Reader::new(spki.read(TAG_SEQUENCE)?);
    if algorithm.read(TAG_OID)? != RSA_ENCRYPTION {
        return Err(DerError::NotRsa);
    }
    // Parameters are NULL for RSA (RFC 3279 2.3.1); some encoders omit them.
    algorithm.skip_any()?;
    algorithm.finish()?;
    let bits = spki.read(TAG_BIT_STRING)?;
    spki.finish()?;
    let (&unused_bits, key) = bits.split_first().ok_or(DerError::Truncated)?;
    if unused_bits != 0 {
        return Err(DerError::BadBitString);
    }
    let mut key = Reader::new(key);
    let rsa = key.read(TAG_SEQUENCE)?;
    key.finish()?;
    pkcs1_bits(Reader::new(rsa))
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
/// (RFC 8017 A.1.1), already inside the SEQUENCE.
fn pkcs1_bits(mut key: Reader<'_>) -> Result<usize, DerError> {
    let modulus = key.read(TAG_INTEGER)?;
    let exponent = key.read(TAG_INTEGER)?;
    key.finish()?;
    positive_bits(exponent)?;
    positive_bits(modulus)
}

/// The bit length of a positive DER INTEGER. INTEGERs are two's complement,
/// so a modulus with its top bit set carries a leading zero octet, which does
/// not count.
fn positive_bits(integer: &[u8]) -> Result<usize, DerError> {
    let first = integer.first().ok_or(DerError::BadInteger)?;
    if first & 0x80 != 0 {
        return Err(DerError::BadInteger);
    }
    let start = integer.iter().position(|&b| b != 0).ok_or(DerError::BadInteger)?;
    let significant = integer.get(start..).unwrap_or_default();
    let top = significant.first().ok_or(DerError::BadInteger)?;
    let top_bits = 8 - top.leading_zeros() as usize;
    Ok((significant.len() - 1) * 8 + top_bits)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    // Public halves of keys generated for these tests with `openssl genrsa`.
    const SPKI_512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK0oAxzQ2EjPwAL45W75449QvxjXjbXYxN4kCw7guLAY4qeZ7Ld42xC39eiKMCqYQvdz9VFmRIA3LWycQ7RnVfsCAwEAAQ==";
    const PKCS1_2048: &str = "MIIBCgKCAQEA6HlPqrmq8KeYPfUkZOEQeflALN5+Hb87Cs7CsZjm7VBEiLhq9S/hfe+T5vOKjBgchDwsIx4rDeVLskXH5Mh6O5jRBiw0cwxYTG3WlYgpiRByVBm8gfyadk8BK35ll/iot4rW+Av2GAAugUpdRqPtghojUAGNawW/6LGYq/5sYD5qjIrzlhwKEszRwpRWMvib3K1WwjAfjKnvUvh+BT0QojV8TkTDHZNRIDvfvVppTYW6E/x+Bg0ICBJ+dVHe+BsrNao67hD7eKVzh8f/evnBrBdvLZsPvItBX+sTKul+tPWWgX5/eYAvfWCMS7ddp0Wz2N2a5QjxKl1DqQL4pF/EhQIDAQAB";

    fn decode(b64: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
    }

    #[test]
    fn reads_the_modulus_size_of_spki_and_bare_pkcs1_keys() {
        assert_eq!(rsa_modulus_bits(&decode(SPKI_512)), Ok(512));
        assert_eq!(rsa_modulus_bits(&decode(PKCS1_2048)), Ok(2048));
    }

    #[test]
    fn every_truncation_of_a_key_is_an_error_not_a_panic() {
        let der = decode(SPKI_512);
        for cut in 0..der.len() {
            assert!(rsa_modulus_bits(&der[..cut]).is_err(), "cut at {cut}");
        }
        let mut extra = der.clone();
        extra.push(0);
        assert_eq!(rsa_modulus_bits(&extra), Err(DerError::TrailingData));
    }

    #[test]
    fn ed25519_spki_is_not_rsa_and_odd_lengths_are_refused() {
        // SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (33 bytes) }
        let mut ed = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
        ed.extend([7u8; 32]);
        assert_eq!(rsa_modulus_bits(&ed), Err(DerError::NotRsa));
        assert_eq!(rsa_modulus_bits(&[0x30, 0x80, 0x00, 0x00]), Err(DerError::BadLength));
        assert_eq!(rsa_modulus_bits(&[0x30, 0x85, 1, 1, 1, 1, 1]), Err(DerError::BadLength));
        assert_eq!(rsa_modulus_bits(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Err(DerError::Truncated));
        // A negative or zero modulus is not a key.
        assert_eq!(rsa_modulus_bits(&[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x03]), Err(DerError::BadInteger));
        assert_eq!(rsa_modulus_bits(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x03]), Err(DerError::BadInteger));
        assert_eq!(rsa_modulus_bits(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03]), Ok(3));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..10_000)) {
            let _ = rsa_modulus_bits(&bytes);
        }

        #[test]
        fn never_panics_on_mangled_keys(index in 0usize..94, byte in any::<u8>()) {
            let mut der = decode(SPKI_512);
            der[index] = byte;
            let _ = rsa_modulus_bits(&der);
        }
    }
}
