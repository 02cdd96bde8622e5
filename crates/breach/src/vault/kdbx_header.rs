//! A look at a KDBX file's unencrypted header before the key is derived: a
//! hostile file can ask for a key derivation that never ends (2^64 AES
//! rounds) or that allocates terabytes (Argon2 memory), so those settings
//! are bounded here, where the `keepass` crate would simply obey them.

use super::VaultError;

/// AES-KDF rounds allowed (KeePass's default is 60,000; a "one second"
/// setting on a fast machine is tens of millions).
pub(crate) const MAX_AES_ROUNDS: u64 = 200_000_000;
/// Argon2 memory allowed, in bytes (KeePassXC's default is 64 MiB).
pub(crate) const MAX_ARGON2_MEMORY: u64 = 2 * 1024 * 1024 * 1024;
/// Argon2 passes allowed.
pub(crate) const MAX_ARGON2_ITERATIONS: u64 = 10_000;
/// Argon2 work allowed: memory in MiB times passes (1 GiB × 64 passes, or
/// 64 MiB × 1,024).
pub(crate) const MAX_ARGON2_MIB_PASSES: u64 = 64 * 1024;
/// Argon2 lanes allowed.
pub(crate) const MAX_ARGON2_PARALLELISM: u64 = 256;

/// The KDBX 3.1 header field holding the AES-KDF rounds.
const KDBX3_TRANSFORM_ROUNDS: u8 = 6;
/// The KDBX 4 header field holding the KDF parameters.
const KDBX4_KDF_PARAMETERS: u8 = 11;
/// Where the header fields start (after signatures and version).
const FIELDS_START: usize = 12;

/// Refuses a KDBX 3.1 or 4 file whose key-derivation settings are beyond
/// the bounds above. Files it cannot parse are left to the `keepass` crate
/// to report.
pub(crate) fn check_kdf(bytes: &[u8], kdbx4: bool) -> Result<(), VaultError> {
    let size_len = if kdbx4 { 4 } else { 2 };
    let mut pos = FIELDS_START;
    while let Some(&id) = bytes.get(pos) {
        let Some(size) = read_uint(bytes, pos + 1, size_len) else { return Ok(()) };
        let start = pos + 1 + size_len;
        let Some(data) = usize::try_from(size).ok().and_then(|s| bytes.get(start..start.checked_add(s)?)) else {
            return Ok(());
        };
        match id {
            0 => return Ok(()),
            KDBX3_TRANSFORM_ROUNDS if !kdbx4 => check("AES rounds", read_uint(data, 0, 8), MAX_AES_ROUNDS)?,
            KDBX4_KDF_PARAMETERS if kdbx4 => check_parameters(data)?,
            _ => {}
        }
        pos = start + data.len();
    }
    Ok(())
}

/// Checks a KDBX 4 KDF parameter dictionary (`R` rounds, `I` passes, `M`
/// memory, `P` lanes).
fn check_parameters(dict: &[u8]) -> Result<(), VaultError> {
    let mut pos = 2; // the dictionary's version
    let (mut memory, mut iterations) = (0_u64, 0_u64);
    while let Some((key, value, next)) = dictionary_item(dict, pos) {
        let number = read_uint(value, 0, value.len().min(8));
        match key {
            b"R" => check("AES rounds", number, MAX_AES_ROUNDS)?,
            b"I" => {
                check("Argon2 iterations", number, MAX_ARGON2_ITERATIONS)?;
                iterations = number.unwrap_or_default();
            }
            b"M" => {
                check("Argon2 memory", number, MAX_ARGON2_MEMORY)?;
                memory = number.unwrap_or_default();
            }
            b"P" => check("Argon2 parallelism", number, MAX_ARGON2_PARALLELISM)?,
            _ => {}
        }
        pos = next;
    }
    let work = (memory / (1024 * 1024)).saturating_mul(iterations);
    check("Argon2 work (MiB × passes)", Some(work), MAX_ARGON2_MIB_PASSES)
}

/// The dictionary item at `pos`: its key, its value and where the next
/// starts; `None` at the end or where the dictionary is cut short.
fn dictionary_item(dict: &[u8], pos: usize) -> Option<(&[u8], &[u8], usize)> {
    if *dict.get(pos)? == 0 {
        return None;
    }
    let key_start = pos.checked_add(5)?;
    let key_end = key_start.checked_add(read_len(dict, pos.checked_add(1)?)?)?;
    let value_start = key_end.checked_add(4)?;
    let value_end = value_start.checked_add(read_len(dict, key_end)?)?;
    Some((dict.get(key_start..key_end)?, dict.get(value_start..value_end)?, value_end))
}

fn check(what: &str, value: Option<u64>, max: u64) -> Result<(), VaultError> {
    match value {
        Some(v) if v > max => Err(VaultError::Unsupported(format!(
            "this KeePass database asks for {what} of {v}, more than the {max} Portcullis allows; \
             if it is really yours, lower its key-derivation settings in KeePass or KeePassXC"
        ))),
        _ => Ok(()),
    }
}

fn read_len(bytes: &[u8], at: usize) -> Option<usize> {
    usize::try_from(read_uint(bytes, at, 4)?).ok()
}

/// A little-endian unsigned number of `len` (at most 8) bytes at `at`.
fn read_uint(bytes: &[u8], at: usize, len: usize) -> Option<u64> {
    let slice = bytes.get(at..at.checked_add(len)?)?;
    Some(slice.iter().rev().fold(0_u64, |acc, b| (acc << 8) | u64::from(*b)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn kdbx4(params: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
        let mut dict = vec![0x00, 0x01];
        for (key, kind, value) in params {
            dict.push(*kind);
            dict.extend(u32::try_from(key.len()).unwrap().to_le_bytes());
            dict.extend(*key);
            dict.extend(u32::try_from(value.len()).unwrap().to_le_bytes());
            dict.extend(*value);
        }
        dict.push(0);
        let mut file = vec![0x03, 0xD9, 0xA2, 0x9A, 0x67, 0xFB, 0x4B, 0xB5, 0x00, 0x00, 0x04, 0x00];
        file.push(KDBX4_KDF_PARAMETERS);
        file.extend(u32::try_from(dict.len()).unwrap().to_le_bytes());
        file.extend(dict);
        file.extend([0, 4, 0, 0, 0, b'\r', b'\n', b'\r', b'\n']);
        file
    }

    #[test]
    fn refuses_absurd_settings_and_allows_ordinary_ones() {
        let ok = kdbx4(&[(b"M", 0x05, &(64_u64 << 20).to_le_bytes()), (b"I", 0x05, &10_u64.to_le_bytes())]);
        assert_eq!(check_kdf(&ok, true), Ok(()));
        let memory = kdbx4(&[(b"M", 0x05, &u64::MAX.to_le_bytes())]);
        assert!(matches!(check_kdf(&memory, true), Err(VaultError::Unsupported(m)) if m.contains("Argon2 memory")));
        let work = kdbx4(&[(b"M", 0x05, &(1_u64 << 30).to_le_bytes()), (b"I", 0x05, &1000_u64.to_le_bytes())]);
        assert!(matches!(check_kdf(&work, true), Err(VaultError::Unsupported(m)) if m.contains("Argon2 work")));
        let rounds = kdbx4(&[(b"R", 0x05, &(1_u64 << 40).to_le_bytes())]);
        assert!(check_kdf(&rounds, true).is_err());
        let mut kdbx3 = vec![0x03, 0xD9, 0xA2, 0x9A, 0x67, 0xFB, 0x4B, 0xB5, 0x01, 0x00, 0x03, 0x00];
        kdbx3.extend([KDBX3_TRANSFORM_ROUNDS, 8, 0]);
        kdbx3.extend(u64::MAX.to_le_bytes());
        assert!(check_kdf(&kdbx3, false).is_err());
        assert_eq!(check_kdf(&kdbx3[..15], false), Ok(()), "a cut header is left to the keepass crate");
    }
}
